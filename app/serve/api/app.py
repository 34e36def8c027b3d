"""The HTTP API: a thin FastAPI adapter over services.Newsdesk (routes under /api and /v1, plus /healthz).

The routes live in app.serve.api.routes, one module per area; this module assembles them with the body limits,
the auth guard, the API's error shape and the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline

from app import __version__
from app.serve import security
from app.serve.api.context import ApiContext
from app.serve.api.errors import ERRORS, ApiError, install_error_handlers
from app.serve.api.routes import articles, evaluation, feeds, health, openai_v1, questions
from app.serve.api.routes.evaluation import Evaluate
from app.serve.api.schemas import document_naive_datetimes
from app.settings import Settings

if TYPE_CHECKING:
    from app.services import Newsdesk

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
API_PREFIXES = ("/api", "/v1")
MULTIPART_OVERHEAD_BYTES = 65536
"""Room in an upload's body limit for the multipart boundaries and part headers around the files themselves."""


def create_api(desk: Newsdesk, settings: Settings | None = None, *, evaluate: Evaluate | None = None) -> FastAPI:
    """The FastAPI app over one Newsdesk. `evaluate` defaults to app.serve.evaluate.evaluate (tests inject one)."""
    settings = settings or desk.settings
    api = ApiContext(desk, settings)
    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline package (under
    # /static-offline-docs), where plain FastAPI loads them from a public CDN.
    app = FastAPIOffline(
        title="Newsdesk API",
        version=__version__,
        description="Grounded answers and briefings from news articles; every claim cites the exact passage it came from.",
    )
    app.state.api = api
    install_error_handlers(app)
    app.add_middleware(security.BodyLimitMiddleware, limit_for=_body_limits(settings))
    # Outermost: a foreign page's POST is refused before any body is read, on the API and the mounted web app alike.
    app.add_middleware(security.OriginGuardMiddleware, settings=settings)

    bearer = HTTPBearer(auto_error=False, description="NEWSDESK_API_TOKEN")

    def guard(request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
        api.guard(request)

    app.include_router(health.build(api))
    areas = [("/api", articles.build(api)), ("/api", questions.build(api)), ("/api", evaluation.build(api, evaluate)),
             ("/api", feeds.build(api)), ("/v1", openai_v1.build(api))]  # fmt: skip
    for prefix, router in areas:
        app.include_router(router, prefix=prefix, dependencies=[Depends(guard)], responses=ERRORS)
    _answer_unknown_routes(app, areas)
    _document_naive_datetimes(app)
    return app


def _body_limits(settings: Settings) -> Callable[[dict[str, Any]], int | None]:
    """limit_for(scope) for BodyLimitMiddleware: uploads may carry every file at its limit, JSON bodies much less."""
    json_limit = settings.api_max_json_bytes
    upload_limit = settings.max_file_bytes * settings.max_upload_files + MULTIPART_OVERHEAD_BYTES

    def limit_for(scope: dict[str, Any]) -> int | None:
        if not str(scope.get("path", "")).startswith(API_PREFIXES):
            return None  # the mounted web app has its own limits
        ctype = dict(scope.get("headers") or []).get(b"content-type", b"")
        return upload_limit if ctype.startswith(b"multipart/form-data") else json_limit

    return limit_for


def _answer_unknown_routes(app: FastAPI, areas: list[tuple[str, APIRouter]]) -> None:
    """Unknown /api and /v1 paths get the API's error shape, not the web app mounted at / behind them."""
    known = [(prefix, r) for prefix, router in areas for r in router.routes if isinstance(r, APIRoute)]

    @app.api_route("/api/{rest:path}", methods=ALL_METHODS, include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=ALL_METHODS, include_in_schema=False)
    def no_such_route(request: Request) -> None:
        path = request.url.path
        if any(path.startswith(prefix) and r.path_regex.match(path[len(prefix) :]) for prefix, r in known):
            raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path}")
        raise ApiError(404, "not_found", f"no route {path}")


def _document_naive_datetimes(app: FastAPI) -> None:
    """Generate the OpenAPI document once, with naive datetimes documented as such."""
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_naive_datetimes(generate_openapi())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
