"""Embedded Chroma shared safely between processes (e.g. `newsdesk serve` running while `newsdesk ingest` writes).

Chroma's PersistentClient is not process-safe: another process's writes reach `get()` (SQLite) but not `query()`
(the HNSW index this process holds in memory), and two writers can corrupt the HNSW files
(https://github.com/chroma-core/chroma/issues/3792, https://cookbook.chromadb.dev/core/system_constraints/).
So, per index folder and process, there is one client; writers take the folder's file lock and leave a marker
naming their process; before each operation a store compares the marker and, when another process wrote, the
client is reopened (under the same lock, so it never loads half-written files).

The lock is `filelock.FileLock` (fcntl on Unix, msvcrt on Windows), so the store imports on every platform. Reopens
take it exclusively too: they are rare (only after another process wrote) and short, so readers sharing it would gain
little.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from filelock import FileLock

from app.store.client import persistent_client

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

log = logging.getLogger(__name__)

_LOCK_FILE = ".write.lock"
_MARKER_FILE = ".last_writer"
_DIRTY_FILE = ".write_unfinished"
"""Exists from the start of a write section until it ends normally: a crash (or a failed write) leaves it behind."""
_CHECKED_FILE = ".repair_checked"
"""Written after the first full repair scan: indexes from before the dirty marker existed get scanned once."""


@dataclass
class WriteSection:
    epoch: int
    changed: bool = True  # set False when nothing was written: other processes then need not reopen


class LocalIndex:
    """The process's PersistentClient for one folder, its writer lock and its view of who wrote last."""

    _open: ClassVar[dict[str, LocalIndex]] = {}
    _open_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def for_path(cls, path: Path) -> LocalIndex:
        key = str(Path(path).resolve())
        with cls._open_lock:
            local = cls._open.get(key)
            if local is None or local.pid != os.getpid():  # a forked child opens its own
                local = cls._open[key] = LocalIndex(Path(key))
            return local

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.pid = os.getpid()
        self.token = f"{self.pid}-{uuid.uuid4().hex}"
        self.epoch = 0  # bumped on every reopen; stores refetch their collections when it changes
        self._rlock = threading.RLock()
        self._depth = 0
        self._written = 0
        self._failed = False
        self._file_lock = FileLock(self.path / _LOCK_FILE)
        with self._locked():
            self._seen = self._read_marker()
            self.client = self._new_client()

    def _new_client(self) -> ClientAPI:
        return persistent_client(self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The folder's cross-process lock (waits for it; a crashed holder's lock is freed by the OS)."""
        with self._file_lock:
            yield

    def _read_marker(self) -> str:
        try:
            return (self.path / _MARKER_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def sync(self) -> int:
        """Reopen the client if another process wrote since we last looked; returns the current epoch."""
        with self._rlock:
            if self._depth:  # inside our own write section the view is current
                return self.epoch
            if self._foreign_write():
                with self._locked():
                    self._reopen()
            return self.epoch

    def version(self) -> str | None:
        """The last write's marker as of the last sync (changes with every write by any process); None inside this
        process's own write section, where the data is ahead of the marker."""
        with self._rlock:
            return None if self._depth else self._seen

    def _foreign_write(self) -> bool:
        marker = self._read_marker()
        if marker == self._seen or marker.startswith(self.token):
            self._seen = marker
            return False
        return True

    def _reopen(self) -> None:
        log.info("index changed by another process; reopening", extra={"path": str(self.path)})
        self.client.close()  # type: ignore[attr-defined]
        self.client = self._new_client()
        self._seen = self._read_marker()
        self.epoch += 1

    @contextmanager
    def writing(self) -> Iterator[WriteSection]:
        """Exclusive (cross-process, re-entrant) write section; marks the write for other processes at the end."""
        with self._rlock:
            if self._depth:  # nested: the outermost section holds the lock and marks the write
                self._depth += 1
                try:
                    yield WriteSection(self.epoch)
                finally:
                    self._depth -= 1
                return
            with self._locked():
                if self._foreign_write():  # checked under the lock: nobody can write between this and our write
                    self._reopen()
                section = WriteSection(self.epoch)
                self._depth = 1
                dirty = self.path / _DIRTY_FILE
                dirty.touch()
                try:
                    yield section
                except BaseException:
                    self._failed = True  # may have left orphan chunks: the marker stays until a repair scan
                    raise
                else:
                    if not self._failed:
                        dirty.unlink(missing_ok=True)
                finally:
                    self._depth = 0
                    if section.changed:
                        self._mark()

    def needs_repair(self) -> bool:
        """Whether a write may have been interrupted since the index was last checked (so a repair scan is due)."""
        return (self.path / _DIRTY_FILE).exists() or not (self.path / _CHECKED_FILE).exists()

    def repaired(self) -> None:
        """Record that a full repair scan left the index consistent (call inside the scan's write section)."""
        self._failed = False
        (self.path / _CHECKED_FILE).touch()

    def _mark(self) -> None:
        self._written += 1
        marker = f"{self.token} {self._written}"
        tmp = self.path / f"{_MARKER_FILE}.{self.token}"
        tmp.write_text(marker, encoding="utf-8")
        os.replace(tmp, self.path / _MARKER_FILE)
        self._seen = marker
