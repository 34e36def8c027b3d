"""Which Host headers the server answers: a page that DNS-rebinds its own name to 127.0.0.1 gets a 400 (trial 16, D8).

Without this a site at rebind.example could point its name at 127.0.0.1 and, being "same origin" with itself, read the
library and add or delete articles on a loopback server that has no credential. The check is Starlette's
TrustedHostMiddleware, outermost on the app `newsdesk serve` runs, so /api, /v1, /healthz, the web app and every
gradio route and asset share it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import NewsdeskError
from app.serve.security import is_loopback
from app.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
"""What a browser on this machine sends for a loopback server (the port is not compared)."""


def _host_name(entry: str) -> str:
    """'News.Example.org:443' -> 'news.example.org'; '::1' / '[::1]:80' -> '[::1]' (the form Host headers use)."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        return entry.split("]", 1)[0] + "]"
    if entry.count(":") > 1:  # a bare IPv6 address
        return f"[{entry}]"
    return entry.split(":", 1)[0]


def allowed_hosts(settings: Settings) -> list[str]:
    """Host names to answer: the loopback names, the bind address and NEWSDESK_ALLOWED_HOSTS.

    On a public bind with no list set, any name (["*"]): such a server needs a credential on every door anyway
    (security.check_bind), and only the deployment knows the names it is reached by."""
    extra = [_host_name(h) for h in settings.allowed_hosts if h.strip()]
    if "*" in extra or (not extra and not is_loopback(settings.host)):
        return ["*"]
    for pattern in extra:
        if "*" in pattern and not (pattern.startswith("*.") and "*" not in pattern[1:]):
            raise NewsdeskError(f"NEWSDESK_ALLOWED_HOSTS: {pattern!r} — a wildcard must be like '*.example.com'")
    bind = [_host_name(settings.host)] if is_loopback(settings.host) else []  # 127.0.0.2 is reached by that name
    names = [*LOOPBACK_NAMES, *bind, *extra]
    return list(dict.fromkeys(n for n in names if n))


def add_host_check(app: FastAPI, settings: Settings) -> None:
    """Refuse (400) a request whose Host header is not an allowed name; call last, so it runs first."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings), www_redirect=False)
