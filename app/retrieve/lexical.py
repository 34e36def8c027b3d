"""BM25 over every chunk in the store (bm25s, English stemming and stopwords), kept consistent with the store.

The index is keyed by `store.fingerprint()`: it is rebuilt lazily when the set of articles changes (in this or
another process, or across restarts). In embedded mode it is cached on disk under `<index_dir>/lexical/<fingerprint>/`;
in server mode it lives in memory only (the index folder is not where the data is).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import Stemmer

from app.process import modules_stood_in
from app.settings import Settings

# bm25s imports scipy.sparse when it is installed (0.09 s of a cold `ask`) for its "scipy" CSC backend only; the index
# is built with its default "numpy" backend, so scipy is hidden while bm25s loads (issue 18).
with modules_stood_in({"scipy.sparse": None}):
    import bm25s

if TYPE_CHECKING:
    from app.store.chroma import ChromaStore

log = logging.getLogger(__name__)

_IDS_FILE = "chunk_ids.json"


class Bm25Tokenizer:
    """Lowercase words, English stopwords removed, Snowball-stemmed: the same for chunks and queries."""

    def __init__(self) -> None:
        self.stemmer = Stemmer.Stemmer("english")

    def __call__(self, texts: list[str]) -> list[list[str]]:
        return bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)


class LexicalIndex:
    """Lexical (BM25) search over the store's chunks; `search` refreshes the index when the store changed."""

    def __init__(self, store: ChromaStore, settings: Settings, cache_dir: Path | None = None) -> None:
        self.store = store
        self.cache_dir = None if store.server_mode else (cache_dir or Path(settings.index_dir) / "lexical")
        self.tokenize = Bm25Tokenizer()
        self.fingerprint: str | None = None
        self.origin = ""  # "built" or "loaded" (from the disk cache): how the current index came to be
        self._bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    # ---- building / loading ----------------------------------------------------
    def refresh(self) -> bool:
        """Bring the index up to date with the store; True when it was (re)built or loaded."""
        fp = self.store.fingerprint()
        if fp == self.fingerprint:
            return False
        with self._lock:
            if fp == self.fingerprint:
                return False
            if not self._load(fp):
                self._build(fp)
            return True

    def _set(self, fp: str, bm25: bm25s.BM25 | None, ids: list[str]) -> None:
        self._bm25, self._ids = bm25, ids
        self._pos = {cid: i for i, cid in enumerate(ids)}
        self.fingerprint = fp

    def _load(self, fp: str) -> bool:
        folder = self.cache_dir / fp if self.cache_dir else None
        if folder is None or not (folder / _IDS_FILE).is_file():
            return False
        try:
            ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
            bm25 = bm25s.BM25.load(str(folder), show_progress=False) if ids else None
        except (OSError, ValueError) as e:
            log.warning("lexical index cache %s unreadable (%s); rebuilding", folder, e)
            return False
        self._set(fp, bm25, ids)
        self.origin = "loaded"
        log.info("lexical index loaded", extra={"chunks": len(ids), "fingerprint": fp})
        return True

    def _build(self, fp: str) -> None:
        ids: list[str] = []
        tokens: list[list[str]] = []
        for batch_ids, texts in self.store.iter_chunks():
            ids += batch_ids
            tokens += self.tokenize(texts)
        bm25: bm25s.BM25 | None = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        # The store may have moved on while we read it: then label the index with the old fingerprint (so the next
        # search rebuilds) and do not cache it on disk under a name that does not describe it.
        after = self.store.fingerprint()
        self._set(fp, bm25, ids)
        self.origin = "built"
        log.info("lexical index built", extra={"chunks": len(ids), "fingerprint": fp})
        if after == fp and self.cache_dir is not None:
            self._save(fp)

    def _save(self, fp: str) -> None:
        assert self.cache_dir is not None
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_dir / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            if self._bm25 is not None:
                self._bm25.save(str(tmp), show_progress=False)
            (tmp / _IDS_FILE).write_text(json.dumps(self._ids), encoding="utf-8")
            os.replace(tmp, self.cache_dir / fp)  # atomic; fails if another process saved the same index first
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not (self.cache_dir / fp).is_dir():
                raise
        for old in self.cache_dir.iterdir():
            if old.name != fp and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)

    # ---- searching -------------------------------------------------------------
    def search(self, query: str, k: int, allowed_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, bm25 score) with score > 0, only among `allowed_ids` when given."""
        self.refresh()
        bm25, ids, pos = self._bm25, self._ids, self._pos  # one consistent snapshot
        if bm25 is None or k <= 0:
            return []
        query_tokens = self.tokenize([query])
        if not query_tokens[0]:
            return []
        mask = None
        if allowed_ids is not None:
            mask = np.zeros(len(ids), dtype=np.float32)
            hits = [pos[c] for c in allowed_ids if c in pos]
            if not hits:
                return []
            mask[hits] = 1.0
        docs, scores = bm25.retrieve(query_tokens, k=min(k, len(ids)), show_progress=False, weight_mask=mask)
        return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
