"""The web app's named endpoints (ask, brief, ingest, eval) driven by gradio_client.

The first tests run the real Blocks over a small in-memory Newsdesk (the wiring); the e2e test drives a real server
over the real Newsdesk (tests/conftest.py `web_server`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.models import Answer, Briefing, IngestReport
from app.settings import Settings
from tests.fakes import FakeDesk
from tests.procs import free_port

SAMPLE = Path(__file__).resolve().parents[1] / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"


def desk_with_sample(settings: Settings) -> FakeDesk:
    desk = FakeDesk(settings)
    report = desk.ingest_uploads([(SAMPLE.name, SAMPLE.read_bytes())])
    assert len(report.added) == 1 and not report.errors
    return desk


@pytest.fixture(scope="module")
def fake_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeDesk]]:
    """The real Blocks over a FakeDesk holding the sample article, served in this process."""
    from app.serve.web.app import create_app, mount_options

    settings = Settings(index_dir=tmp_path_factory.mktemp("index"))
    desk = desk_with_sample(settings)
    demo = create_app(desk, settings)
    opts = mount_options(settings)
    _, url, _ = demo.queue().launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, **opts
    )
    try:
        yield url, desk
    finally:
        demo.close()


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def test_named_endpoints_are_listed(fake_app: tuple[str, FakeDesk]) -> None:
    info = _client(fake_app[0]).view_api(print_info=False, return_format="dict")
    names = set(info["named_endpoints"])
    assert {"/ask", "/brief", "/ingest", "/eval"} <= names, names


def test_ask_endpoint_returns_answer_json(fake_app: tuple[str, FakeDesk]) -> None:
    result = _client(fake_app[0]).predict("How large may Ukraine's army be?", "", [], api_name="/ask")
    answer = Answer.model_validate(result)
    assert answer.citations and "600,000" in answer.citations[0].quote
    assert not answer.abstained


def test_brief_endpoint_returns_briefing_and_markdown(fake_app: tuple[str, FakeDesk]) -> None:
    url, desk = fake_app
    article_id = next(iter(desk.docs))
    result = _client(url).predict([article_id], "", None, None, "short", "extractive", api_name="/brief")
    briefing = Briefing.model_validate(result["briefing"])
    assert briefing.length == "short" and briefing.citations[0].article_id == article_id
    assert briefing.headline in result["markdown"]


def test_ingest_endpoint_uploads_a_file_and_pasted_text(fake_app: tuple[str, FakeDesk], tmp_path: Path) -> None:
    from gradio_client import handle_file

    url, desk = fake_app
    note = tmp_path / "harbour.txt"
    note.write_text("Harbour reopens\nThe harbour of Tallinn reopened on Monday after the storm.\n", encoding="utf-8")
    result = _client(url).predict(
        [handle_file(str(note))], "", "Pasted note", "A pasted note about bridges and rivers.", api_name="/ingest"
    )
    report = IngestReport.model_validate(result)
    assert {a.title for a in report.added} == {"Harbour reopens", "Pasted note"}
    assert {"Harbour reopens", "Pasted note"} <= {a.title for a in desk.articles()}


def test_ingest_goes_through_the_same_service_readers_as_the_api(
    fake_app: tuple[str, FakeDesk], tmp_path: Path
) -> None:
    """Uploads are parsed in memory by Newsdesk.read_upload and a URL is read by Newsdesk.read_url (as POST
    /api/articles does); here a bad file or URL is one error line and the rest is still indexed."""
    from gradio_client import handle_file

    from app.text import build_article

    url, desk = fake_app
    good, empty = tmp_path / "ferry.md", tmp_path / "empty.txt"
    good.write_text("# Ferry resumes\n\nThe ferry to Helsinki resumed its timetable on Wednesday.\n", encoding="utf-8")
    empty.write_text("   \n", encoding="utf-8")
    desk.pages["https://example.com/bridge"] = [build_article("Bridge opens", "The new bridge over the river opened on Friday.",
                                                              url="https://example.com/bridge")]  # fmt: skip
    result = _client(url).predict(
        [handle_file(str(good)), handle_file(str(empty))], "https://example.com/bridge", "", "", api_name="/ingest"
    )
    report = IngestReport.model_validate(result)
    assert {a.title for a in report.added} == {"Ferry resumes", "Bridge opens"}
    assert [(e.input, e.error) for e in report.errors] == [("empty.txt", "empty")]
    assert {"Ferry resumes", "Bridge opens"} <= {a.title for a in desk.articles()}
    assert desk.fetched[-1] == "https://example.com/bridge"


def test_ingest_endpoint_with_nothing_is_a_readable_error(fake_app: tuple[str, FakeDesk]) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Nothing to add"):
        _client(fake_app[0]).predict([], "", "", "", api_name="/ingest")


def test_address_box_never_reads_server_paths(fake_app: tuple[str, FakeDesk]) -> None:
    from gradio_client.exceptions import AppError

    url, desk = fake_app
    before = len(desk.docs)
    with pytest.raises(AppError, match="'/etc/hostname' is not a web address"):
        _client(url).predict([], "/etc/hostname", "", "", api_name="/ingest")
    assert len(desk.docs) == before


def test_eval_endpoint_only_reads_datasets_in_evals(fake_app: tuple[str, FakeDesk]) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError):  # not one of the dropdown's choices
        _client(fake_app[0]).predict("/etc/hostname", None, ["extractive"], 6, api_name="/eval")


def test_unexpected_failure_is_a_message_not_a_traceback(
    fake_app: tuple[str, FakeDesk], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradio_client.exceptions import AppError

    url, desk = fake_app

    def boom(*args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(desk, "ask", boom)
    with pytest.raises(AppError) as err:
        _client(url).predict("anything at all", "", [], api_name="/ask")
    assert "Answering failed (RuntimeError: disk on fire)" in str(err.value)
    assert "Traceback" not in str(err.value)


@pytest.mark.e2e
@pytest.mark.slow
def test_real_server_endpoints(web_server: str, tmp_path: Path) -> None:
    """ask, brief, ingest and eval against the real Newsdesk (sample article indexed at start-up)."""
    from gradio_client import handle_file

    client = _client(web_server)
    answer = Answer.model_validate(
        client.predict("How large may Ukraine's army be under the plan?", "", [], api_name="/ask")
    )
    assert not answer.abstained and answer.citations
    assert any("600,000" in c.quote for c in answer.citations), answer.citations

    brief = client.predict([], "", None, None, "short", "extractive", api_name="/brief")
    briefing = Briefing.model_validate(brief["briefing"])
    assert briefing.citations and "[1]" in brief["markdown"]

    note = tmp_path / "client_note.txt"
    note.write_text(
        "Lighthouse keepers strike\n\nKeepers of the Skerry lighthouse went on strike on Tuesday over unpaid overtime.\n",
        encoding="utf-8",
    )
    report = IngestReport.model_validate(client.predict([handle_file(str(note))], "", "", "", api_name="/ingest"))
    assert [a.title for a in report.added + report.unchanged] == ["Lighthouse keepers strike"], report

    started = time.perf_counter()
    summary, files = client.predict(
        None, handle_file(str(_tiny_dataset(tmp_path))), ["extractive"], 6, api_name="/eval"
    )
    assert summary["backends"]["extractive"]["questions"] == 2
    assert {Path(f["path"] if isinstance(f, dict) else f).name for f in files} >= {
        "report.md",
        "report.json",
        "metrics.png",
    }
    assert time.perf_counter() - started < 600


def _tiny_dataset(folder: Path) -> Path:
    path = folder / "tiny.jsonl"
    path.write_text(
        '{"id": "t1", "question": "To what size must Ukraine limit its army?", "answers": ["600,000"], '
        '"evidence": ["Ukraine must limit the size of its army to 600,000 troops"], "answerable": true}\n'
        '{"id": "t2", "question": "What is the population of Mars?", "answers": [], "evidence": [], "answerable": false}\n',
        encoding="utf-8",
    )
    return path


def test_login_is_required_off_loopback() -> None:
    from pydantic import SecretStr

    from app.errors import NewsdeskError
    from app.serve.web.app import auth_for

    assert auth_for(Settings(host="127.0.0.1")) is None
    with pytest.raises(NewsdeskError, match="refusing to serve"):
        auth_for(Settings(host="0.0.0.0"))
    # Issue 14: an API token closes the web app too (the token is a login password), so it never stays open.
    token_login = auth_for(Settings(host="0.0.0.0", api_token=SecretStr("t0ken")))
    assert token_login("anyone", "t0ken") and not token_login("anyone", "guess")
    login = auth_for(Settings(host="0.0.0.0", auth_user="desk", auth_password=SecretStr("s3cret")))
    assert login("desk", "s3cret") and not login("desk", "wrong") and not login("other", "s3cret")


def test_launch_serves_the_page_with_a_login(tmp_path: Path) -> None:
    import httpx
    from pydantic import SecretStr

    from app.serve.web.app import launch

    settings = Settings(
        index_dir=tmp_path / "index", port=free_port(), auth_user="desk", auth_password=SecretStr("s3cret")
    )
    desk = FakeDesk(settings)
    demo = launch(settings, desk=desk, ensure_sample=False, block=False)
    try:
        base = f"http://127.0.0.1:{settings.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(base + "/", timeout=2.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert page.status_code == 200
        config = httpx.get(base + "/config", timeout=5.0)
        assert config.status_code in (401, 403) or "auth_required" in config.text
        login = httpx.post(base + "/login", data={"username": "desk", "password": "s3cret"}, timeout=5.0)
        assert login.status_code == 200
        assert "Newsdesk" in httpx.get(base + "/config", cookies=login.cookies, timeout=5.0).text
    finally:
        demo.close()


def test_remove_confirms_counts_then_updates_the_library(tmp_path: Path) -> None:
    import gradio as gr

    from app.serve.web.handlers import Handlers
    from app.serve.web.library import LibraryHandlers

    desk = desk_with_sample(Settings(index_dir=tmp_path / "index"))
    article_id = next(iter(desk.docs))
    lib = LibraryHandlers(desk)
    box, message, pending = lib.confirm([article_id], False, "", "", None, None)
    assert (
        box.visible is True and "1 article" in message and f"{len(desk.docs[article_id].sentences)} passages" in message
    )
    assert desk.docs, "the dry run removes nothing"
    lib.remove(pending)
    assert desk.docs == {}
    _, _, status = Handlers(desk, desk.settings).library_updates("extractive")
    assert "0 articles" in status
    with pytest.raises(gr.Error, match="no longer in the library"):
        lib.confirm(["nope"], False, "", "", None, None)
    with pytest.raises(gr.Error, match="Tick the articles"):
        lib.confirm([], False, "", "", None, None)
    with pytest.raises(gr.Error, match="narrow it first"):
        lib.confirm([], True, "", "", None, None)
