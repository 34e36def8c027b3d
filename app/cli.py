"""The `newsdesk` command line: a thin adapter over app.services.Newsdesk."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from app.errors import NewsdeskError
from app.logs import configure_logging
from app.models import Answer, AnswerCheck, AnswerDelta, AnswerDone, BriefSelection, ChatTurn, SearchFilters
from app.settings import Settings

if TYPE_CHECKING:
    from app.services import Newsdesk

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Newsdesk: grounded, cited answers and briefings from news articles.",
)
out = Console(soft_wrap=True)
err = Console(stderr=True)

BackendOpt = Annotated[str | None, typer.Option("--backend", "-b", help="extractive | openai | llamacpp")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
PROGRESS_LABEL_CHARS = 60
"""Longest label beside a progress bar, so bar and label stay on one terminal line."""


class State:
    settings: Settings


_state = State()


@cli.callback()
def _root(
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


def _desk() -> Newsdesk:
    from app.services import Newsdesk

    return Newsdesk(_state.settings)


def _print_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> None:
    if isinstance(obj, BaseModel):
        text = obj.model_dump_json(indent=2)
    elif isinstance(obj, Sequence):
        text = json.dumps([o.model_dump(mode="json") for o in obj], indent=2, ensure_ascii=False)
    else:
        text = json.dumps(obj, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(text + "\n")


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


def _date(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@cli.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    as_json: JsonOpt = False,
) -> None:
    """Add articles to the index (re-ingesting an unchanged article is a no-op)."""
    desk = _desk()
    with _progress("Ingesting", enabled=not as_json) as progress:
        report = desk.ingest(inputs, progress=progress)
    if as_json:
        _print_json(report)
    else:
        for a in report.added:
            out.print(f"[green]added[/]     {a.id}  {a.title}  ({a.chunks} chunks)")
        for a in report.replaced:
            out.print(f"[yellow]replaced[/]  {a.id}  {a.title}  ({a.chunks} chunks)")
        for a in report.unchanged:
            out.print(f"[dim]unchanged[/] {a.id}  {a.title}")
        for e in report.errors:
            err.print(f"[red]error[/] {e.input}: {e.error}")
        out.print(
            f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged, "
            f"{len(report.errors)} failed; {report.chunks} chunks in {report.seconds:.1f}s"
        )
    if report.errors and not (report.added or report.replaced or report.unchanged):
        raise typer.Exit(1)


@cli.command()
def articles(as_json: JsonOpt = False) -> None:
    """List indexed articles."""
    items = _desk().articles()
    if as_json:
        _print_json(items)
        return
    table = Table("id", "title", "source", "published", "chunks")
    for a in items:
        table.add_row(a.id, a.title, a.source, _date(a.published), str(a.chunks))
    out.print(table)


@cli.command()
def remove(article_id: str) -> None:
    """Delete an article with all its chunks."""
    if not _desk().remove(article_id):
        err.print(f"[red]error[/] no article with id {article_id}")
        raise typer.Exit(1)
    out.print(f"removed {article_id}")


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
            f"[bold]{i}.[/] {p.title} [dim]({p.chunk_id} chars {p.start}-{p.end}; rrf {p.score:.4f}, dense {dense}, bm25 {lexical})[/]"
        )
        out.print(f"   {p.text}\n")


def _words(text: str) -> list[str]:
    """The words of an answer without citation markers (markers are renumbered by verification)."""
    return re.findall(r"\w+", re.sub(r"\[[\d,\s\-]+\]", " ", text))


def check_line(check: AnswerCheck) -> str:
    """'answers the question: yes (person: Jane Doe)' or 'answers the question: no — it is about 2019, not 2021'."""
    if check.answers_question:
        what = f"{check.answer_type}: {check.found}" if check.found else check.answer_type
        return f"answers the question: yes ({what})"
    return f"answers the question: no — {check.reason or 'no supported sentence answers what was asked'}"


def _print_answer_tail(answer: Answer) -> None:
    flagged = [s for s in answer.sentences if not s.supported]
    for s in flagged:
        err.print(f"[yellow]unverified:[/] {s.text} [dim]({s.reason})[/]")
    if answer.check is not None:  # the answer-level verdict, apart from per-sentence support
        color = "green" if answer.check.answers_question else "yellow"
        out.print(f"[{color}]{escape(check_line(answer.check))}[/]")
    if answer.citations:
        out.print("\n[bold]Sources[/]")
    for c in answer.citations:
        out.print(
            f"[{c.n}] {c.title} — {c.source} {_date(c.published)} [dim]({c.article_id} chars {c.start}-{c.end})[/]"
        )
        out.print(f"    “{c.quote}”")


def _question(text: str) -> str:
    """The one question limit every door applies (app.serve.security): too long or blank is an error, not a run."""
    from app.serve.security import check_question

    return check_question(text, _state.settings)


@cli.command()
def ask(
    question: str,
    backend: BackendOpt = None,
    k: Annotated[int | None, typer.Option("-k", help="Passages given to the answer engine.")] = None,
    strict: Annotated[bool, typer.Option(help="Drop unverified sentences.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed articles, with verified citations ('-' reads the question from stdin)."""
    question = _question(sys.stdin.read(_state.settings.max_question_chars + 1) if question == "-" else question)
    desk = _desk()
    events = desk.stream_ask(question, backend=backend, k=k, strict=strict or None)
    final, streamed = None, ""
    for event in events:
        if isinstance(event, AnswerDelta) and not as_json:
            streamed += event.text
            out.print(event.text, end="")
        elif isinstance(event, AnswerDone):
            final = event.answer
    assert final is not None
    if as_json:
        _print_json(final)
        return
    out.print()
    if _words(final.answer) != _words(streamed):
        # Verification changed the text: strict mode dropped sentences, or the draft does not answer the question.
        if final.abstained and streamed.strip():
            out.print("\n[yellow]The draft above is withdrawn: it does not answer the question.[/]")
        out.print(f"\n[bold]{'Answer' if final.abstained else 'Verified answer'}:[/] {final.answer}")
    _print_answer_tail(final)


@cli.command()
def chat(backend: BackendOpt = None) -> None:
    """Multi-turn questions in the terminal (follow-ups are rewritten with the chat history)."""
    desk = _desk()
    history: list[ChatTurn] = []
    out.print("Ask about the indexed articles; an empty line quits.")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            question = _question(question)
        except NewsdeskError as e:
            err.print(f"[red]error[/] {e}")
            continue
        answer = desk.ask(question, history=history, backend=backend)
        if answer.standalone_question and answer.standalone_question != question:
            out.print(f"[dim](understood as: {answer.standalone_question})[/]")
        out.print(answer.answer)
        _print_answer_tail(answer)
        history += [ChatTurn(role="user", content=question), ChatTurn(role="assistant", content=answer.answer)]


@cli.command()
def brief(
    article: Annotated[list[str] | None, typer.Option("--article", help="Article id (repeatable).")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Topic to brief.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Published on/after.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Published on/before.")] = None,
    length: Annotated[str, typer.Option(help="short | standard | long")] = "standard",
    fmt: Annotated[str, typer.Option("--format", help="md | json")] = "md",
    backend: BackendOpt = None,
    strict: Annotated[bool, typer.Option(help="Drop unverified points.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")] = None,
) -> None:
    """Write a cited briefing of one article, a topic, or a period."""
    from app.brief.pipeline import render_markdown

    if length not in ("short", "standard", "long") or fmt not in ("md", "json"):
        raise typer.BadParameter("--length is short|standard|long and --format is md|json")
    selection = BriefSelection(article_ids=article or None, query=query, since=since, until=until)
    with _progress("Briefing", enabled=fmt == "md" and output is None) as progress:
        briefing = _desk().brief(selection, backend=backend, length=length, strict=strict or None, progress=progress)
    text = briefing.model_dump_json(indent=2) if fmt == "json" else render_markdown(briefing)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text + "\n")


@cli.command(name="eval")
def eval_(
    dataset: Annotated[list[Path], typer.Option("--dataset", help="JSONL dataset (repeatable).")],
    corpus: Annotated[
        list[Path] | None, typer.Option("--corpus", help="Articles to index into a fresh temporary index.")
    ] = None,
    backend: Annotated[
        list[str] | None, typer.Option("--backend", "-b", help="Backend(s) to score side by side.")
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
            backends=backend or [_state.settings.backend],
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
) -> None:
    """Serve the web app and the HTTP API."""
    from app.serve.server import serve as run_server

    settings = _state.settings
    if host:
        settings.host = host
    if port:
        settings.port = port
    run_server(settings, ensure_sample=sample)


@cli.command()
def reindex() -> None:
    """Re-chunk and re-embed every article with the current settings (after changing the embedding model)."""
    desk = _desk()
    n = desk.reindex()
    out.print(f"reindexed {n} articles")


def main() -> None:
    try:
        cli()
    except NewsdeskError as e:
        err.print(f"[red]error[/] {e}")
        sys.exit(2)


if __name__ == "__main__":
    main()
