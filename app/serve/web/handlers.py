"""The web app's callbacks, bound to one Newsdesk: each calls the service and formats its result (app.serve.web.format).

Failures become readable gr.Error messages, never a stack trace in the page.
"""

# No `from __future__ import annotations`: gradio reads the callbacks' annotations at runtime (gr.api, gr.Progress).
import functools
import html
import inspect
import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from app import limits
from app.errors import NewsdeskError
from app.ingest.formats import LoadError
from app.models import Briefing, BriefSelection, ChatTurn, IngestReport
from app.serve import evaluate as evaluation
from app.serve import security
from app.serve.web import format as fmt
from app.serve.web import format_eval as fmt_eval
from app.serve.web import format_feeds as fmt_feeds
from app.serve.web import library
from app.services import Newsdesk, Upload
from app.settings import Settings

log = logging.getLogger(__name__)

ERROR_DETAIL_CHARS = 200
"""How much of an unexpected error's text the page shows; the server log has all of it."""
SLUG_CHARS = 60
"""Longest headline part of a briefing's download file name."""
REPORT_FILES = ("report.md", "report.json", "results.jsonl", "metrics.png", "latency.png")


def _error(message: str) -> gr.Error:
    """A gr.Error whose message is shown as text: gradio renders toast messages as HTML, so it is escaped here."""
    return gr.Error(html.escape(message, quote=False))


def _warning(message: str) -> None:
    gr.Warning(html.escape(message, quote=False))


def _info(message: str) -> None:
    gr.Info(html.escape(message, quote=False))


def uploaded_path(path: str) -> str:
    """`path` when it is a file gradio saved in its upload directory; a client naming any other server file is refused."""
    if not security.upload_path_ok(path, gradio_upload_dir()):
        raise _error("That file was not uploaded through this page; upload it again.")
    return path


def gradio_upload_dir() -> str:
    from gradio.utils import get_upload_folder

    return get_upload_folder()


def _readable(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn failures into readable gr.Error messages (never a stack trace in the page); log unexpected ones."""

    def convert(e: Exception) -> gr.Error:
        if isinstance(e, gr.Error):
            return e
        if isinstance(e, NewsdeskError):
            return _error(str(e))  # escaped: a fetched page's error text may carry markup
        log.exception("web: %s failed", action)
        return _error(
            f"{action} failed ({type(e).__name__}: {str(e)[:ERROR_DETAIL_CHARS]}). The server log has the details."
        )

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
                try:
                    yield from fn(*args, **kwargs)
                except Exception as e:
                    raise convert(e) from None

            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                raise convert(e) from None

        return wrapper

    return deco


def _progress_cb(progress: gr.Progress, default: str) -> Callable[[int, int, str], None]:
    def update(done: int, total: int, label: str = "") -> None:
        progress((done, total or None), desc=label or default)

    return update


def read_uploaded(path: str, limit: int) -> Upload:
    """An uploaded file gradio saved, as (its name, at most limit + 1 bytes): the service refuses what is over."""
    with open(path, "rb") as f:
        return Path(path).name, f.read(limit + 1)


class Handlers:
    """The callbacks of one app, bound to one Newsdesk."""

    def __init__(self, desk: Newsdesk, settings: Settings) -> None:
        self.desk = desk
        self.settings = settings
        self._download_dir: Path | None = None

    # ---- helpers -----------------------------------------------------------
    def _label(self, backend: str | None) -> str:
        engine = self.desk.engine(backend or None)
        return str(getattr(engine, "label", backend or self.settings.backend))

    def _write_download(self, name: str, text: str) -> str:
        if self._download_dir is None:
            self._download_dir = Path(tempfile.mkdtemp(prefix="newsdesk-web-"))
        path = self._download_dir / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    @_readable("Loading the library")
    def library_updates(self, backend: str | None) -> tuple[Any, ...]:
        """The library list's refresh trigger, briefing picker, status line (refreshed after any library change);
        counted and paged by the catalogue, never the whole list (issue 19)."""
        counts = library.counts(self.desk)
        try:
            status = library.status_line(self._label(backend), counts)
        except NewsdeskError as e:
            status = library.status_line(f"{backend} (unavailable: {e})", counts)
        return library.tick(), library.picker_first_page(self.desk), status

    # ---- ask (the chat itself is app.serve.web.chat) -----------------------------
    @_readable("Switching the answer engine")
    def change_backend(self, backend: str) -> tuple[Any, ...]:
        try:
            label = self._label(backend)
        except NewsdeskError as e:
            _warning(f"{backend} is not available: {e}")
            return library.status_line(self._label(self.settings.backend), library.counts(self.desk)), gr.Dropdown(
                value=self.settings.backend
            )
        return library.status_line(label, library.counts(self.desk)), gr.skip()

    @_readable("Answering")
    def api_ask(self, question: str, backend: str = "", history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer a question from the indexed articles; returns the Answer (sentences, verified citations) as JSON."""
        question = limits.check_question(question, self.settings)  # empty or too long: a readable error
        turns = [ChatTurn.model_validate(t) for t in history or []]
        limits.check_message_sizes([t.content for t in turns], self.settings)
        return self.desk.ask(question, history=turns, backend=backend or None).model_dump(mode="json")

    # ---- briefing ----------------------------------------------------------
    @_readable("Writing the briefing")
    def brief(
        self,
        article_ids: list[str] | None,
        topic: str | None,
        since: str | float | None,
        until: str | float | None,
        length: str,
        backend: str | None,
        since_last: bool = False,
        progress: gr.Progress = gr.Progress(),
    ) -> dict[str, Any]:
        from app.brief.pipeline import render_markdown

        try:
            selection = BriefSelection(
                article_ids=list(article_ids) if article_ids else None,
                query=(topic or "").strip() or None,
                since=fmt.parse_date(since, field="From"),
                until=fmt.parse_date(until, field="Until", end_of_day=True),
                since_last_briefing=bool(since_last),
            )
        except ValueError as e:
            raise _error(str(e)) from None
        briefing = self.desk.brief(
            selection, backend=backend or None, length=length or "standard", progress=_progress_cb(progress, "Briefing")
        )
        return {"briefing": briefing.model_dump(mode="json"), "markdown": render_markdown(briefing)}

    @_readable("Showing the briefing")
    def show_briefing(self, data: dict[str, Any]) -> tuple[Any, ...]:
        briefing = Briefing.model_validate(data["briefing"])
        slug = re.sub(r"[^a-z0-9]+", "-", briefing.headline.lower()).strip("-")[:SLUG_CHARS] or "briefing"
        path = self._write_download(f"briefing-{slug}.md", data["markdown"])
        return fmt.briefing_html(briefing, self.desk.cited_articles(briefing.citations)), gr.DownloadButton(
            value=path, visible=True
        )

    # ---- library -----------------------------------------------------------
    @_readable("Adding to the library")
    def ingest(
        self,
        files: list[str] | None,
        url: str | None,
        title: str | None,
        text: str | None,
        progress: gr.Progress = gr.Progress(),
    ) -> dict[str, Any]:
        url = (url or "").strip()
        if url and not fmt.safe_url(url):  # never let the address box name a server-side path
            raise _error(f"'{url}' is not a web address: it must start with http:// or https://")
        text = (text or "").strip()
        if not files and not url and not text:
            raise _error("Nothing to add: upload a file, enter a URL or paste an article.")
        reports = []
        if files:
            uploads = [read_uploaded(uploaded_path(path), self.settings.max_file_bytes) for path in files]
            reports.append(self.desk.ingest_uploads(uploads, progress=_progress_cb(progress, "Indexing")))
        if url:
            reports.append(self.desk.ingest_url(url, progress=_progress_cb(progress, "Indexing")))
        if text:
            progress(None, desc="Indexing pasted text")
            reports.append(self.desk.ingest_text(text, title=(title or "").strip() or None))
        return fmt.merge_reports(reports).model_dump(mode="json")

    @_readable("Refreshing the library")
    def after_ingest(self, data: dict[str, Any], backend: str) -> tuple[Any, ...]:
        report = IngestReport.model_validate(data)
        for message in fmt.ingest_warnings(report):
            _warning(message)
        if report.added or report.replaced:
            _info(f"Added {len(report.added) + len(report.replaced)} article(s) to the library.")
        clear = "" if not report.errors else gr.skip()
        return (fmt.ingest_html(report), *self.library_updates(backend), None, clear, clear, clear)

    # ---- feeds (issue 16) ----------------------------------------------------
    @_readable("Loading the feeds")
    def feeds_updates(self) -> tuple[Any, ...]:
        """The feed list and the unfollow picker."""
        subs = self.desk.feed_list()
        return fmt_feeds.feeds_html(subs), gr.Dropdown(choices=[s.url for s in subs], value=None)

    @_readable("Following the feed")
    def feed_add(self, url: str | None, every: str) -> tuple[Any, ...]:
        url = (url or "").strip()
        if not fmt.safe_url(url):
            raise gr.Error(f"'{url}' is not a web address: it must start with http:// or https://")
        try:
            sub = self.desk.feed_add(url, int(every))
        except LoadError as e:
            raise gr.Error(str(e)) from None
        gr.Info(f"Following {sub.url}; its items arrive at the next refresh.")
        return (*self.feeds_updates(), "")

    @_readable("Unfollowing the feed")
    def feed_remove(self, url: str | None) -> tuple[Any, ...]:
        if not url:
            raise gr.Error("Choose a feed to unfollow first.")
        if not self.desk.feed_remove(url):
            raise gr.Error(f"Not a followed feed: {url} (already removed?).")
        gr.Info("Feed unfollowed; its articles stay in the library.")
        return self.feeds_updates()

    @_readable("Refreshing the feeds")
    def feed_refresh(self, backend: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        progress(None, desc="Fetching feeds")
        results = self.desk.feed_refresh()
        for r in results:
            if r.status == "error":
                gr.Warning(f"{r.url}: {r.error}")
        report = fmt.merge_reports([r.report for r in results])
        summary = fmt.esc(fmt_feeds.refresh_summary(results))
        status = f'{fmt.ingest_html(report)}<div class="nd-muted" style="white-space:pre-wrap;overflow-wrap:anywhere">{summary}</div>'
        return (*self.feeds_updates(), status, *self.library_updates(backend))

    # ---- evaluation --------------------------------------------------------
    @_readable("Running the evaluation")
    def evaluate(
        self,
        dataset: str | None,
        upload: str | None,
        backends: list[str] | None,
        k: float | None,
        progress: gr.Progress = gr.Progress(),
    ) -> tuple[dict[str, Any], list[str]]:
        path = uploaded_path(upload) if upload else dataset
        if not path:
            raise _error("Choose a dataset from evals/ or upload a JSONL file.")
        if not upload and not evaluation.is_shipped(path):
            raise _error(f"{path} is not a dataset in evals/; upload it instead.")
        from app.evaluation.report import write_report

        chosen = list(backends or []) or [self.settings.backend]
        report = evaluation.evaluate(
            self.desk, [path], chosen, k=int(k) if k else None, progress=_progress_cb(progress, "Evaluating")
        )
        folder = write_report(report, Path(tempfile.mkdtemp(prefix="newsdesk-eval-")))
        files = [folder / name for name in REPORT_FILES]
        return report.model_dump(mode="json"), [str(f) for f in files if f.exists()]

    @_readable("Showing the evaluation")
    def show_eval(self, report: dict[str, Any], files: list[str] | None) -> tuple[Any, ...]:
        headers, rows = fmt_eval.eval_table(report)
        chart = next((f for f in files or [] if Path(f).name.endswith("metrics.png")), None)
        table = gr.Dataframe(value=rows, headers=headers, visible=True)
        return (
            table,
            gr.Image(value=chart, visible=chart is not None),
            fmt_eval.eval_summary_html(report),
            gr.File(visible=True),
        )
