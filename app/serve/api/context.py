"""What every API route shares: the Newsdesk, its settings, the index lock, the auth check and backend checks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request

from app.serve import security
from app.serve.api.errors import ApiError
from app.serve.api.locks import ReadWriteLock
from app.settings import Settings

if TYPE_CHECKING:
    from app.services import Newsdesk

T = TypeVar("T")


class ApiContext:
    """One Newsdesk behind the API, with the locks that keep concurrent requests apart."""

    def __init__(self, desk: Newsdesk, settings: Settings) -> None:
        self.desk = desk
        self.settings = settings
        self.lock = ReadWriteLock()
        self._eval_lock = threading.Lock()
        self._backend_lock = threading.Lock()
        self.ready = threading.Event()  # cleared while `serve` warms the models up in the background (issue 18)
        self.ready.set()

    def guard(self, request: Request) -> None:
        """401 unless the request carries the credential its route and the bind address need."""
        rule = security.access_rule(self.settings, request.method, request.url.path)
        if rule.required and not security.credential_ok(self.settings, request.headers.get("authorization")):
            raise ApiError(
                401,
                "unauthorized",
                f"a valid API token is required ({rule.reason}); send 'Authorization: Bearer <NEWSDESK_API_TOKEN>'",
            )

    def read(self, fn: Callable[[], T]) -> T:
        with self.lock.read():
            return fn()

    def write(self, fn: Callable[[], T]) -> T:
        with self.lock.write():
            return fn()

    def backend(self, name: str | None, *, openai: bool = False) -> str | None:
        """An explicitly requested backend this server cannot build is the caller's error (400, or 404 for an
        OpenAI model), not an outage; an unavailable default backend stays a 503 (the server is misconfigured)."""
        if name is None or name == self.settings.backend:
            return name
        from app.answer.engines import EngineUnavailable

        with self._backend_lock:  # built once, not by every thread that asks at the same time
            try:
                self.desk.engine(name)
            except EngineUnavailable as exc:
                if openai:
                    raise ApiError(
                        404, "model_not_found", f"model 'newsdesk/{name}' is not available here: {exc}"
                    ) from None
                raise ApiError(400, "backend_unavailable", str(exc)) from None
        return name

    @contextmanager
    def one_evaluation(self) -> Iterator[None]:
        """An evaluation runs alone: a second one is refused (503) rather than queued behind a long run."""
        if not self._eval_lock.acquire(blocking=False):
            raise ApiError(503, "unavailable", "an evaluation is already running; try again when it ends")
        try:
            yield
        finally:
            self._eval_lock.release()
