"""Who may call the API and what may be uploaded: bind-address rules, token checks, upload names, body limits."""

from __future__ import annotations

import base64
import hmac
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from app.errors import NewsdeskError
from app.settings import Settings

UPLOAD_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".jsonl"})
"""File types POST /api/articles and the web app accept (what Newsdesk.read_upload parses)."""

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_ONLY_POSTS = frozenset({"/api/search", "/api/ask", "/api/brief", "/v1/chat/completions"})
"""POST routes that only read the index: a token guards them only on a non-loopback bind."""


class UnsafeBindError(NewsdeskError):
    """Serving on a public address without any credential."""


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1; False for 0.0.0.0, :: and every other address or name."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def has_gradio_auth(settings: Settings) -> bool:
    return bool(settings.auth_user and settings.auth_password and settings.auth_password.get_secret_value())


def has_token(settings: Settings) -> bool:
    return bool(settings.api_token and settings.api_token.get_secret_value())


def check_bind(settings: Settings) -> None:
    """Refuse to serve a non-loopback address unless an API token or web-app credentials are configured."""
    if is_loopback(settings.host) or has_token(settings) or has_gradio_auth(settings):
        return
    raise UnsafeBindError(
        f"refusing to serve on {settings.host!r} without credentials: anyone who can reach it could read and change "
        "the index. Set NEWSDESK_API_TOKEN (and NEWSDESK_AUTH_USER / NEWSDESK_AUTH_PASSWORD for the web app), "
        "or bind to 127.0.0.1."
    )


@dataclass(frozen=True)
class AccessRule:
    """The outcome of `access_rule`: whether a credential is needed for one request."""

    required: bool
    reason: str = ""


def access_rule(settings: Settings, method: str, path: str) -> AccessRule:
    """Writes need the token once it is set; on a non-loopback bind everything but /healthz needs a credential."""
    method = method.upper()
    if path == "/healthz" or method == "OPTIONS":
        return AccessRule(False)
    if not is_loopback(settings.host):
        return AccessRule(True, f"the server is bound to {settings.host}")
    is_write = method in WRITE_METHODS and path.rstrip("/") not in READ_ONLY_POSTS
    if is_write and has_token(settings):
        return AccessRule(True, "writes need the API token")
    return AccessRule(False)


def credential_ok(settings: Settings, authorization: str | None) -> bool:
    """Bearer NEWSDESK_API_TOKEN, or HTTP Basic with the web-app credentials (constant-time comparisons)."""
    if not authorization:
        return False
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and has_token(settings):
        assert settings.api_token is not None
        return hmac.compare_digest(value.encode(), settings.api_token.get_secret_value().encode())
    if scheme.lower() == "basic" and has_gradio_auth(settings):
        assert settings.auth_user and settings.auth_password
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        expected_pw = settings.auth_password.get_secret_value()
        return hmac.compare_digest(user.encode(), settings.auth_user.encode()) & hmac.compare_digest(
            password.encode(), expected_pw.encode()
        )
    return False


# ---- uploads ----------------------------------------------------------------
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_FILENAME_CHARS = 120
"""Long enough for real article names, short enough for any file system, error message or log line."""


def safe_filename(filename: str | None, *, max_len: int = MAX_FILENAME_CHARS) -> str:
    """A plain file name from an untrusted one: last path part only, no control chars, separators or leading dots."""
    name = filename or ""
    # Both separators: a Windows client sends C:\\Users\\x\\a.txt, a hostile one ../../a.txt.
    name = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", name).strip(" ._")
    name = re.sub(r"\s+", " ", name)
    if not name:
        name = "upload"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 10:
        return f"{stem[: max_len - len(suffix) - 1]}.{suffix}" if stem else f"upload.{suffix}"
    return name[:max_len]


def upload_suffix_ok(filename: str) -> bool:
    return Path(filename).suffix.lower() in UPLOAD_SUFFIXES


# ---- request bodies -----------------------------------------------------------
_DRAIN_CAP = 256 * 1024 * 1024
"""Read (and drop) at most this much of a rejected body so the client can read the 413 instead of a reset."""


class BodyLimitMiddleware:
    """413 for bodies over a per-request limit, by Content-Length first and by counting streamed bytes.

    `limit_for(scope) -> int | None` gives the limit for one request (None: no limit).
    """

    def __init__(self, app: Any, *, limit_for: Any) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_error(send, 400, "bad_request", "Content-Length is not a number")
                return
            if declared > limit:
                await _drain(receive)
                await _send_error(
                    send, 413, "payload_too_large", f"request body of {declared} bytes is over the {limit}-byte limit"
                )
                return
        seen = 0
        rejected = False

        async def limited_receive() -> Any:
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    rejected = True
                    if message.get("more_body"):
                        await _drain(receive)
                    await _send_error(send, 413, "payload_too_large", f"request body is over the {limit}-byte limit")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not rejected:
                raise
            # The app saw a disconnect after we answered 413; whatever it raised is moot.


async def _drain(receive: Any) -> None:
    drained = 0
    while drained < _DRAIN_CAP:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body"):
            return


async def _send_error(send: Any, status: int, type_: str, message: str) -> None:
    import json

    body = json.dumps({"error": {"type": type_, "message": message, "status": status}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
