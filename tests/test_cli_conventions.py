"""CLI conventions: --version, choices in --help, --json on every command, exit codes (0 ok, 1 domain error, 2 usage,
3 partial ingest), reindex progress, a streamed chat, one command line for the server. Library commands run over a real
Newsdesk (embedded Chroma, MiniLM); answers over the shared fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from app import __version__, cli
from app.answer.engines import ENGINE_NAMES
from app.models import Answer, AnswerDelta, AnswerDone, AnswerSentenceVerified
from app.services import Newsdesk
from app.settings import Settings
from tests.conftest import SEED_FILE
from tests.fakes import FakeDesk

TEXT = "Ukraine must limit the size of its army to 600,000 troops under the plan. The plan has 28 points."
NO_JSON = {"serve"}  # a long-running server prints nothing to parse; `settings` has --json for its values
runner = CliRunner()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDesk:
    desk = FakeDesk(Settings(index_dir=tmp_path / "index"))
    desk.ingest_text(TEXT, title="Peace plan")
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    return desk


@pytest.fixture
def real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embeddings) -> Newsdesk:  # type: ignore[no-untyped-def]
    desk = Newsdesk(Settings(_env_file=None, index_dir=tmp_path / "real-index"), embeddings=embeddings)  # type: ignore[call-arg]
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    return desk


def test_version() -> None:
    result = runner.invoke(cli.cli, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"newsdesk {__version__}"


def test_choices_are_listed_in_help_and_checked() -> None:
    assert [b.value for b in cli.Backend] == list(ENGINE_NAMES)  # the CLI's list is the registry's
    assert "extractive|openai|llamacpp" in runner.invoke(cli.cli, ["ask", "--help"], env={"COLUMNS": "200"}).stdout
    brief_help = runner.invoke(cli.cli, ["brief", "--help"], env={"COLUMNS": "200"}).stdout
    assert "short|standard|long" in brief_help and "md|json" in brief_help
    bad = runner.invoke(cli.cli, ["ask", "q", "--backend", "gpt"])
    assert bad.exit_code == cli.EXIT_USAGE == 2


def test_every_command_has_json() -> None:
    commands = typer.main.get_command(cli.cli).commands  # type: ignore[attr-defined]
    assert {"ingest", "ask", "chat", "remove", "reindex", "brief", "serve", "settings"} <= set(commands)
    leaves = [(name, c) for name, c in commands.items() if not hasattr(c, "commands")]
    leaves += [
        (f"{g} {name}", c) for g, group in commands.items() for name, c in getattr(group, "commands", {}).items()
    ]
    assert "feeds refresh" in dict(leaves)
    for name, command in leaves:
        flags = {opt for p in command.params for opt in getattr(p, "opts", [])}
        assert ("--json" in flags) or name in NO_JSON, f"`newsdesk {name}` has no --json"
    assert "--api-only" in {o for p in commands["serve"].params for o in getattr(p, "opts", [])}


def test_ingest_exit_codes_and_json(real: Newsdesk, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.txt")
    partial = runner.invoke(cli.cli, ["ingest", str(SEED_FILE), missing, "--json"])
    assert partial.exit_code == cli.EXIT_PARTIAL == 3
    report = json.loads(partial.stdout)
    assert len(report["added"]) == 1 and report["errors"][0]["input"] == missing
    failed = runner.invoke(cli.cli, ["ingest", missing])
    assert failed.exit_code == cli.EXIT_ERROR == 1
    assert runner.invoke(cli.cli, ["ingest", str(SEED_FILE)]).exit_code == 0  # unchanged is fine


def test_reindex_reports_progress_and_json(real: Newsdesk) -> None:
    assert not real.ingest([SEED_FILE]).errors
    seen: list[tuple[int, int]] = []
    assert real.reindex(progress=lambda done, total, label="": seen.append((done, total))) == 1
    assert seen and seen[-1] == (1, 1)
    result = runner.invoke(cli.cli, ["reindex", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == {"reindexed": 1}


def test_remove_json_and_exit_code(fake: FakeDesk) -> None:
    [article_id] = list(fake.docs)
    gone = runner.invoke(cli.cli, ["remove", article_id, "--json"])
    assert gone.exit_code == 0 and json.loads(gone.stdout) == {"id": article_id, "removed": True}
    again = runner.invoke(cli.cli, ["remove", article_id, "--json"])
    assert again.exit_code == cli.EXIT_ERROR and json.loads(again.stdout)["removed"] is False


def test_chat_prints_verified_sentences_not_the_draft(fake: FakeDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal cannot unprint: the chat prints each sentence once verified (the stream's sentence events), never
    the raw draft; --json asks for no sentence events and prints the Answer only."""
    final = fake.ask("How big may the army be?")
    asked: list[object] = []

    def stream_ask(question: str, **options: object):  # type: ignore[no-untyped-def]
        asked.append(options.get("sentences"))
        yield AnswerDelta(text="Drafting the answer... ")
        if options.get("sentences"):
            yield AnswerSentenceVerified(text=final.answer)
        yield AnswerDone(answer=final)

    monkeypatch.setattr(fake, "stream_ask", stream_ask)
    result = runner.invoke(cli.cli, ["chat"], input="How big may the army be?\n\n")
    assert result.exit_code == 0
    assert "Drafting the answer..." not in result.stdout and result.stdout.count(final.answer) == 1
    lines = runner.invoke(cli.cli, ["chat", "--json"], input="How big?\nAnd the points?\n").stdout.splitlines()
    assert [Answer.model_validate_json(line).answer for line in lines] == [final.answer, final.answer]
    assert asked == [True, False, False]


def test_ask_text_numbers_citations_as_its_sources(fake: FakeDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """D8: the draft streams passage numbers ([1] twice: two quotes of one passage); verification numbers them [1]
    and [2] as the Sources list does. The text output shows only the verified sentences, numbered as the Sources."""
    from app.models import AnswerSentence, Citation

    cites = [
        Citation(n=n, article_id="a1", title="Peace plan", chunk_id="a1:0", passage=1, quote=q, start=s, end=s + len(q))
        for n, q, s in [(1, "600,000 troops", 50), (2, "28 points", 85)]
    ]
    final = Answer(
        question="What does the plan say?",
        answer="The army is capped at 600,000 troops [1]. The plan has 28 points [2].",
        sentences=[AnswerSentence(text="The army is capped at 600,000 troops.", citations=[1], supported=True),
                   AnswerSentence(text="The plan has 28 points.", citations=[2], supported=True)],
        citations=cites, backend="fake", model="fake",
    )  # fmt: skip

    def stream_ask(question: str, **options: object):  # type: ignore[no-untyped-def]
        yield AnswerDelta(text="The army is capped at 600,000 troops [1]. The plan has 28 points [1].")
        yield AnswerSentenceVerified(text="The army is capped at 600,000 troops [1].", citations=cites[:1],
                                     sentence=final.sentences[0])  # fmt: skip
        yield AnswerSentenceVerified(text=" The plan has 28 points [2].", citations=cites[1:],
                                     sentence=final.sentences[1])  # fmt: skip
        yield AnswerDone(answer=final)

    monkeypatch.setattr(fake, "stream_ask", stream_ask)
    r = runner.invoke(cli.cli, ["ask", "What does the plan say?"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    answer_part, sources = r.stdout.split("Sources")
    assert answer_part.count("The plan has 28 points [2].") == 1 and "28 points [1]" not in answer_part
    assert "withdrawn" not in answer_part and "unverified" not in answer_part
    assert "[1] Peace plan" in sources and "[2] Peace plan" in sources and "“28 points”" in sources


def test_a_domain_error_exits_1(
    fake: FakeDesk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.store.chroma import StoreUnavailable

    fake.fail_with = StoreUnavailable("the Chroma server at http://127.0.0.1:9 is unreachable")
    monkeypatch.setattr("sys.argv", ["newsdesk", "articles", "--json"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_ERROR
    assert "unreachable" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "who?"],
        ["search", "army"],
        ["articles"],
        ["sources"],
        ["brief", "--query", "army"],
        ["reindex"],
        ["feeds", "refresh"],
        ["feeds", "remove", "http://a/f"],
    ],
)
def test_a_mistyped_index_is_an_error_not_an_empty_index(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that reads the index, pointed at a folder with no index (a typo in --index), says so and exits 1;
    it does not create an empty index there and answer "the articles don't say" from it."""
    typo = tmp_path / "indx"
    monkeypatch.setattr("sys.argv", ["newsdesk", "--index", str(typo), *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_ERROR
    error = " ".join(capsys.readouterr().err.split())
    assert f"no index at {typo}" in error and "does not exist" in error and "newsdesk ingest" in error
    assert not typo.exists()
    typo.mkdir()  # an existing folder that is not an index (say `--index docs`) is refused too, and left as it was
    with pytest.raises(SystemExit):
        cli.main()
    assert "holds no index" in " ".join(capsys.readouterr().err.split()) and not any(typo.iterdir())


@pytest.mark.parametrize("args", [["ingest", "x.md"], ["articles"], ["feeds", "list"], ["feeds", "add", "http://a/f"]])
def test_an_index_path_that_is_a_file_is_one_clear_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Trial 15: a file given as --index crashed ingest, feeds and serve with a traceback."""
    afile = tmp_path / "afile"
    afile.write_text("not an index", encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["newsdesk", "--index", str(afile), *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_ERROR
    assert f"{afile} is a file, not an index folder" in " ".join(capsys.readouterr().err.split())
    assert afile.read_text(encoding="utf-8") == "not an index"
    # a folder under the file (trial 16 D13: a NotADirectoryError traceback) names the file in the way
    monkeypatch.setattr("sys.argv", ["newsdesk", "--index", str(afile / "sub"), *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_ERROR
    assert f"{afile} is a file, so no index folder can be at {afile / 'sub'}" in " ".join(
        capsys.readouterr().err.split()
    )
    assert afile.read_text(encoding="utf-8") == "not an index"


def test_feeds_reads_need_an_index_and_feeds_add_starts_one(tmp_path: Path) -> None:
    """`feeds list` on a mistyped folder says so and creates nothing (trial 15: it left a lock file there); after
    `feeds add` the folder holds the subscription, and reading commands accept it."""
    typo = tmp_path / "nope"
    listed = runner.invoke(cli.cli, ["--index", str(typo), "feeds", "list"])
    assert listed.exit_code == cli.EXIT_ERROR and "no index at" in str(listed.exception) and not typo.exists()
    added = runner.invoke(cli.cli, ["--index", str(typo), "feeds", "add", "https://example.org/feed.xml"])
    assert added.exit_code == 0, added.output
    again = runner.invoke(cli.cli, ["--index", str(typo), "feeds", "list", "--json"])
    assert again.exit_code == 0 and "example.org/feed.xml" in again.stdout


def test_commands_that_write_start_a_new_index(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    """ingest creates the index it is pointed at; after it, reading commands accept the folder."""
    index = tmp_path / "new-index"
    article = tmp_path / "plan.txt"
    article.write_text(TEXT, encoding="utf-8")
    env = {"NEWSDESK_EMBEDDING_MODEL": Settings().embedding_model}
    added = runner.invoke(cli.cli, ["--index", str(index), "ingest", str(article), "--json"], env=env)
    assert added.exit_code == 0, added.output
    assert [a["title"] for a in json.loads(added.stdout)["added"]] == ["plan"]
    listed = runner.invoke(cli.cli, ["--index", str(index), "articles", "--json"], env=env)
    assert listed.exit_code == 0 and [a["title"] for a in json.loads(listed.stdout)["items"]] == ["plan"]


def test_text_from_articles_and_models_prints_literally(fake: FakeDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Square brackets in an article's title, source or quote, in a model's unverified sentence or in the question are
    text, not Rich markup: no crash on '[/]', no words eaten ('[sic]'), no planted terminal link."""
    from app.models import AnswerCheck, AnswerSentence, Citation

    quote = 'Mayor Calder said "[the council] will decide [sic]" at [link=https://evil.example]the site[/link] [/]'
    cite = Citation(n=1, article_id="a1", title="Budget [/] roundup", source="Wire [bold]", chunk_id="a1:0",
                    passage=1, quote=quote, start=0, end=len(quote))  # fmt: skip
    final = Answer(
        question="What did the mayor say?",
        answer="The council will decide [1]. It costs [/] nothing.",
        sentences=[AnswerSentence(text="The council will decide.", citations=[1], supported=True),
                   AnswerSentence(text="It costs [/] nothing.", supported=False, reason="no citation [/]")],
        citations=[cite], backend="fake", model="fake",
        check=AnswerCheck(answers_question=True, answer_type="quote", found="[the council]"),
    )  # fmt: skip
    events = [AnswerSentenceVerified(text=f"{s.text[:-1]} [1]." if s.citations else f" {s.text}", sentence=s)
              for s in final.sentences]  # fmt: skip
    monkeypatch.setattr(fake, "stream_ask", lambda q, **o: iter([*events, AnswerDone(answer=final)]))
    r = runner.invoke(cli.cli, ["ask", "What did [/] the mayor say?"], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    assert f"“{quote}”" in r.stdout and "Budget [/] roundup — Wire [bold]" in r.stdout and "[1] Budget" in r.stdout
    assert "It costs [/] nothing. (no citation [/])" in r.stderr
    assert "It costs [/] nothing. (unverified)" in r.stdout  # flagged on stdout too, where a pipe keeps only stdout
    assert "\x1b]8;" not in r.stdout  # no OSC-8 hyperlink


def test_serve_refuses_a_file_as_its_index_before_starting(tmp_path: Path) -> None:
    from app.serve.server import serve
    from app.store.location import IndexMissing

    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(IndexMissing, match="is a file, not an index folder"):
        serve(Settings(_env_file=None, index_dir=afile, port=1))  # type: ignore[call-arg]
    with pytest.raises(IndexMissing, match="is a file, so no index folder can be at"):
        serve(Settings(_env_file=None, index_dir=afile / "sub", port=1))  # type: ignore[call-arg]
