"""Trial 16 D11: an input given twice is reported once as such (not as a duplicate of itself), and a repeated record
of a JSONL file names its line, as the file's other errors do. The same fate at every door: the CLI, the service,
/api/articles and the web upload handler. Real Newsdesk over embedded Chroma, fake vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from langchain_core.embeddings import DeterministicFakeEmbedding
from typer.testing import CliRunner

from app import cli
from app.models import IngestReport
from app.serve.api.app import create_api
from app.serve.web import format as fmt
from app.serve.web import handlers
from app.services import Newsdesk
from app.settings import Settings

STORY = "# Harbour reopens\n\nThe harbour of Ashby reopened on Monday after repairs. Ships returned the same afternoon."
RECORDS = [
    {"title": "Cranes", "text": "Dock workers in Rotterdam voted to end the harbour crane strike on Friday."},
    {"title": "Bridge", "text": "The Calder bridge reopened after a 14-week repair, the council said on Monday."},
    {"title": "Cranes", "text": "Dock workers in Rotterdam voted to end the harbour crane strike on Friday."},
    {"title": "Cranes (wire)", "text": "Dock workers in Rotterdam voted to end the harbour crane strike on Friday."},
]
GIVEN_TWICE = "was given twice: read once"


@pytest.fixture
def desk(tmp_path: Path) -> Newsdesk:
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    return Newsdesk(settings, embeddings=DeterministicFakeEmbedding(size=16))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    story = tmp_path / "storm.md"
    story.write_text(STORY, encoding="utf-8")
    copy = tmp_path / "copy" / "storm.md"  # the same file under another path: same text and title
    copy.parent.mkdir()
    copy.write_text(STORY, encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    return story, copy, batch


def _fates(report: IngestReport) -> list[tuple[str, str]]:
    """(fate, input) per line of the report: the duplicates, skips and errors, the ones D11 is about."""
    return (
        [("duplicate", d.input) for d in report.duplicates]
        + [("skipped", n.input) for n in report.skipped]
        + [("error", e.input) for e in report.errors]
    )


def test_the_same_file_twice_is_reported_once_as_given_twice(desk: Newsdesk, files: tuple[Path, Path, Path]) -> None:
    story, copy, _ = files
    first = desk.ingest([story, story, copy])
    assert [a.title for a in first.added] == ["Harbour reopens"]
    assert _fates(first) == [("skipped", str(story)), ("skipped", str(copy))]
    assert all(GIVEN_TWICE in n.note for n in first.skipped)
    again = desk.ingest([story, story])  # was: "unchanged X" and "duplicate of X" for one file
    assert [a.title for a in again.unchanged] == ["Harbour reopens"] and again.duplicates == []
    assert _fates(again) == [("skipped", str(story))]


def test_a_repeated_jsonl_record_names_its_line(desk: Newsdesk, files: tuple[Path, Path, Path]) -> None:
    *_, batch = files
    report = desk.ingest([batch])
    assert sorted(a.title for a in report.added) == ["Bridge", "Cranes"]
    assert _fates(report) == [("duplicate", f"{batch}, line 4"), ("skipped", f"{batch}, line 3")]
    assert report.duplicates[0].duplicate_of == next(a.id for a in report.added if a.title == "Cranes")


def test_cli_reports_each_input_once(
    desk: Newsdesk, files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    story, _, batch = files
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["ingest", str(story), str(story)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert (
        "duplicate of" not in result.stdout and f"skipped   {story}: 'Harbour reopens' {GIVEN_TWICE}" in result.stdout
    )
    again = runner.invoke(cli.cli, ["ingest", str(story), str(story), "--json"])
    report = IngestReport.model_validate_json(again.stdout)
    assert len(report.unchanged) == 1 and _fates(report) == [("skipped", str(story))]
    jsonl = runner.invoke(cli.cli, ["ingest", str(batch)], env={"COLUMNS": "300"})
    assert f"{batch}, line 3: 'Cranes' {GIVEN_TWICE}" in jsonl.stdout
    assert f"{batch}, line 4  (Cranes (wire))" in jsonl.stdout


def test_api_and_web_uploads_report_the_same_fates(
    desk: Newsdesk, files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    story, _, batch = files
    client = TestClient(create_api(desk, desk.settings))
    upload = [("file", ("storm.md", story.read_bytes(), "text/markdown"))] * 2
    upload.append(("file", ("batch.jsonl", batch.read_bytes(), "application/jsonl")))
    r = client.post("/api/articles", files=upload)
    assert r.status_code == 201, r.text
    api = IngestReport.model_validate(r.json())
    assert sorted(a.title for a in api.added) == ["Bridge", "Cranes", "Harbour reopens"]
    assert _fates(api) == [
        ("duplicate", "Cranes (wire), line 4"),
        ("skipped", "Harbour reopens"),
        ("skipped", "Cranes, line 3"),
    ]

    # The web upload handler: the same files through gradio's upload folder, into a fresh library.
    web_desk = Newsdesk(desk.settings.model_copy(update={"index_dir": desk.settings.index_dir.parent / "web"}),
                        embeddings=DeterministicFakeEmbedding(size=16))  # fmt: skip
    monkeypatch.setattr(handlers, "gradio_upload_dir", lambda: str(story.parent))
    ui = handlers.Handlers(web_desk, web_desk.settings)
    data = ui.ingest([str(story), str(story), str(batch)], None, None, None, progress=lambda *a, **k: None)
    web = IngestReport.model_validate(data)
    assert _fates(web) == _fates(api)
    html = fmt.ingest_html(web)
    assert html.count("Duplicate") == 1 and html.count(GIVEN_TWICE) == 2 and "Cranes, line 3" in html
