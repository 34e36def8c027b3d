"""Feed subscriptions, kept beside the index in `feeds.json` (atomic writes; read-modify-writes under a file lock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.models import FeedSubscription
from app.store.jsonfile import locked, read_json, write_json

FILE_NAME = "feeds.json"
MAX_SEEN = 2000
"""Item guids remembered per feed: far above any feed's length, so a still-listed item is never fetched twice."""


class FeedStore:
    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME

    def all(self) -> list[FeedSubscription]:
        return [FeedSubscription.model_validate(d) for d in read_json(self.path, [])]

    def get(self, url: str) -> FeedSubscription | None:
        return next((s for s in self.all() if s.url == url), None)

    def add(self, url: str, every_seconds: int) -> FeedSubscription:
        """Subscribe (or change the interval of an existing subscription)."""
        with locked(self.path):
            subs = self.all()
            for s in subs:
                if s.url == url:
                    s.every_seconds = every_seconds
                    self._save(subs)
                    return s
            sub = FeedSubscription(url=url, every_seconds=every_seconds, added_at=datetime.now(UTC))
            self._save([*subs, sub])
            return sub

    def remove(self, url: str) -> bool:
        with locked(self.path):
            subs = self.all()
            kept = [s for s in subs if s.url != url]
            if len(kept) == len(subs):
                return False
            self._save(kept)
            return True

    def update(self, url: str, change: Callable[[FeedSubscription], None]) -> FeedSubscription | None:
        """Apply `change` to the stored subscription (read-modify-write under the lock); None if it was removed."""
        with locked(self.path):
            subs = self.all()
            for s in subs:
                if s.url == url:
                    change(s)
                    s.seen = s.seen[-MAX_SEEN:]
                    self._save(subs)
                    return s
            return None

    def _save(self, subs: list[FeedSubscription]) -> None:
        write_json(self.path, [s.model_dump(mode="json") for s in subs])
