"""The Gradio web app: a thin adapter over app.services.Newsdesk (Ask, Briefing, Library, Evaluate).

Callbacks call the service and format its results with app.serve.web.format; they hold no business logic.
"""

# No `from __future__ import annotations`: gradio reads the callbacks' annotations at runtime (gr.api, gr.Progress).
import functools
import inspect
import logging
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from app.answer.engines import REGISTRY
from app.errors import NewsdeskError
from app.models import AnswerDelta, AnswerDone, Article, Briefing, BriefSelection, ChatTurn, Citation, IngestReport
from app.resources import shipped_datasets_dir, static_dir
from app.serve.web import format as fmt
from app.services import Newsdesk
from app.settings import Settings

log = logging.getLogger(__name__)

STATIC_DIR = static_dir()
EVALS_DIR = shipped_datasets_dir()
BACKEND_CHOICES = [(spec.title, name) for name, spec in REGISTRY.items()]
LENGTHS = [("Short", "short"), ("Standard", "standard"), ("Long", "long")]
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".jsonl"]
EXAMPLE_QUESTIONS = [
    "What does the US plan require Ukraine to give up?",
    "How large may Ukraine's army be under the 28-point plan?",
    "How did EU foreign ministers react to the plan?",
    "What did the Kremlin say about consultations?",
]

@dataclass
class Conversation:
    """One browser session's chat: turns for the service, rendered messages, and a sources panel per message."""

    turns: list[ChatTurn] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    panels: dict[int, str] = field(default_factory=dict)


def new_conversation() -> Conversation:
    """A fresh per-session conversation (gr.State calls this once per browser session)."""
    return Conversation()


def _readable(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn failures into readable gr.Error messages (never a stack trace in the page); log unexpected ones."""

    def convert(e: Exception) -> gr.Error:
        if isinstance(e, gr.Error):
            return e
        if isinstance(e, NewsdeskError):
            return gr.Error(str(e))
        log.exception("web: %s failed", action)
        return gr.Error(f"{action} failed ({type(e).__name__}: {str(e)[:200]}). The server log has the details.")

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


class Handlers:
    """The callbacks of one app, bound to one Newsdesk."""

    def __init__(self, desk: Newsdesk, settings: Settings) -> None:
        self.desk = desk
        self.settings = settings
        self._download_dir: Path | None = None

    # ---- helpers -----------------------------------------------------------
    def _articles_for(self, citations: Sequence[Citation]) -> dict[str, Article]:
        found: dict[str, Article] = {}
        for aid in dict.fromkeys(c.article_id for c in citations):
            article = self.desk.get_article(aid)
            if article is not None:
                found[aid] = article
        return found

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
        """Table, remove picker, briefing picker, status line (refreshed after any library change)."""
        infos = self.desk.articles()
        choices = fmt.article_choices(infos)
        try:
            status = fmt.status_line(self._label(backend), infos)
        except NewsdeskError as e:
            status = fmt.status_line(f"{backend} (unavailable: {e})", infos)
        return gr.Dataframe(value=fmt.library_rows(infos)), gr.Dropdown(choices=choices, value=None), gr.Dropdown(choices=choices), status

    # ---- ask ---------------------------------------------------------------
    @_readable("Answering")
    def respond(self, question: str, conv: Conversation, backend: str) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield conv.messages, conv, gr.skip(), ""
            return
        messages = [*conv.messages, {"role": "user", "content": fmt.user_html(question)}, {"role": "assistant", "content": fmt.streaming_html("")}]
        yield messages, conv, gr.skip(), ""
        streamed, answer = "", None
        try:
            for event in self.desk.stream_ask(question, history=conv.turns, backend=backend or None):
                if isinstance(event, AnswerDelta):
                    streamed += event.text
                    messages[-1] = {"role": "assistant", "content": fmt.streaming_html(streamed)}
                    yield messages, conv, gr.skip(), ""
                elif isinstance(event, AnswerDone):
                    answer = event.answer
        except Exception:
            yield conv.messages, conv, gr.skip(), question  # drop the pending turn, give the question back
            raise
        if answer is None:
            raise NewsdeskError("The answer engine stopped without an answer.")
        index = len(messages) - 1
        scope = f"a{index}"
        messages[-1] = {"role": "assistant", "content": fmt.answer_html(answer, scope)}
        panel = fmt.sources_panel(answer, self._articles_for(answer.citations), scope)
        turns = [*conv.turns, ChatTurn(role="user", content=question), ChatTurn(role="assistant", content=answer.answer)]
        new = Conversation(turns=turns, messages=messages, panels={**conv.panels, index - 1: panel, index: panel})
        yield messages, new, panel, ""

    def select_message(self, conv: Conversation, evt: gr.SelectData) -> Any:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        panel = conv.panels.get(int(index)) if isinstance(index, int | str) and str(index).isdigit() else None
        return panel if panel is not None else gr.skip()

    def clear(self) -> tuple[Any, ...]:
        return [], Conversation(), fmt.sources_panel(None, {}, "none"), ""

    @staticmethod
    def example(evt: gr.SelectData) -> str:
        return str(evt.value.get("text", "")) if isinstance(evt.value, dict) else str(evt.value or "")

    @_readable("Switching the answer engine")
    def change_backend(self, backend: str) -> tuple[Any, ...]:
        try:
            label = self._label(backend)
        except NewsdeskError as e:
            gr.Warning(f"{backend} is not available: {e}")
            return fmt.status_line(self._label(self.settings.backend), self.desk.articles()), gr.Dropdown(value=self.settings.backend)
        return fmt.status_line(label, self.desk.articles()), gr.skip()

    @_readable("Answering")
    def api_ask(self, question: str, backend: str = "", history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer a question from the indexed articles; returns the Answer (sentences, verified citations) as JSON."""
        if not (question or "").strip():
            raise gr.Error("question is empty")
        turns = [ChatTurn.model_validate(t) for t in history or []]
        return self.desk.ask(question.strip(), history=turns, backend=backend or None).model_dump(mode="json")

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
        progress: gr.Progress = gr.Progress(),
    ) -> dict[str, Any]:
        from app.brief.pipeline import render_markdown

        try:
            selection = BriefSelection(
                article_ids=list(article_ids) if article_ids else None,
                query=(topic or "").strip() or None,
                since=fmt.parse_date(since, field="From"),
                until=fmt.parse_date(until, field="Until", end_of_day=True),
            )
        except ValueError as e:
            raise gr.Error(str(e)) from None
        briefing = self.desk.brief(selection, backend=backend or None, length=length or "standard", progress=_progress_cb(progress, "Briefing"))
        return {"briefing": briefing.model_dump(mode="json"), "markdown": render_markdown(briefing)}

    @_readable("Showing the briefing")
    def show_briefing(self, data: dict[str, Any]) -> tuple[Any, ...]:
        briefing = Briefing.model_validate(data["briefing"])
        slug = re.sub(r"[^a-z0-9]+", "-", briefing.headline.lower()).strip("-")[:60] or "briefing"
        path = self._write_download(f"briefing-{slug}.md", data["markdown"])
        return fmt.briefing_html(briefing, self._articles_for(briefing.citations)), gr.DownloadButton(value=path, visible=True)

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
            raise gr.Error(f"'{url}' is not a web address: it must start with http:// or https://")
        inputs = [*(files or []), *([url] if url else [])]
        text = (text or "").strip()
        if not inputs and not text:
            raise gr.Error("Nothing to add: upload a file, enter a URL or paste an article.")
        reports = []
        if inputs:
            reports.append(self.desk.ingest(inputs, progress=_progress_cb(progress, "Indexing")))
        if text:
            progress(None, desc="Indexing pasted text")
            reports.append(self.desk.ingest_text(text, title=(title or "").strip() or None))
        return fmt.merge_reports(reports).model_dump(mode="json")

    @_readable("Refreshing the library")
    def after_ingest(self, data: dict[str, Any], backend: str) -> tuple[Any, ...]:
        report = IngestReport.model_validate(data)
        for message in fmt.ingest_warnings(report):
            gr.Warning(message)
        if report.added or report.replaced:
            gr.Info(f"Added {len(report.added) + len(report.replaced)} article(s) to the library.")
        clear = "" if not report.errors else gr.skip()
        return (fmt.ingest_html(report), *self.library_updates(backend), None, clear, clear, clear)

    @_readable("Removing the article")
    def remove(self, article_id: str | None, backend: str) -> tuple[Any, ...]:
        if not article_id:
            raise gr.Error("Choose an article to remove first.")
        if not self.desk.remove(article_id):
            raise gr.Error(f"No article with id {article_id} (already removed?).")
        gr.Info("Article removed.")
        return self.library_updates(backend)

    @staticmethod
    def pick_row(evt: gr.SelectData) -> Any:
        row = evt.row_value
        return row[-1] if row else gr.skip()

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
        path = upload or dataset
        if not path:
            raise gr.Error("Choose a dataset from evals/ or upload a JSONL file.")
        if not upload and Path(path).resolve().parent != EVALS_DIR.resolve():
            raise gr.Error(f"{path} is not a dataset in evals/; upload it instead.")
        from app.evaluation.report import write_report
        from app.evaluation.runner import run_eval

        chosen = list(backends or []) or [self.settings.backend]
        report = run_eval([path], chosen, self.settings, k=int(k) if k else None, progress=_progress_cb(progress, "Evaluating"), desk=self.desk)
        folder = write_report(report, Path(tempfile.mkdtemp(prefix="newsdesk-eval-")))
        files = [folder / name for name in ("report.md", "report.json", "results.jsonl", "metrics.png", "latency.png")]
        return report.model_dump(mode="json"), [str(f) for f in files if f.exists()]

    @_readable("Showing the evaluation")
    def show_eval(self, report: dict[str, Any], files: list[str] | None) -> tuple[Any, ...]:
        headers, rows = fmt.eval_table(report)
        chart = next((f for f in files or [] if Path(f).name.endswith("metrics.png")), None)
        table = gr.Dataframe(value=rows, headers=headers, visible=True)
        return table, gr.Image(value=chart, visible=chart is not None), fmt.eval_summary_html(report), gr.File(visible=True)


def theme() -> gr.themes.Base:
    """A sober newsroom theme using only fonts bundled with gradio or installed on the system."""
    return gr.themes.Default(
        primary_hue=gr.themes.colors.red,
        secondary_hue=gr.themes.colors.slate,
        neutral_hue=gr.themes.colors.slate,
        radius_size=gr.themes.sizes.radius_sm,
        font=[gr.themes.LocalFont("IBM Plex Sans"), "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"],
    ).set(body_background_fill="#f6f5f1", block_border_width="1px", button_primary_background_fill="#9f1239", button_primary_background_fill_hover="#881337")


def create_app(desk: Newsdesk, settings: Settings | None = None) -> gr.Blocks:
    """The four views over one Newsdesk. Serve it with launch(), or mount it with mount_options() (app.serve.server)."""
    settings = settings or desk.settings
    h = Handlers(desk, settings)
    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as demo:
        with gr.Row(elem_classes="nd-top", equal_height=False):
            with gr.Column(scale=5, min_width=420):
                gr.HTML(
                    '<header class="nd-masthead"><div class="nd-logo">Newsdesk</div><div class="nd-tagline">Grounded answers and '
                    "briefings from your articles. Every claim cites its passage; every citation is checked.</div></header>"
                )
                status = gr.HTML(fmt.status_line(settings.backend, []), elem_id="nd-status")
            with gr.Column(scale=1, min_width=250):
                backend = gr.Dropdown(BACKEND_CHOICES, value=settings.backend, label="Answer engine", elem_id="nd-backend")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                conv = gr.State(new_conversation)
                with gr.Row():
                    with gr.Column(scale=7):
                        chat = gr.Chatbot(
                            height=540, show_label=False, elem_id="nd-chat", sanitize_html=False, layout="panel",
                            feedback_options=None, buttons=[], latex_delimiters=[],
                            placeholder="<div class='nd-empty'><strong>Ask the newsroom's archive.</strong><br>Answers quote the articles and every citation is checked. Try the sample article:</div>",
                            examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(placeholder="Ask about the indexed articles…", show_label=False, scale=8, elem_id="nd-question", max_lines=4)
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="nd-ask")
                        with gr.Row():
                            clear_btn = gr.Button("New conversation", size="sm", variant="secondary", scale=0)
                            gr.HTML('<div class="nd-hint">Follow-up questions use the conversation. Click a number to see its source.</div>')
                    with gr.Column(scale=5):
                        sources = gr.HTML(fmt.sources_panel(None, {}, "none"), elem_id="nd-sources", js_on_load=(STATIC_DIR / "newsdesk.js").read_text(encoding="utf-8"))
            with gr.Tab("Briefing", id="briefing"):
                with gr.Row():
                    with gr.Column(scale=3, elem_classes="nd-card"):
                        brief_articles = gr.Dropdown([], multiselect=True, allow_custom_value=True, label="Articles", info="Empty = the whole library", elem_id="nd-brief-articles")
                        topic = gr.Textbox(label="Topic", placeholder="e.g. security guarantees for Ukraine", elem_id="nd-topic")
                        since = gr.DateTime(label="Published from", include_time=False, type="string", elem_id="nd-since")
                        until = gr.DateTime(label="Published until", include_time=False, type="string", elem_id="nd-until")
                        length = gr.Radio(LENGTHS, value="standard", label="Length")
                        brief_btn = gr.Button("Write briefing", variant="primary", elem_id="nd-brief")
                        download = gr.DownloadButton("Download Markdown", visible=False, elem_id="nd-download")
                    with gr.Column(scale=5):
                        brief_view = gr.HTML(fmt.briefing_placeholder(), elem_id="nd-briefing")
                brief_data = gr.JSON(visible=False)
            with gr.Tab("Library", id="library"):
                with gr.Row():
                    with gr.Column(scale=2, elem_classes="nd-card"):
                        gr.HTML('<div class="nd-section-title">Add articles</div>')
                        files = gr.File(label="Upload files (txt, md, html, pdf, json, jsonl)", file_count="multiple", file_types=UPLOAD_TYPES, type="filepath", elem_id="nd-upload")
                        url = gr.Textbox(label="Or a web address", placeholder="https://…", elem_id="nd-url")
                        with gr.Accordion("Or paste an article", open=False):
                            paste_title = gr.Textbox(label="Title", elem_id="nd-paste-title")
                            paste_text = gr.Textbox(label="Text", lines=6, elem_id="nd-paste-text")
                        add_btn = gr.Button("Add to library", variant="primary", elem_id="nd-add")
                        ingest_status = gr.HTML(elem_id="nd-ingest-status")
                    with gr.Column(scale=5):
                        table = gr.Dataframe(headers=fmt.LIBRARY_HEADERS, value=[], interactive=False, wrap=True, elem_id="nd-library",
                                             column_widths=["42%", "16%", "14%", "12%", "16%"], max_height=520, buttons=["fullscreen"])
                        with gr.Row(elem_classes="nd-remove-row"):
                            remove_pick = gr.Dropdown([], allow_custom_value=True, label="Remove an article (or click its row)", scale=4,
                                                      elem_id="nd-remove-pick")
                            remove_btn = gr.Button("Remove article", variant="stop", size="md", scale=1, min_width=140, elem_id="nd-remove")
                ingest_data = gr.JSON(visible=False)
            with gr.Tab("Evaluate", id="evaluate"):
                with gr.Row():
                    with gr.Column(scale=2, elem_classes="nd-card"):
                        datasets = dataset_choices(EVALS_DIR)
                        dataset = gr.Dropdown(datasets, value=datasets[0][1] if datasets else None, label="Dataset in evals/", elem_id="nd-eval-dataset")
                        eval_upload = gr.File(label="Or upload a JSONL dataset", file_types=[".jsonl", ".json"], type="filepath", elem_id="nd-eval-upload")
                        eval_backends = gr.CheckboxGroup(BACKEND_CHOICES, value=[settings.backend], label="Answer engines")
                        eval_k = gr.Number(value=settings.k, label="Passages per question (k)", precision=0, minimum=1, maximum=50)
                        eval_btn = gr.Button("Run evaluation", variant="primary", elem_id="nd-eval")
                    with gr.Column(scale=5):
                        eval_summary = gr.HTML(fmt.eval_placeholder())
                        eval_table = gr.Dataframe(headers=["Metric", "Score"], value=[], interactive=False, label="Metrics", wrap=True, visible=False, elem_id="nd-eval-table")
                        eval_chart = gr.Image(label="Scores per engine", visible=False, buttons=["download"], elem_id="nd-eval-chart")
                        eval_files = gr.File(label="Download the report", file_count="multiple", interactive=False, visible=False, elem_id="nd-eval-files")
                eval_data = gr.JSON(visible=False)

        lib_outputs = [table, remove_pick, brief_articles, status]
        demo.load(h.library_updates, inputs=[backend], outputs=lib_outputs, api_visibility="private")
        backend.change(h.change_backend, inputs=[backend], outputs=[status, backend], api_visibility="private")

        ask_args: dict[str, Any] = {"fn": h.respond, "inputs": [question, conv, backend], "outputs": [chat, conv, sources, question], "api_visibility": "private"}
        question.submit(**ask_args)
        ask_btn.click(**ask_args)
        chat.example_select(h.example, outputs=[question], api_visibility="private").then(**ask_args)
        chat.select(h.select_message, inputs=[conv], outputs=[sources], api_visibility="private")
        clear_btn.click(h.clear, outputs=[chat, conv, sources, question], api_visibility="private")
        chat.clear(h.clear, outputs=[chat, conv, sources, question], api_visibility="private")
        gr.api(h.api_ask, api_name="ask")

        brief_btn.click(h.brief, inputs=[brief_articles, topic, since, until, length, backend], outputs=[brief_data], api_name="brief").success(
            h.show_briefing, inputs=[brief_data], outputs=[brief_view, download], api_visibility="private"
        )

        add_btn.click(h.ingest, inputs=[files, url, paste_title, paste_text], outputs=[ingest_data], api_name="ingest").success(
            h.after_ingest, inputs=[ingest_data, backend], outputs=[ingest_status, *lib_outputs, files, url, paste_title, paste_text], api_visibility="private"
        )
        table.select(h.pick_row, outputs=[remove_pick], api_visibility="private")
        remove_btn.click(h.remove, inputs=[remove_pick, backend], outputs=lib_outputs, api_visibility="private")

        eval_btn.click(h.evaluate, inputs=[dataset, eval_upload, eval_backends, eval_k], outputs=[eval_data, eval_files], api_name="eval").success(
            h.show_eval, inputs=[eval_data, eval_files], outputs=[eval_table, eval_chart, eval_summary, eval_files], api_visibility="private"
        )
    return demo


# ---- serving -----------------------------------------------------------------
def dataset_choices(folder: Path) -> list[tuple[str, str]]:
    """(name, path) of the JSONL datasets in evals/, sample_qa first (the support checker's labelled pairs are not one)."""
    found = folder.glob("*.jsonl") if folder.is_dir() else []
    files = sorted((p for p in found if not p.name.startswith("support_")), key=lambda p: (p.name != "sample_qa.jsonl", p.name))
    return [(p.name, str(p)) for p in files]


def mount_options(settings: Settings | None = None) -> dict[str, Any]:
    """Options gradio 6 takes at launch()/mount time, not in Blocks: theme, css, footer, no SSR/PWA/MCP."""
    return {
        "theme": theme(),
        "css": (STATIC_DIR / "newsdesk.css").read_text(encoding="utf-8"),
        "footer_links": ["api"],
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
    }


def auth_for(settings: Settings) -> tuple[str, str] | None:
    """The login to require (None when unset); refuses a non-loopback bind without any credential."""
    from app.serve import security

    security.check_bind(settings)
    if security.has_gradio_auth(settings):
        assert settings.auth_user and settings.auth_password
        return settings.auth_user, settings.auth_password.get_secret_value()
    if not security.is_loopback(settings.host):
        raise security.UnsafeBindError(
            f"refusing to serve the web app on {settings.host!r} without a login: set NEWSDESK_AUTH_USER and "
            "NEWSDESK_AUTH_PASSWORD, or bind to 127.0.0.1."
        )
    return None


def launch(settings: Settings | None = None, *, desk: Newsdesk | None = None, ensure_sample: bool = True, block: bool = True) -> gr.Blocks:
    """Serve the web app alone on settings.host:settings.port (indexing the sample article into an empty index).

    `newsdesk serve` (app.serve.server) serves it together with the HTTP API instead."""
    settings = settings or Settings()
    auth = auth_for(settings)
    desk = desk or Newsdesk(settings)
    if ensure_sample:
        desk.ensure_sample()
    demo = create_app(desk, settings).queue(default_concurrency_limit=1)
    demo.launch(
        server_name=settings.host, server_port=settings.port, auth=auth, share=False, show_error=False, quiet=True,
        max_file_size=settings.max_file_bytes, prevent_thread_lock=not block, **mount_options(settings),
    )
    return demo  # with block=False the server runs in a thread until demo.close()


def main() -> None:
    """`python -m app.serve.web.app`: the web app alone, configured from NEWSDESK_* (host, port, auth_user, auth_password)."""
    from app.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    launch(settings)


if __name__ == "__main__":
    main()
