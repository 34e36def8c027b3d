"""GET /healthz: liveness and readiness (unguarded, so load balancers need no token)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from app import __version__
from app.serve.api.context import ApiContext
from app.serve.api.schemas import Health

log = logging.getLogger(__name__)

WARMING_RETRY_AFTER = 2
"""Seconds a client is told to wait while the server warms up (a cold start takes a few seconds)."""


def check(api: ApiContext) -> tuple[int, Health]:
    """(200, ok) with the default backend and index counts, or (503, unavailable) when the store is unreachable."""
    s = api.settings
    store_kind = "server" if s.chroma_url else "embedded"
    if not api.ready.is_set():  # models still loading: not ready, and nothing here may wait for them
        detail = "loading the models; retry shortly"
        return 503, Health(
            status="warming", version=__version__, backend=s.backend, model="", store=store_kind, detail=detail
        )
    try:
        backend = api.desk.engine()
        model = str(getattr(backend, "model", "") or "")
    except Exception as exc:  # a health check reports, it does not fail
        log.warning("health: backend %s unavailable: %s", s.backend, exc)
        model = ""
    try:
        store = api.desk.store
        if store_kind == "server":
            store.client.heartbeat()  # fails fast, unlike the store's retrying calls
        health = Health(
            status="ok",
            version=__version__,
            backend=s.backend,
            model=model,
            store=store_kind,
            articles=store.count_articles(),
            chunks=store.count_chunks(),
        )
        return 200, health
    except Exception as exc:
        log.warning("health: store unavailable: %s", exc)
        return 503, Health(
            status="unavailable",
            version=__version__,
            backend=s.backend,
            model=model,
            store=store_kind,
            detail=f"the index store is unreachable: {type(exc).__name__}",
        )


def build(api: ApiContext) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", response_model=Health, tags=["service"], responses={503: {"model": Health}})
    def healthz(response: Response) -> Health:
        """Liveness and readiness: the default backend and index counts; 503 when the store is unreachable."""
        status, health = check(api)
        response.status_code = status
        if health.status == "warming":
            response.headers["Retry-After"] = str(WARMING_RETRY_AFTER)
        return health

    return router
