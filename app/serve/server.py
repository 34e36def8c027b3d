"""One uvicorn process serving the HTTP API (/api, /v1, /healthz) with the Gradio web app mounted at /.

Started by `newsdesk serve` (app.cli), the one command line: --host, --port, --no-sample, --api-only.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from app.errors import NewsdeskError
from app.serve import security
from app.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.services import Newsdesk

log = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_SECONDS = 5
"""On stop, how long open requests (a streaming answer) may finish before the process exits anyway."""


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
) -> FastAPI:
    """The ASGI app `serve` runs: API routes first, then the web app at / (so /api, /v1 and /healthz win)."""
    from app.serve.api.app import create_api
    from app.services import Newsdesk

    desk = desk or Newsdesk(settings)
    if ensure_sample:
        try:
            desk.ensure_sample()
        except NewsdeskError as exc:
            log.warning("could not index the sample article: %s", exc)
    warm_up(desk)
    app = create_api(desk, settings)
    if web:
        mount_web(app, desk, settings)
    if feeds:
        from app.serve.feed_scheduler import attach_feed_scheduler

        attach_feed_scheduler(app, desk)  # refreshes due feeds while the server runs (issue 16)
    return app


def serve(settings: Settings, *, ensure_sample: bool = True, web: bool = True) -> None:
    """Serve on settings.host:settings.port; refuses a non-loopback address without credentials (UnsafeBindError)."""
    import uvicorn

    security.check_bind(settings, web=web)
    app = build_app(settings, ensure_sample=ensure_sample, web=web)
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
