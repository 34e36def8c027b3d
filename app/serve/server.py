"""One uvicorn process serving the HTTP API (/api, /v1, /healthz) with the Gradio web app mounted at /.

Started by `newsdesk serve` (app.cli), the one command line: --host, --port, --no-sample, --api-only.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

from app.errors import NewsdeskError
from app.serve import security
from app.serve.hosts import add_host_check
from app.settings import Settings
from app.store.location import holds_index, require_index

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.services import Newsdesk

log = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_SECONDS = 5
"""On stop, how long open requests (a streaming answer) may finish before the process exits anyway."""
WARM_UP_WAIT_SECONDS = 30
"""How long a request that needs the models waits for the background warm-up before a 503 (issue 18)."""
MODEL_PATHS = ("/api", "/v1", "/gradio_api/queue", "/gradio_api/run", "/gradio_api/call")
"""Requests under these paths use the models; the page, its assets and /healthz are served while they load."""


def warm_up(desk: Newsdesk) -> None:
    """Build the store, retriever, support checker and default backend before the first request (not per thread)."""
    try:
        desk.embeddings.embed_query("warm up")  # loads the model now, not inside the first request
        _ = desk.store, desk.retriever, desk.checker
        desk.engine()
        if desk.store.count_articles():
            desk.search("warm up", k=1)  # loads the embedding model and the lexical index
    except NewsdeskError as exc:
        # Still serve: /healthz reports the store as unavailable until it comes back.
        log.warning("warm-up incomplete: %s", exc)


def warm_in_background(desk: Newsdesk, ready: threading.Event, *, ensure_sample: bool) -> threading.Thread:
    """Index the sample (if asked) and warm up in a thread, setting `ready` when done, while the page is served."""

    def run() -> None:
        try:
            if ensure_sample:
                _ensure_sample(desk)
            warm_up(desk)
        finally:
            ready.set()
            log.info("warm-up done")

    thread = threading.Thread(target=run, name="newsdesk-warm-up", daemon=True)
    thread.start()
    return thread


class WaitForWarmUp:
    """ASGI middleware: a request that needs the models waits (bounded) for the warm-up, then gets a 503."""

    def __init__(self, app: Any, ready: threading.Event, wait_seconds: float = WARM_UP_WAIT_SECONDS) -> None:
        self.app = app
        self.ready = ready
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        needs_models = scope["type"] == "http" and str(scope.get("path", "")).startswith(MODEL_PATHS)
        if needs_models and not self.ready.is_set() and not await asyncio.to_thread(self.ready.wait, self.wait_seconds):
            from app.serve.api.errors import error_response
            from app.serve.api.routes.health import WARMING_RETRY_AFTER

            response = error_response(
                503, "warming", "the server is still loading its models; retry shortly",
                headers={"Retry-After": str(WARMING_RETRY_AFTER)},
            )  # fmt: skip
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _ensure_sample(desk: Newsdesk) -> None:
    try:
        desk.ensure_sample()
    except NewsdeskError as exc:
        log.warning("could not index the sample article: %s", exc)


def mount_web(app: FastAPI, desk: Newsdesk, settings: Settings) -> bool:
    """Mount the Gradio app at / when app.serve.web.app exists; False when it does not (API only)."""
    try:
        from app.serve.web.app import create_app
    except ImportError as exc:
        if exc.name != "app.serve.web.app":
            raise
        log.info("app.serve.web.app not available; serving the API only")
        return False
    import gradio as gr

    blocks = create_app(desk, settings)
    kwargs: dict[str, Any] = {}
    if security.web_login_required(settings):
        # The one rule (app.serve.security): any credential set means a login for the page and gradio's API routes.
        kwargs["auth"] = lambda user, password: security.web_login_ok(settings, user, password)
    mount_options = getattr(sys.modules["app.serve.web.app"], "mount_options", None)
    if callable(mount_options):
        kwargs.update(mount_options(settings))  # theme, css: gradio 6 takes them at mount/launch time
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        server_name=settings.host,
        server_port=settings.port,
        max_file_size=settings.max_file_bytes,
        **kwargs,
    )
    # gradio checks that a request's FileData paths lie in its upload folder only once the Blocks "has launched"
    # (processing_utils._check_allowed); mount_gradio_app never sets that, so without this line a client could name
    # any server file as an upload. Handlers.uploaded_path checks the same again at the point of use.
    blocks.has_launched = True
    return True


def build_app(
    settings: Settings,
    *,
    desk: Newsdesk | None = None,
    ensure_sample: bool = True,
    web: bool = True,
    feeds: bool = True,
    background: bool = False,
) -> FastAPI:
    """The ASGI app `serve` runs: API routes first, then the web app at / (so /api, /v1 and /healthz win); only the
    Host names of app.serve.hosts are answered.
    background: warm up in a thread while serving (/healthz says "warming"); else before returning."""
    from app.serve.api.app import create_api
    from app.services import Newsdesk

    desk = desk or Newsdesk(settings)
    if not background:
        if ensure_sample:
            _ensure_sample(desk)
        warm_up(desk)
    app = create_api(desk, settings)
    if web:
        mount_web(app, desk, settings)
    if feeds:
        from app.serve.feed_scheduler import attach_feed_scheduler

        attach_feed_scheduler(app, desk)  # refreshes due feeds while the server runs (issue 16)
    if background:
        # numpy's first import is not thread-safe: the warm-up thread (onnxruntime) and a feed or request thread
        # (chromadb) importing it at once left it half-initialised (RecursionError on every ingest). Import it here,
        # once, before any thread starts.
        import numpy  # noqa: F401

        ready: threading.Event = app.state.api.ready
        ready.clear()
        app.add_middleware(WaitForWarmUp, ready=ready, wait_seconds=WARM_UP_WAIT_SECONDS)
        warm_in_background(desk, ready, ensure_sample=ensure_sample)
    # Outermost, so a rebinding page's request (Host: rebind.example) is a 400 before anything else runs (trial 16, D8).
    add_host_check(app, settings)
    return app


def serve(settings: Settings, *, ensure_sample: bool = True, web: bool = True) -> None:
    """Serve on settings.host:settings.port; refuses a non-loopback address without credentials (UnsafeBindError)."""
    import uvicorn

    security.check_bind(settings, web=web)
    require_index(settings, reads=False)  # a file where the folder should be is an error, not a traceback
    if not settings.chroma_url and not holds_index(settings.index_dir):  # a typo in the path shows here, not later
        log.warning("no index at %s yet: starting a new one there", settings.index_dir)
    app = build_app(settings, ensure_sample=ensure_sample, web=web, background=True)
    log.warning(
        "Newsdesk serving on http://%s:%d (API at /api and /v1, health at /healthz)", settings.host, settings.port
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
