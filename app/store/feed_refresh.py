"""Refresh a followed feed: conditional GET, new items only, into the index; the outcome stored with the subscription.

A feed that fails (timeout, HTTP error, not a feed) changes nothing but its error line; a 304 costs one request and
ingests nothing. Issue 16.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.ingest.feed_pull import pull_feed
from app.ingest.formats import LoadError
from app.models import FeedRefresh, FeedSubscription
from app.settings import Settings
from app.store.feeds import FeedStore
from app.store.ingest import Ingestor

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[Callable[[], Any]], Any]
"""write(fn) -> fn(): runs an index write, e.g. under a server's write lock."""


def _direct(fn: Callable[[], T]) -> T:
    return fn()


def refresh_feed(
    url: str, feeds: FeedStore, ingestor: Ingestor, settings: Settings, *, write: Write = _direct
) -> FeedRefresh:
    """One refresh of the subscription `url`. The feed and its pages are fetched first, with no lock held; only the
    indexing runs inside `write` (a server's write lock), so answers are not held up by slow feed servers."""
    t0 = time.perf_counter()
    sub = feeds.get(url) or FeedSubscription(url=url)
    try:
        pull = pull_feed(url, settings, etag=sub.etag, last_modified=sub.last_modified, seen=set(sub.seen))
    except Exception as e:
        message = e.message if isinstance(e, LoadError) else f"unexpected error: {type(e).__name__}: {e}"
        if not isinstance(e, LoadError):
            log.warning("feed refresh failed", exc_info=True, extra={"feed": url})

        def failed(s: FeedSubscription) -> None:
            s.last_refresh, s.last_status, s.last_error, s.last_added = datetime.now(UTC), "error", message, 0

        feeds.update(url, failed)
        return FeedRefresh(url=url, status="error", error=message, requests=1, seconds=time.perf_counter() - t0)
    if pull.not_modified:

        def unchanged(s: FeedSubscription) -> None:
            s.last_refresh, s.last_status, s.last_error, s.last_added = datetime.now(UTC), "not-modified", None, 0

        feeds.update(url, unchanged)
        return FeedRefresh(url=url, status="not-modified", requests=1, seconds=time.perf_counter() - t0)
    report = write(lambda: ingestor.ingest_results(pull.results))
    failed_labels = {e.input for e in report.errors}
    done = [guid for guid, label in pull.guids if label not in failed_labels]  # a failed item is tried again

    def refreshed(s: FeedSubscription) -> None:
        s.last_refresh, s.last_status, s.last_error = datetime.now(UTC), "ok", None
        s.last_added = len(report.added) + len(report.replaced)
        s.etag, s.last_modified = pull.etag, pull.last_modified
        s.title = pull.title or s.title
        s.seen = [*s.seen, *(g for g in done if g not in s.seen)]

    feeds.update(url, refreshed)
    log.info("feed refreshed", extra={"feed": url, "added": len(report.added), "requests": pull.requests})
    return FeedRefresh(
        url=url,
        status="ok",
        requests=pull.requests,
        already_seen=pull.already_seen,
        report=report,
        seconds=time.perf_counter() - t0,
    )


def is_due(sub: FeedSubscription, now: datetime) -> bool:
    if sub.last_refresh is None:
        return True
    last = sub.last_refresh if sub.last_refresh.tzinfo else sub.last_refresh.replace(tzinfo=UTC)
    return (now - last).total_seconds() >= sub.every_seconds
