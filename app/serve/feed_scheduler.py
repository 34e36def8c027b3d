"""`newsdesk serve` refreshes followed feeds when they are due, in one background thread (issue 16).

The thread fetches with no lock held and indexes under the API's write lock, so answers keep flowing; every wait is
bounded (the fetcher's own timeouts, the check interval, the join on shutdown).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.services import Newsdesk

log = logging.getLogger(__name__)

Write = Callable[[Callable[[], Any]], Any]

READY_POLL_SECONDS = 1.0  # how often the waiting scheduler checks for shutdown while the server warms up


class FeedScheduler:
    def __init__(
        self,
        desk: Newsdesk,
        *,
        write: Write,
        interval: float,
        stop_wait: float,
        ready: threading.Event | None = None,
    ) -> None:
        self.desk = desk
        self.ready = ready  # the server's warm-up: the first round waits for it (one thread loads the libraries)
        self.write = write
        self.interval = interval
        self.stop_wait = stop_wait
        self.rounds = 0  # completed checks (for tests and /healthz-style introspection)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="newsdesk-feeds", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.stop_wait)
            if self._thread.is_alive():
                log.warning("feed refresh still running at shutdown; left behind", extra={"wait": self.stop_wait})
            self._thread = None

    def run_once(self) -> None:
        """Refresh the feeds that are due; a failure is logged and the next round goes on."""
        try:
            for r in self.desk.feed_refresh(only_due=True, write=self.write):
                log.info("feed refresh", extra={"feed": r.url, "status": r.status, "error": r.error})
        except Exception:
            log.warning("feed refresh round failed", exc_info=True)
        self.rounds += 1

    def _run(self) -> None:
        while self.ready is not None and not self.ready.wait(READY_POLL_SECONDS):
            if self._stop.is_set():
                return
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)


def attach_feed_scheduler(app: FastAPI, desk: Newsdesk) -> FeedScheduler | None:
    """Run a FeedScheduler for the app's lifetime (its lifespan); None when settings.feed_check_seconds is 0."""
    settings = desk.settings
    if settings.feed_check_seconds <= 0:
        return None
    scheduler = FeedScheduler(
        desk,
        write=app.state.api.write,
        interval=settings.feed_check_seconds,
        stop_wait=settings.feed_stop_seconds,
        ready=getattr(app.state.api, "ready", None),
    )
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        scheduler.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            scheduler.stop()

    app.router.lifespan_context = lifespan
    app.state.feed_scheduler = scheduler
    return scheduler
