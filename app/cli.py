"""The `newsdesk` command line: a thin adapter over app.services.Newsdesk."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from app import cli_library
from app.answer.render import check_line, closing_text  # the answer worded as on every door
from app.cli_io import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, JsonOpt, err, out
from app.cli_io import EXIT_USAGE as EXIT_USAGE  # re-exported: tests and scripts read cli.EXIT_*
from app.cli_io import date_text as _date
from app.cli_io import print_json as _print_json
from app.errors import NewsdeskError
from app.logs import configure_logging
from app.models import (
    Answer,
    AnswerDone,
    AnswerEvent,
    AnswerSentenceVerified,
    BriefSelection,
    ChatTurn,
    IngestReport,
    SearchFilters,
)
from app.process import tune_collector
from app.settings import Settings

if TYPE_CHECKING:
    from app.services import Newsdesk

log = logging.getLogger(__name__)

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Newsdesk: grounded, cited answers and briefings from news articles.",
)


# ---- issue 17: CLI conventions (choices in --help, exit codes) ----
class Backend(StrEnum):
    """Answer engines (the names of app.answer.engines.REGISTRY, listed here so --help needs no engine import)."""

    extractive = "extractive"
    openai = "openai"
    llamacpp = "llamacpp"


class Length(StrEnum):
    short = "short"
    standard = "standard"
    long = "long"


class Format(StrEnum):
    md = "md"
    json = "json"


BackendOpt = Annotated[Backend | None, typer.Option("--backend", "-b", help="Answer engine.")]
PROGRESS_LABEL_CHARS = 60
"""Longest label beside a progress bar, so bar and label stay on one terminal line."""


class State:
    settings: Settings


_state = State()


def _version(value: bool) -> None:
    if value:
        from app import __version__

        out.print(f"newsdesk {__version__}", highlight=False)
        raise typer.Exit(EXIT_OK)


@cli.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level.")] = False,
    index_dir: Annotated[
        Path | None, typer.Option("--index", help="Index folder (default: ./index or NEWSDESK_INDEX_DIR).")
    ] = None,
) -> None:
    overrides: dict[str, Any] = {"index_dir": index_dir} if index_dir else {}
    settings = Settings(**overrides)
    if verbose:
        settings.log_level = "INFO"
    configure_logging(settings.log_level, settings.log_json)
    _state.settings = settings


def _desk(*, reads_index: bool = True) -> Newsdesk:
    """The service on the command's settings; a command that reads the index refuses a folder that holds none (a typo
    in --index must not answer from an empty index it just created)."""
    from app.services import Newsdesk
    from app.store.location import require_index

    require_index(_state.settings, reads=reads_index)
    return Newsdesk(_state.settings)


cli_library.register(cli, lambda: _desk())  # articles, sources, remove (issue 19); late-bound for tests


@contextmanager
def _progress(label: str, enabled: bool = True) -> Iterator[Any]:
    """A rich progress bar on stderr; yields a progress(done, total, label) callback."""
    if not enabled or (not err.is_terminal and not sys.stderr.isatty()):
        yield lambda done, total, what="": None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, what: str = "") -> None:
            bar.update(task, completed=done, total=total, description=f"{label} {what}"[:PROGRESS_LABEL_CHARS])

        yield update


@cli.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    as_json: JsonOpt = False,
) -> None:
    """Add articles to the index (re-ingesting an unchanged article is a no-op)."""
    desk = _desk(reads_index=False)
    with _progress("Ingesting", enabled=not as_json) as progress:
        report = desk.ingest(inputs, progress=progress)
    if as_json:
        _print_json(report)
    else:
        _print_report(report)
    if report.errors:
        kept = report.added or report.replaced or report.unchanged or report.duplicates
        raise typer.Exit(EXIT_PARTIAL if kept else EXIT_ERROR)


def _print_report(report: IngestReport) -> None:
    """One line per input, whatever its fate, then the counts."""
    for a in report.added:
        out.print(f"[green]added[/]     {a.id}  {escape(a.title)}  ({a.chunks} chunks)")
    for a in report.replaced:
        out.print(f"[yellow]replaced[/]  {a.id}  {escape(a.title)}  ({a.chunks} chunks)")
    for a in report.unchanged:
        out.print(f"[dim]unchanged[/] {a.id}  {escape(a.title)}")
    for d in report.duplicates:
        out.print(f"[cyan]duplicate[/] of {d.duplicate_of}  {escape(d.url or d.input)}  ({escape(d.title)})")
    for n in report.notes:
        out.print(f"[yellow]note[/]      {escape(n.input)}: {escape(n.note)}")
    for n in report.skipped:
        out.print(f"[dim]skipped[/]   {escape(n.input)}: {escape(n.note)}")
    for e in report.errors:
        err.print(f"[red]error[/] {escape(e.input)}: {escape(e.error)}")
    out.print(f"{report.summary()}; {report.chunks} chunks in {report.seconds:.1f}s")


def _filters(
    article: list[str] | None, source: str | None, since: datetime | None, until: datetime | None
) -> SearchFilters | None:
    if not (article or source or since or until):
        return None
    return SearchFilters(article_ids=article or None, source=source, since=since, until=until)


@cli.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", help="Passages to show.")] = 5,
    article: Annotated[list[str] | None, typer.Option("--article", help="Only these article ids.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Published on/after (ISO date).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Published on/before (ISO date).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the best passages for a query, with scores and exact character spans."""
    passages = _desk().search(query, k=k, filters=_filters(article, source, since, until))
    if as_json:
        _print_json(passages)
        return
    for i, p in enumerate(passages, 1):
        dense = f"{p.dense_score:.3f}" if p.dense_score is not None else "-"
        lexical = f"{p.lexical_score:.2f}" if p.lexical_score is not None else "-"
        out.print(
            f"[bold]{i}.[/] {escape(p.title)} [dim]({p.chunk_id} chars {p.start}-{p.end}; rrf {p.score:.4f}, dense {dense}, bm25 {lexical})[/]"
        )
        out.print(f"   {p.text}\n", markup=False, highlight=False)


def _print_answer_tail(answer: Answer) -> None:
    flagged = [s for s in answer.sentences if not s.supported]
    for s in flagged:
        err.print(f"[yellow]unverified:[/] {escape(s.text)} [dim]({escape(s.reason)})[/]")
    if answer.check is not None:  # the answer-level verdict, apart from per-sentence support
        color = "green" if answer.check.answers_question else "yellow"
        out.print(f"[{color}]{escape(check_line(answer.check))}[/]")
    if answer.citations:
        out.print("\n[bold]Sources[/]")
    for c in answer.citations:
        out.print(
            f"\\[{c.n}] {escape(c.title)} — {escape(c.source)} {_date(c.published)} "
            f"[dim]({c.article_id} chars {c.start}-{c.end})[/]"
        )
        out.print(f"    “{c.quote}”", markup=False, highlight=False)


STDIN_CHUNK = 1 << 16  # a question piped in past the limit is counted in pieces of this size, never held whole


def _stdin_question() -> str:
    """`ask -`: the question from standard input; past the limit, the error gives the whole input's length."""
    from app.limits import check_question

    head = sys.stdin.read(_state.settings.max_question_chars + 1)
    length = len(head)
    if length > _state.settings.max_question_chars:
        while chunk := sys.stdin.read(STDIN_CHUNK):
            length += len(chunk)
    return check_question(head, _state.settings, length=length)


def _question(text: str) -> str:
    """The one question limit every door applies (app.limits): too long or blank is an error, not a run."""
    from app.limits import check_question

    return check_question(text, _state.settings)


@cli.command()
def ask(
    question: str,
    backend: BackendOpt = None,
    k: Annotated[int | None, typer.Option("-k", help="Passages given to the answer engine.")] = None,
    strict: Annotated[bool, typer.Option(help="Drop unverified sentences.")] = False,
    source: Annotated[str | None, typer.Option(help="Only articles of this source (see `newsdesk sources`).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed articles, with verified citations ('-' reads the question from stdin)."""
    question = _stdin_question() if question == "-" else _question(question)
    desk = _desk()
    _embed_ahead(desk, question)
    filters = SearchFilters(source=source) if source else None
    events = desk.stream_ask(
        question, backend=_name(backend), k=k, strict=strict or None, filters=filters, sentences=not as_json
    )
    final = _show_answer(events, as_json=as_json)
    if as_json:
        _print_json(final)


def _embed_ahead(desk: Newsdesk, question: str) -> None:
    """Issue 18: a local embedding model's ONNX session reads and prepares its weights in C++, largely without the
    GIL, so the question's vector is computed in a thread while this one imports the store and spaCy (about 0.1 s of
    a 1.7 s cold ask on 2 cores). The vector is kept by the embeddings' query memo; if computing it fails here, the
    ask computes it again and reports the error."""
    if desk.settings.embedding_provider != "local":
        return
    import numpy  # noqa: F401  # numpy's first import is not thread-safe: done here, before the thread starts

    embeddings = desk.embeddings  # built on this thread: one model, however the threads interleave

    def embed() -> None:
        try:
            embeddings.embed_query(question)
        except Exception as exc:  # the ask meets the same error and reports it
            log.debug("question vector not computed ahead: %s", exc)

    threading.Thread(target=embed, name="newsdesk-embed-ahead", daemon=True).start()


def _name(backend: Backend | None) -> str | None:
    return backend.value if backend else None


def _show_answer(events: Iterator[AnswerEvent], *, as_json: bool) -> Answer:
    """Print each answer sentence once verified and once the answer answers the question (a terminal cannot unprint:
    a declined answer prints as its decline alone), then the verdict and the sources."""
    final, streamed = None, ""
    for event in events:
        if isinstance(event, AnswerSentenceVerified) and not as_json:
            streamed += event.text
            out.print(event.text, end="", markup=False, highlight=False)
            if event.sentence is not None and not event.sentence.supported:
                out.print(" [yellow](unverified)[/]", end="")  # on stdout too: stderr may be hidden
        elif isinstance(event, AnswerDone):
            final = event.answer
    if final is None:
        raise NewsdeskError("the answer engine stopped without an answer")
    if as_json:
        return final
    out.print(closing_text(streamed, final), markup=False, highlight=False)
    _print_answer_tail(final)
    return final


@cli.command()
def chat(backend: BackendOpt = None, as_json: JsonOpt = False) -> None:
    """Multi-turn questions in the terminal, answers streamed (follow-ups are rewritten with the chat history).

    With --json, one Answer JSON object per line for each question read from stdin."""
    desk = _desk()
    history: list[ChatTurn] = []
    if not as_json:
        out.print("Ask about the indexed articles; an empty line quits.")
    while True:
        try:
            question = input("" if as_json else "> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            question = _question(question)
        except NewsdeskError as e:
            err.print(f"[red]error[/] {escape(str(e))}")
            continue
        events = desk.stream_ask(question, history=history, backend=_name(backend), sentences=not as_json)
        answer = _show_answer(events, as_json=as_json)
        if as_json:
            sys.stdout.write(answer.model_dump_json() + "\n")
            sys.stdout.flush()
        elif answer.standalone_question and answer.standalone_question != question:
            out.print(f"[dim](understood as: {escape(answer.standalone_question)})[/]")
        history += [ChatTurn(role="user", content=question), ChatTurn(role="assistant", content=answer.answer)]


@cli.command()
def brief(
    article: Annotated[list[str] | None, typer.Option("--article", help="Article id (repeatable).")] = None,
    source: Annotated[str | None, typer.Option(help="Only articles of this source (see `newsdesk sources`).")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Topic to brief.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Published on/after.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Published on/before.")] = None,
    added_since: Annotated[datetime | None, typer.Option(help="Added to the index on/after (e.g. by feeds).")] = None,
    since_last: Annotated[
        bool, typer.Option("--since-last", help="Only what was added since the previous briefing.")
    ] = False,
    length: Annotated[Length, typer.Option(help="Briefing length.")] = Length.standard,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.md,
    backend: BackendOpt = None,
    strict: Annotated[bool, typer.Option(help="Drop unverified points.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Write a cited briefing of one article, a topic, or a period."""
    from app.brief.pipeline import render_markdown

    fmt = Format.json if as_json else fmt
    desk = _desk()
    if source:  # a source is the articles it has (intersected with --article when both are given)
        article = desk.source_ids(source, article)
    selection = BriefSelection(
        article_ids=article or None,
        query=query,
        since=since,
        until=until,
        added_since=added_since,
        since_last_briefing=since_last,
    )
    with _progress("Briefing", enabled=fmt is Format.md and output is None) as progress:
        briefing = desk.brief(
            selection, backend=_name(backend), length=length.value, strict=strict or None, progress=progress
        )
    text = briefing.model_dump_json(indent=2) if fmt is Format.json else render_markdown(briefing)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {escape(str(output))}")
    else:
        sys.stdout.write(text + "\n")


@cli.command(name="eval")
def eval_(
    dataset: Annotated[list[Path], typer.Option("--dataset", help="JSONL dataset (repeatable).")],
    corpus: Annotated[
        list[Path] | None, typer.Option("--corpus", help="Articles to index into a fresh temporary index.")
    ] = None,
    backend: Annotated[
        list[Backend] | None, typer.Option("--backend", "-b", help="Backend(s) to score side by side.")
    ] = None,
    k: Annotated[int | None, typer.Option("-k")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Report folder.")] = Path("evals/reports/latest"),
    as_json: JsonOpt = False,
) -> None:
    """Score citation accuracy and answer correctness on datasets; writes report.json/.md, results.jsonl, charts."""
    from app.evaluation.command import eval_command

    with _progress("Evaluating", enabled=not as_json) as progress:
        code = eval_command(
            settings=_state.settings,
            datasets=dataset,
            corpus=corpus or None,
            backends=[b.value for b in backend] if backend else [_state.settings.backend],
            k=k,
            out=out_dir,
            as_json=as_json,
            progress=progress,
        )
    raise typer.Exit(code)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
    sample: Annotated[bool, typer.Option(help="Index the bundled sample article when the index is empty.")] = True,
    api_only: Annotated[bool, typer.Option("--api-only", help="Serve /api and /v1 without the web app.")] = False,
) -> None:
    """Serve the web app and the HTTP API (/api, OpenAI-compatible /v1) in one process."""
    from app.serve.server import serve as run_server

    settings = _state.settings
    if host:
        settings.host = host
    if port:
        settings.port = port
    run_server(settings, ensure_sample=sample, web=not api_only)


@cli.command()
def reindex(as_json: JsonOpt = False) -> None:
    """Re-chunk and re-embed every article with the current settings (after changing the embedding model)."""
    desk = _desk()
    with _progress("Reindexing", enabled=not as_json) as progress:
        n = desk.reindex(progress=progress)
    if as_json:
        _print_json({"reindexed": n})
    else:
        out.print(f"reindexed {n} articles")


@cli.command(name="settings")
def settings_(
    env_example: Annotated[
        bool, typer.Option("--env-example", help="Print .env.example: every setting at its default.")
    ] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the README's settings table.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the effective settings (secrets masked), or generate .env.example / the README table from them."""
    from app.settings import env_example as env_text
    from app.settings import settings_table

    if env_example or markdown:
        sys.stdout.write(env_text() if env_example else settings_table())
        return
    values = json.loads(_state.settings.model_dump_json())  # SecretStr dumps as '**********'
    if as_json:
        _print_json(values)
        return
    for name, value in values.items():
        out.print(f"NEWSDESK_{name.upper()}={'' if value is None else value}", markup=False, highlight=False)


# ---- feeds (issue 16) -------------------------------------------------------------------------------------------

feeds_cli = typer.Typer(no_args_is_help=True, help="Follow RSS/Atom feeds: add, list, remove, refresh.")
cli.add_typer(feeds_cli, name="feeds")
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(value: str) -> int:
    """'30m', '2h', '90s', '1d' or a bare number of minutes → seconds."""
    m = _EVERY.match(value.lower())
    if not m:
        raise typer.BadParameter(f"{value!r}: use a number with s, m, h or d, e.g. 30m")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


@feeds_cli.command("add")
def feeds_add(
    url: str,
    every: Annotated[str, typer.Option("--every", help="Refresh interval: 90s, 30m, 2h, 1d.")] = "30m",
    as_json: JsonOpt = False,
) -> None:
    """Follow a feed (refreshed by `feeds refresh` and, when due, by `newsdesk serve`)."""
    from app.ingest.formats import LoadError

    try:
        sub = _desk(reads_index=False).feed_add(url, parse_every(every))
    except LoadError as e:
        err.print(f"[red]error[/] {escape(str(e))}")
        raise typer.Exit(EXIT_ERROR) from e
    if as_json:
        _print_json(sub)
    else:
        out.print(
            f"following {escape(sub.url)} (every {sub.every_seconds // 60} min); run `newsdesk feeds refresh` to fetch now"
        )


@feeds_cli.command("list")
def feeds_list(as_json: JsonOpt = False) -> None:
    """Followed feeds with their last refresh, new items and errors."""
    subs = _desk().feed_list()
    if as_json:
        _print_json(subs)
        return
    if not subs:
        out.print("no feeds followed (add one with `newsdesk feeds add URL`)")
        return
    table = Table("feed", "every", "last refresh", "status", "new", "error")
    for s in subs:
        table.add_row(
            escape(s.title or s.url) + ("" if not s.title else f"\n[dim]{escape(s.url)}[/]"),
            f"{s.every_seconds // 60} min",
            _date(s.last_refresh),
            s.last_status,
            str(s.last_added),
            escape(s.last_error or ""),
        )
    out.print(table)


@feeds_cli.command("remove")
def feeds_remove(url: str, as_json: JsonOpt = False) -> None:
    """Stop following a feed (its articles stay in the library)."""
    removed = _desk().feed_remove(url)
    if as_json:
        _print_json({"url": url, "removed": removed})
    elif removed:
        out.print(f"stopped following {escape(url)}")
    if not removed:
        err.print(f"[red]error[/] not a followed feed: {escape(url)}")
        raise typer.Exit(EXIT_ERROR)


@feeds_cli.command("refresh")
def feeds_refresh(
    url: Annotated[str | None, typer.Argument(help="One followed feed (default: all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch followed feeds now (conditional GET: an unchanged feed costs one request) and ingest new items."""
    from app.ingest.formats import LoadError

    try:
        results = _desk().feed_refresh(url)
    except LoadError as e:
        err.print(f"[red]error[/] {escape(str(e))}")
        raise typer.Exit(EXIT_ERROR) from e
    if as_json:
        _print_json(results)
    else:
        for r in results:
            head = {"ok": "[green]refreshed[/]", "not-modified": "[dim]unchanged[/]", "error": "[red]failed[/]"}
            out.print(f"{head[r.status]} {escape(r.url)}: {r.requests} request(s) in {r.seconds:.1f}s")
            if r.status == "error":
                err.print(f"[red]error[/] {escape(r.url)}: {escape(r.error or '')}")
            elif r.status == "ok":
                if r.already_seen:
                    out.print(f"[dim]{r.already_seen} item(s) already ingested by an earlier refresh[/]")
                _print_report(r.report)
        if not results:
            out.print("no feeds followed")
    if any(r.status == "error" for r in results):
        raise typer.Exit(EXIT_PARTIAL if any(r.status != "error" for r in results) else EXIT_ERROR)


def main() -> None:
    tune_collector()  # a command's process loads libraries once and exits (issue 18)
    try:
        cli()
    except NewsdeskError as e:
        err.print(f"[red]error[/] {escape(str(e))}")
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
