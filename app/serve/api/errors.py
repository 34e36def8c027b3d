"""The API's one error shape: ApiError, the status of expected failures, handlers and a last-resort middleware."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import NewsdeskError
from app.serve.api.schemas import ErrorResponse

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with its HTTP status and stable type; rendered as {"error": {type, message, status}}."""

    def __init__(self, status: int, type_: str, message: str) -> None:
        super().__init__(message)
        self.status, self.type, self.message = status, type_, message


_STATUS_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "unavailable",
}


def error_response(status: int, type_: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse.model_validate({"error": {"type": type_, "message": message, "status": status}})
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


_UNAVAILABLE = ("StoreUnavailable", "IndexMismatchError", "EngineUnavailable")


def _is_load_error(exc: BaseException) -> bool:
    formats = sys.modules.get("app.ingest.formats")  # not imported means it cannot have raised
    return formats is not None and isinstance(exc, formats.LoadError)


def classify(exc: BaseException) -> ApiError | None:
    """The HTTP status of an expected Newsdesk failure (None: unexpected, a 500)."""
    if isinstance(exc, ApiError):
        return exc
    name, message = type(exc).__name__, str(exc)
    if name in _UNAVAILABLE:
        return ApiError(503, "unavailable", message)
    if not (isinstance(exc, NewsdeskError) or _is_load_error(exc)):
        return None
    status = getattr(exc, "status", None)  # an error may carry its own status (e.g. 413, 415)
    if isinstance(status, int) and 400 <= status < 500:
        return ApiError(status, _STATUS_TYPES.get(status, "bad_request"), message)
    detail = str(getattr(exc, "message", message)).lower()
    if "toolarge" in name.lower() or "too large" in detail or re.search(r"\bover the\b.*\blimit\b", detail):
        return ApiError(413, "payload_too_large", message)
    if "unsupported" in name.lower() or detail.startswith("unsupported"):
        return ApiError(415, "unsupported_media_type", message)
    return ApiError(400, "bad_input", message)


MAX_SHOWN_VALIDATION_ERRORS = 5
"""Problems listed in one 422 message; a body wrong everywhere would otherwise give a message as long as itself."""


def _validation_message(errors: list[Any]) -> tuple[int, str, str]:
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "bad_request", "the request body is not valid JSON"
    parts = []
    for e in errors[:MAX_SHOWN_VALIDATION_ERRORS]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    hidden = len(errors) - MAX_SHOWN_VALIDATION_ERRORS
    more = f" (and {hidden} more)" if hidden > 0 else ""
    return 422, "invalid_request", "; ".join(parts) + more


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.type, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(*_validation_message(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        message = str(exc.detail) if isinstance(exc.detail, str) else _STATUS_TYPES.get(status, "error")
        if status == 400 and message.startswith("Too many files"):
            status = 413
        return error_response(status, _STATUS_TYPES.get(status, "error"), message, getattr(exc, "headers", None))

    async def _expected(request: Request, exc: Exception) -> JSONResponse:
        known = classify(exc) or ApiError(400, "bad_input", str(exc))
        return error_response(known.status, known.type, known.message)

    from app.ingest.formats import LoadError

    app.add_exception_handler(NewsdeskError, _expected)
    app.add_exception_handler(LoadError, _expected)
    app.add_middleware(UnexpectedErrorMiddleware)


ERROR_REF_HEX_CHARS = 12
"""A 500's reference: enough to find its log line, too short to be mistaken for a secret."""


def internal_error(exc: BaseException, where: str) -> ApiError:
    ref = uuid.uuid4().hex[:ERROR_REF_HEX_CHARS]
    log.error("unhandled error on %s (ref %s)", where, ref, exc_info=exc)
    return ApiError(500, "internal_error", f"internal error; the server log has the details (ref {ref})")


class UnexpectedErrorMiddleware:
    """Turn any exception that escaped the handlers into a 500 JSON error, logging the traceback server-side only.

    Unlike an `Exception` handler (which Starlette re-raises after responding, dropping the connection), this
    answers and keeps the connection usable.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            known = classify(exc) or internal_error(exc, f"{scope.get('method')} {scope.get('path')}")
            if started:  # too late for a status code; the client sees a truncated response
                log.warning("error after the response started on %s: %s", scope.get("path"), known.message)
                return
            response = error_response(known.status, known.type, known.message)
            await response(scope, receive, send)


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": _STATUS_TYPES[code]} for code in (400, 401, 403, 413, 415, 422, 503)
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "not_found"}}


def stream_error(exc: Exception) -> str:
    """The JSON of an error event sent inside an event stream (the status line has already gone)."""
    known = classify(exc) or internal_error(exc, "a stream")
    return json.dumps({"error": {"type": known.type, "message": known.message, "status": known.status}})
