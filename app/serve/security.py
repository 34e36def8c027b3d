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


def web_login_required(settings: Settings) -> bool:
    """The web app asks for a login whenever any credential is configured (or the bind is public): the one rule.

    Gradio's routes (/gradio_api/call/*, /gradio_api/upload, /gradio_api/file=, /config) then answer 401 without the
    login cookie, so the token that guards /api and /v1 guards the web app's API too."""
    return has_token(settings) or has_gradio_auth(settings) or not is_loopback(settings.host)


def web_login_ok(settings: Settings, username: str, password: str) -> bool:
    """The web app's login: NEWSDESK_AUTH_USER / NEWSDESK_AUTH_PASSWORD, or any user name with the API token as password."""
    if has_gradio_auth(settings):
        assert settings.auth_user and settings.auth_password
        user_ok = hmac.compare_digest(username.encode(), settings.auth_user.encode())
        pw_ok = hmac.compare_digest(password.encode(), settings.auth_password.get_secret_value().encode())
        if user_ok & pw_ok:
            return True
    if has_token(settings):
        assert settings.api_token is not None
        return hmac.compare_digest(password.encode(), settings.api_token.get_secret_value().encode())
    return False


def check_bind(settings: Settings, *, web: bool = False) -> None:
    """Refuse a non-loopback address unless every door it opens needs a credential.

    The API needs NEWSDESK_API_TOKEN or the web-app credentials; the web app (`web=True`) needs a login, which
    `web_login_required` grants whenever either is set, so no door stays open on a public address."""
    if is_loopback(settings.host):
        return
    api_closed = has_token(settings) or has_gradio_auth(settings)
    web_closed = not web or web_login_required(settings)
    if api_closed and web_closed:
        return
    raise UnsafeBindError(
        f"refusing to serve on {settings.host!r} without credentials: anyone who can reach it could read and change "
        "the index. Set NEWSDESK_API_TOKEN (and NEWSDESK_AUTH_USER / NEWSDESK_AUTH_PASSWORD for the web app), "
        "or bind to 127.0.0.1."
    )


def upload_path_ok(path: str | Path, upload_dir: str | Path) -> bool:
    """True when `path` (a FileData path a client sent) is a file inside gradio's upload directory, links resolved.

    Mounted on FastAPI, gradio does not check FileData paths itself: without this a client could name any server file."""
    try:
        resolved = Path(path).resolve(strict=True)
        root = Path(upload_dir).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return resolved.is_file() and resolved.is_relative_to(root)


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


# ---- cross-site requests ------------------------------------------------------------------
def same_origin(source: str, host: str) -> bool:
    """True when an Origin or Referer value names the host (and port) the request was sent to."""
    from urllib.parse import urlsplit

    try:
        netloc = urlsplit(source.strip()).netloc.lower()
    except ValueError:
        return False
    return bool(netloc) and netloc == host.strip().lower()


def cross_site_refusal(settings: Settings, method: str, path: str, headers: dict[bytes, bytes]) -> str | None:
    """Why a state-changing request from a foreign page is refused (None: let it through).

    A POST/PUT/PATCH/DELETE whose Origin (or, without one, Referer) names another site is refused unless it carries
    the credential (a browser on another site cannot add an Authorization header without a CORS preflight)."""
    if method.upper() not in WRITE_METHODS or path.rstrip("/") in READ_ONLY_POSTS:
        return None
    source = headers.get(b"origin") or headers.get(b"referer")
    if source is None:
        return None  # not sent by a browser page (curl, SDKs): the token rules decide
    value = source.decode("latin-1")
    if same_origin(value, headers.get(b"host", b"").decode("latin-1")):
        return None
    auth = headers.get(b"authorization")
    if auth is not None and credential_ok(settings, auth.decode("latin-1")):
        return None
    return f"cross-site {method.upper()} from {value[:200]!r} refused; send the request from this site or with the API token"


class OriginGuardMiddleware:
    """403 for state-changing requests from foreign pages, on every route (the API and the mounted web app)."""

    def __init__(self, app: Any, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            why = cross_site_refusal(self.settings, scope.get("method", "GET"), scope.get("path", ""), headers)
            if why is not None:
                await _drain(receive)
                await _send_error(send, 403, "forbidden", why)
                return
        await self.app(scope, receive, send)
