"""The Gradio web app: a thin adapter over app.services.Newsdesk, one builder per tab (Ask, Briefing, Library, Evaluate).

Callbacks live in app.serve.web.handlers (they call the service and format its results with app.serve.web.format);
this module lays out the page and wires events to them. The Ask tab (chat, saved conversations) is app.serve.web.chat.
"""

# No `from __future__ import annotations`: gradio reads the callbacks' annotations at runtime (gr.api, gr.Progress).
from pathlib import Path
from typing import Any

import gradio as gr

from app.answer.engines import REGISTRY
from app.resources import static_dir
from app.serve import evaluate as evaluation
from app.serve import security
from app.serve.web import chat, library
from app.serve.web import format as fmt
from app.serve.web import format_eval as fmt_eval
from app.serve.web.handlers import Handlers
from app.services import Newsdesk
from app.settings import Settings

STATIC_DIR = static_dir()
BACKEND_CHOICES = [(spec.title, name) for name, spec in REGISTRY.items()]
LENGTHS = [("Short", "short"), ("Standard", "standard"), ("Long", "long")]
UPLOAD_TYPES = sorted(security.UPLOAD_SUFFIXES)
CSS_FILES = ("newsdesk.css", "newsdesk-chat.css")
MAX_EVAL_K = 50
"""The API's limit on passages per question (AskRequest.k, EvalRequest.k)."""


def theme() -> gr.themes.Base:
    """A sober newsroom theme using only fonts bundled with gradio or installed on the system."""
    return gr.themes.Default(
        primary_hue=gr.themes.colors.red,
        secondary_hue=gr.themes.colors.slate,
        neutral_hue=gr.themes.colors.slate,
        radius_size=gr.themes.sizes.radius_sm,
        font=[gr.themes.LocalFont("IBM Plex Sans"), "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"],
    ).set(
        body_background_fill="#f6f5f1",
        block_border_width="1px",
        button_primary_background_fill="#9f1239",
        button_primary_background_fill_hover="#881337",
    )


def create_app(desk: Newsdesk, settings: Settings | None = None) -> gr.Blocks:
    """The four views over one Newsdesk. Serve it with launch(), or mount it with mount_options() (app.serve.server).

    Events that only drive the page are api_visibility="private"; the API endpoints are /ask, /brief, /ingest, /eval."""
    settings = settings or desk.settings
    h = Handlers(desk, settings)
    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as demo:
        status, backend = _masthead(settings)
        with gr.Tabs():
            chat.ask_tab(desk, settings, backend, demo)  # issue 17: app.serve.web.chat
            brief_articles = _briefing_tab(h, backend)
            library_outputs, feeds = _library_tab(h, backend, [brief_articles, status])
            _evaluate_tab(h, settings)
        gr.api(h.api_ask, api_name="ask")  # outside gr.Tabs, which may only hold tabs
        demo.load(h.library_updates, inputs=[backend], outputs=library_outputs, api_visibility="private")
        demo.load(h.feeds_updates, outputs=feeds, api_visibility="private")
        backend.change(h.change_backend, inputs=[backend], outputs=[status, backend], api_visibility="private")
    return demo


def _masthead(settings: Settings) -> tuple[gr.HTML, gr.Dropdown]:
    """Title, the status line (engine and library size) and the answer-engine picker."""
    with gr.Row(elem_classes="nd-top", equal_height=False):
        with gr.Column(scale=5, min_width=420):
            gr.HTML(
                '<header class="nd-masthead"><div class="nd-logo">Newsdesk</div><div class="nd-tagline">Grounded answers and '
                "briefings from your articles. Every claim cites its passage; every citation is checked.</div></header>"
            )
            status = gr.HTML(fmt.status_line(settings.backend, []), elem_id="nd-status")
        with gr.Column(scale=1, min_width=250):
            backend = gr.Dropdown(BACKEND_CHOICES, value=settings.backend, label="Answer engine", elem_id="nd-backend")
    return status, backend


def _briefing_tab(h: Handlers, backend: gr.Dropdown) -> gr.Dropdown:
    """Selection and length on the left, the briefing on the right; returns the article picker (the library fills it)."""
    with gr.Tab("Briefing", id="briefing"):
        with gr.Row():
            with gr.Column(scale=3, elem_classes="nd-card"):
                articles = gr.Dropdown(
                    [],
                    multiselect=True,
                    allow_custom_value=True,
                    label="Articles",
                    info="Empty = the whole library",
                    elem_id="nd-brief-articles",
                )
                library.build_finder(h.desk, articles)
                topic = gr.Textbox(
                    label="Topic", placeholder="e.g. security guarantees for Ukraine", elem_id="nd-topic"
                )
                since = gr.DateTime(label="Published from", include_time=False, type="string", elem_id="nd-since")
                until = gr.DateTime(label="Published until", include_time=False, type="string", elem_id="nd-until")
                since_last = gr.Checkbox(
                    False, label="Only what is new since my last briefing (e.g. from feeds)", elem_id="nd-since-last"
                )
                length = gr.Radio(LENGTHS, value="standard", label="Length")
                brief_btn = gr.Button("Write briefing", variant="primary", elem_id="nd-brief")
                download = gr.DownloadButton("Download Markdown", visible=False, elem_id="nd-download")
            with gr.Column(scale=5):
                view = gr.HTML(fmt.briefing_placeholder(), elem_id="nd-briefing")
        data = gr.JSON(visible=False)
    brief_btn.click(
        h.brief, inputs=[articles, topic, since, until, length, backend, since_last], outputs=[data], api_name="brief"
    ).success(h.show_briefing, inputs=[data], outputs=[view, download], api_visibility="private")
    return articles


def _library_tab(h: Handlers, backend: gr.Dropdown, elsewhere: list[Any]) -> tuple[list[Any], list[Any]]:
    """Add (files, a URL, pasted text, a feed to follow) on the left, the library list on the right (app.serve.web.library).

    Returns every output a library change refreshes (the list's refresh trigger, then `elsewhere`: the briefing's
    article picker and the status line), and the feed list's outputs."""
    with gr.Tab("Library", id="library"):
        with gr.Row():
            with gr.Column(scale=2, elem_classes="nd-card"):
                gr.HTML('<div class="nd-section-title">Add articles</div>')
                files = gr.File(
                    label="Upload files (txt, md, html, pdf, json, jsonl)",
                    file_count="multiple",
                    file_types=UPLOAD_TYPES,
                    type="filepath",
                    elem_id="nd-upload",
                )
                url = gr.Textbox(label="Or a web address", placeholder="https://…", elem_id="nd-url")
                with gr.Accordion("Or paste an article", open=False):
                    paste_title = gr.Textbox(label="Title", elem_id="nd-paste-title")
                    paste_text = gr.Textbox(label="Text", lines=6, elem_id="nd-paste-text")
                add_btn = gr.Button("Add to library", variant="primary", elem_id="nd-add")
                ingest_status = gr.HTML(elem_id="nd-ingest-status")
                feed_parts = _feeds_card()
            with gr.Column(scale=5):
                lib_refresh, removed = library.build_list(h.desk)  # issue 19: search, filters, pages, bulk removal
        data = gr.JSON(visible=False)
    refreshed = [lib_refresh, *elsewhere]
    add_btn.click(h.ingest, inputs=[files, url, paste_title, paste_text], outputs=[data], api_name="ingest").success(
        h.after_ingest,
        inputs=[data, backend],
        outputs=[ingest_status, *refreshed, files, url, paste_title, paste_text],
        api_visibility="private",
    )
    removed.success(h.library_updates, inputs=[backend], outputs=refreshed, api_visibility="private")
    feed_url, every, follow, feeds_view, feed_pick, unfollow, refresh = feed_parts
    listed = [feeds_view, feed_pick]
    follow.click(h.feed_add, inputs=[feed_url, every], outputs=[*listed, feed_url], api_visibility="private")
    unfollow.click(h.feed_remove, inputs=[feed_pick], outputs=listed, api_visibility="private")
    refresh.click(
        h.feed_refresh, inputs=[backend], outputs=[*listed, ingest_status, *refreshed], api_visibility="private"
    )
    return refreshed, listed


FEED_INTERVALS = [("every 15 min", "900"), ("every 30 min", "1800"), ("every hour", "3600"), ("every 6 hours", "21600"),
                  ("once a day", "86400")]  # fmt: skip


def _feeds_card() -> tuple[Any, ...]:
    """Follow an RSS/Atom feed, see each feed's last refresh, new items and error, unfollow one (issue 16)."""
    with gr.Accordion("Follow feeds (RSS / Atom)", open=False, elem_id="nd-feeds-card"):
        with gr.Row():
            feed_url = gr.Textbox(label="Feed address", placeholder="https://…/rss.xml", scale=3, elem_id="nd-feed-url")
            every = gr.Dropdown(FEED_INTERVALS, value="1800", label="Refresh", scale=1, elem_id="nd-feed-every")
        follow = gr.Button("Follow feed", elem_id="nd-feed-add")
        feeds_view = gr.HTML(elem_id="nd-feeds")
        with gr.Row():
            feed_pick = gr.Dropdown([], label="Unfollow a feed", scale=3, elem_id="nd-feed-pick")
            unfollow = gr.Button("Unfollow", variant="stop", scale=1, elem_id="nd-feed-remove")
        refresh = gr.Button("Refresh feeds now", elem_id="nd-feed-refresh")
    return feed_url, every, follow, feeds_view, feed_pick, unfollow, refresh


def _evaluate_tab(h: Handlers, settings: Settings) -> None:
    """Dataset and engines on the left, the metrics table, chart and report files on the right."""
    with gr.Tab("Evaluate", id="evaluate"):
        with gr.Row():
            with gr.Column(scale=2, elem_classes="nd-card"):
                datasets = dataset_choices(evaluation.DATASETS_DIR)
                dataset = gr.Dropdown(
                    datasets,
                    value=datasets[0][1] if datasets else None,
                    label="Dataset in evals/",
                    elem_id="nd-eval-dataset",
                )
                upload = gr.File(
                    label="Or upload a JSONL dataset",
                    file_types=[".jsonl", ".json"],
                    type="filepath",
                    elem_id="nd-eval-upload",
                )
                backends = gr.CheckboxGroup(BACKEND_CHOICES, value=[settings.backend], label="Answer engines")
                k = gr.Number(
                    value=settings.k, label="Passages per question (k)", precision=0, minimum=1, maximum=MAX_EVAL_K
                )
                eval_btn = gr.Button("Run evaluation", variant="primary", elem_id="nd-eval")
            with gr.Column(scale=5):
                summary = gr.HTML(fmt_eval.eval_placeholder())
                table = gr.Dataframe(
                    headers=["Metric", "Score"],
                    value=[],
                    interactive=False,
                    label="Metrics",
                    wrap=True,
                    visible=False,
                    elem_id="nd-eval-table",
                )
                chart = gr.Image(
                    label="Scores per engine", visible=False, buttons=["download"], elem_id="nd-eval-chart"
                )
                files = gr.File(
                    label="Download the report",
                    file_count="multiple",
                    interactive=False,
                    visible=False,
                    elem_id="nd-eval-files",
                )
        data = gr.JSON(visible=False)
    eval_btn.click(h.evaluate, inputs=[dataset, upload, backends, k], outputs=[data, files], api_name="eval").success(
        h.show_eval, inputs=[data, files], outputs=[table, chart, summary, files], api_visibility="private"
    )


# ---- serving -----------------------------------------------------------------
def dataset_choices(folder: Path) -> list[tuple[str, str]]:
    """(name, path) of the JSONL datasets in evals/, sample_qa first (the support checker's labelled pairs are not one)."""
    found = folder.glob("*.jsonl") if folder.is_dir() else []
    labelled_pairs = ("support_", "answer_pairs")  # the checkers' labelled pairs, not question sets
    files = sorted(
        (p for p in found if not p.name.startswith(labelled_pairs)), key=lambda p: (p.name != "sample_qa.jsonl", p.name)
    )
    return [(p.name, str(p)) for p in files]


def mount_options(settings: Settings | None = None) -> dict[str, Any]:
    """Options gradio 6 takes at launch()/mount time, not in Blocks: theme, css, footer, no SSR/PWA/MCP."""
    return {
        "theme": theme(),
        "css": "\n".join((STATIC_DIR / name).read_text(encoding="utf-8") for name in CSS_FILES),
        "footer_links": ["api"],
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
    }


def auth_for(settings: Settings) -> Any:
    """The login check to require (None: no credential set, loopback); refuses a public bind without any credential."""
    security.check_bind(settings, web=True)
    if security.web_login_required(settings):
        return lambda user, password: security.web_login_ok(settings, user, password)
    return None


def launch(
    settings: Settings | None = None, *, desk: Newsdesk | None = None, ensure_sample: bool = True, block: bool = True
) -> gr.Blocks:
    """Serve the web app alone on settings.host:settings.port (indexing the sample article into an empty index).

    `newsdesk serve` (app.serve.server) serves it together with the HTTP API instead."""
    settings = settings or Settings()
    auth = auth_for(settings)
    desk = desk or Newsdesk(settings)
    if ensure_sample:
        desk.ensure_sample()
    demo = create_app(desk, settings).queue(default_concurrency_limit=1)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        show_error=False,
        quiet=True,
        max_file_size=settings.max_file_bytes,
        prevent_thread_lock=not block,
        **mount_options(settings),
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
