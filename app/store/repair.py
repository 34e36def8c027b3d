"""Crash recovery for the store: finish or drop an interrupted reindex, delete chunks whose article record was never
written (a write killed between its chunk upsert and its record upsert)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from app.store.records import article_of, batches

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from app.store.chroma import ChromaStore

log = logging.getLogger(__name__)

PAGE = 1000  # ids per Chroma call
REINDEX_SUFFIX = "_chunks_reindex"  # as app.store.chroma: the collection a reindex builds before the swap
SERVER_ORPHAN_GRACE_S = 600
"""Server mode: orphan chunks younger than this may belong to another client's write in progress."""


def repair(store: ChromaStore, grace: float | None = None) -> int:
    """Finish or drop an interrupted reindex, then delete chunks whose article has no record. Returns chunks deleted.

    `grace`: leave orphans younger than this many seconds (default: none in embedded mode, where the writer lock
    rules out a write in progress; 10 minutes in server mode, where another client may be mid-write).
    Embedded, the scan of every chunk id (seconds at 100,000 chunks) runs only when a write section did not end
    normally since the last scan (app.store.local_lock's unfinished-write marker) or an older index was never scanned.
    """
    if store._local is not None and grace is None and not store._local.needs_repair():
        return 0
    with store._writing() as section:
        section.changed = False
        names = store._collection_names()
        tmp = f"{store.settings.collection}{REINDEX_SUFFIX}"
        if tmp in names:
            section.changed = True
            col = store._io(store.client.get_collection, tmp, embedding_function=None)
            if (col.metadata or {}).get("complete") and store.chunks_name not in names:
                log.warning("finishing an interrupted reindex")
                store._io(col.modify, name=store.chunks_name)
                names.add(store.chunks_name)
            else:
                log.warning("dropping an unfinished reindex")
                store._io(store.client.delete_collection, tmp)
        if store.chunks_name not in names:
            if store._local is not None:
                store._local.repaired()
            return 0
        col = store._io(store.client.get_collection, store.chunks_name, embedding_function=None)
        committed = store.article_ids()
        orphans = [cid for page in store._ids(col) for cid in page if article_of(cid) not in committed]
        grace = (SERVER_ORPHAN_GRACE_S if store.server_mode else 0) if grace is None else grace
        if orphans and grace > 0:
            orphans = _stale(store, col, orphans, grace)
        for batch in batches(orphans, PAGE):
            section.changed = True
            store._io(col.delete, ids=list(batch))
        if orphans:
            log.warning("removed %d chunks of unfinished writes", len(orphans))
        if store._local is not None:
            store._local.repaired()
        return len(orphans)


def _stale(store: ChromaStore, col: Collection, orphans: list[str], grace: float) -> list[str]:
    """Orphans written longer ago than `grace` seconds (or of unknown age)."""
    cutoff = time.time() - grace
    stale: list[str] = []
    for batch in batches(orphans, PAGE):
        got = store._get(col, ids=list(batch), include=["metadatas"])
        stale += [i for i, m in zip(got.ids, got.metadatas, strict=True) if float(m.get("written_at", 0)) < cutoff]
    return stale
