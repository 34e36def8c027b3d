"""The Chroma store: a chunks collection (vectors) and an articles collection (one record per article).

Crash safety comes from write order. An article's chunks are written first and its record last: the record is
the commit marker. Readers only see articles that have a record, and `repair()` (run on open, ids only) deletes
chunks left behind by an interrupted write. Removal un-commits first (record), then deletes the chunks. A batch of
articles (`add_articles`) keeps the order as a whole: all chunks first, then all records in one upsert.
Chunk ids are `{article_id}:{n}`, so an id alone names its article.

Embedded mode shares the folder safely between processes through app.store.local_lock (writer lock, reopen after
another process wrote). In server mode calls are retried while the server restarts, and `repair()` leaves
orphan chunks younger than a grace period alone (another client may be writing that article right now).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import httpx

from app.errors import NewsdeskError
from app.models import Article, ArticleInfo, Chunk, Passage, SearchFilters
from app.settings import Settings
from app.store.catalogue import Catalogue, Record
from app.store.client import ARTICLES_HNSW, ARTICLES_SYNC_THRESHOLD, is_http, make_client, open_chunks, open_vectors
from app.store.embeddings import embed_chunk_list
from app.store.local_lock import LocalIndex, WriteSection
from app.store.records import (
    Rows,
    article_from_record,
    article_metadata,
    article_of,
    batches,
    chunk_metadata,
    chunk_where,
    distinct_vectors,
    epoch,
    info_from_metadata,
    passage_from_chunk,
)
from app.store.repair import PAGE, REINDEX_SUFFIX

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma  # built only when its own API is used (`vectors`), see client.open_vectors
    from langchain_core.embeddings import Embeddings

__all__ = ["ChromaStore", "IndexMismatchError", "StoreUnavailable", "article_of", "chunk_where", "epoch", "make_client"]

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
Progress = Callable[[int, int, str], None]
Item = tuple[Article, Sequence[Chunk], Sequence[Sequence[float]] | None]
"""An article to write, its chunks and their vectors (None: embedded by the store)."""
_Row = tuple[Article, Sequence[Chunk], Sequence[Sequence[float]]]


class IndexMismatchError(NewsdeskError):
    """The index was built with another embedding model than the current settings use."""


class StoreUnavailable(NewsdeskError):
    """The Chroma server cannot be reached."""


def _reads(fn: Callable[Concatenate[ChromaStore, P], R]) -> Callable[Concatenate[ChromaStore, P], R]:
    """Bring the store's view up to date (another process may have written) before a read."""

    @functools.wraps(fn)
    def wrapper(self: ChromaStore, *args: P.args, **kwargs: P.kwargs) -> R:
        self._sync()
        return fn(self, *args, **kwargs)

    return wrapper


def _writes(fn: Callable[Concatenate[ChromaStore, P], R]) -> Callable[Concatenate[ChromaStore, P], R]:
    """Run a write inside the (cross-process) write section."""

    @functools.wraps(fn)
    def wrapper(self: ChromaStore, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._writing():
            return fn(self, *args, **kwargs)

    return wrapper


# ---- the store -------------------------------------------------------------------


class ChromaStore:
    """Articles and their chunks in Chroma (embedded or server), written crash-safely."""

    def __init__(self, settings: Settings, embeddings: Embeddings, client: ClientAPI | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.server_mode = is_http(client) if client is not None else bool(settings.chroma_url)
        # Embedded and not injected: the process-wide client for the folder, kept in step with other processes.
        self._local = LocalIndex.for_path(settings.index_dir) if client is None and not self.server_mode else None
        self._client = client if client is not None or self._local else self._io(make_client, settings)
        self._epoch = self._local.epoch if self._local else 0
        self.chunks_name = f"{settings.collection}_chunks"
        self.articles_name = f"{settings.collection}_articles"
        self._articles: Collection | None = None
        self._vectors: Chroma | None = None
        self._chunks: Collection | None = None
        self._signature: dict[str, Any] | None = None
        self._ids_cache: tuple[tuple[int, str], frozenset[str]] | None = None
        self._fingerprint_cache: tuple[tuple[int, str], str] | None = None
        self.repaired = self.repair()

    @property
    def client(self) -> ClientAPI:
        client = self._local.client if self._local else self._client
        if client is None:  # __init__ always sets one of the two
            raise StoreUnavailable("the store has no Chroma client")
        return client

    def _sync(self) -> None:
        if self._local is not None:
            self._follow(self._local.sync())

    def _follow(self, epoch: int) -> None:
        """The client was reopened: collection handles of the old one are stale."""
        if epoch != self._epoch:
            self._articles, self._vectors, self._chunks, self._epoch = None, None, None, epoch

    @contextmanager
    def _writing(self) -> Iterator[WriteSection]:
        if self._local is None:
            yield WriteSection(0)
            return
        with self._local.writing() as section:
            self._follow(section.epoch)
            yield section

    # ---- plumbing ------------------------------------------------------------
    def _io(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one Chroma call; in server mode retry briefly while the server is unreachable (restarts)."""
        if not self.server_mode:
            return fn(*args, **kwargs)
        delay, deadline = 0.2, time.monotonic() + self.settings.chroma_retry_seconds
        while True:
            try:
                return fn(*args, **kwargs)
            except (httpx.TransportError, ConnectionError) as e:
                if time.monotonic() > deadline:
                    raise StoreUnavailable(f"Chroma server {self.settings.chroma_url or ''} unreachable: {e}") from e
                log.info("chroma server unreachable, retrying", extra={"error": str(e)})
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    @property
    def articles(self) -> Collection:
        if self._articles is None:
            self._articles = self._io(
                self.client.get_or_create_collection,
                self.articles_name,
                embedding_function=None,
                configuration={"hnsw": dict(ARTICLES_HNSW)},
            )
        return self._articles

    def _tune_articles(self) -> None:
        """Lower the sync_threshold of an articles collection created before it was set (call inside a write).
        Chroma applies it from the next time the index is opened."""
        hnsw = (self.articles.configuration or {}).get("hnsw") or {}
        if int(hnsw.get("sync_threshold") or 0) > ARTICLES_SYNC_THRESHOLD:
            self._io(self.articles.modify, configuration={"hnsw": dict(ARTICLES_HNSW)})

    def signature(self) -> dict[str, Any]:
        """What the current settings embed with (provider, model, dim); the dim probe runs once."""
        if self._signature is None:
            from app.store.embeddings import embedding_signature

            self._signature = embedding_signature(self.settings, self.embeddings)
        return self._signature

    def _collection_metadata(self) -> dict[str, Any]:
        sig = self.signature()
        return {
            "embedding_provider": sig["provider"],
            "embedding_model": sig["model"],
            "embedding_dim": sig["dim"],
            "chunk_tokens": self.settings.chunk_tokens,
            "chunk_overlap_tokens": self.settings.chunk_overlap_tokens,
        }

    def _open_vectors(self, name: str) -> Chroma:
        return self._io(open_vectors, self.client, name, self.embeddings, self._collection_metadata())

    @property
    def vectors(self) -> Chroma:
        """The chunks collection as a LangChain vector store, checked against the embedding signature."""
        if self._vectors is None:
            vectors = self._open_vectors(self.chunks_name)
            self.check_signature(vectors._collection.metadata or {})
            self._vectors = vectors
        return self._vectors

    @property
    def chunks(self) -> Collection:
        """The chunks collection, checked against the embedding signature (LangChain's wrapper is not built)."""
        if self._chunks is None:
            chunks = self._io(open_chunks, self.client, self.chunks_name, self._collection_metadata())
            self.check_signature(chunks.metadata or {})
            self._chunks = chunks
        return self._chunks

    def check_signature(self, meta: dict[str, Any]) -> None:
        want = self._collection_metadata()
        keys = ("embedding_provider", "embedding_model", "embedding_dim")
        if "embedding_model" not in meta:  # created by an older version: adopt the current signature
            col = self._io(self.client.get_collection, self.chunks_name, embedding_function=None)
            self._io(col.modify, metadata={**meta, **want})
            return
        have = {k: meta.get(k) for k in keys}
        if have != {k: want[k] for k in keys}:
            where = self.settings.chroma_url or str(self.settings.index_dir)
            raise IndexMismatchError(
                f"the index at {where} was built with {have['embedding_provider']}/{have['embedding_model']} "
                f"(dim {have['embedding_dim']}) but the settings use {want['embedding_provider']}/{want['embedding_model']} "
                f"(dim {want['embedding_dim']}); run `newsdesk reindex` to rebuild it with the current model"
            )
        if (meta.get("chunk_tokens"), meta.get("chunk_overlap_tokens")) != (
            want["chunk_tokens"],
            want["chunk_overlap_tokens"],
        ):
            log.warning("index was chunked with other chunk settings; `newsdesk reindex` applies the current ones")

    def _collection_names(self) -> set[str]:
        return {c if isinstance(c, str) else c.name for c in self._io(self.client.list_collections)}

    def _ids(self, col: Collection, where: dict[str, Any] | None = None) -> Iterator[list[str]]:
        """All ids of a collection (optionally filtered), page by page, without documents or vectors."""
        offset = 0
        while True:
            ids = self._get(col, where=where, include=[], limit=PAGE, offset=offset).ids
            if ids:
                yield ids
            if len(ids) < PAGE:
                return
            offset += len(ids)

    @_reads
    def _get(self, col: Collection, **kwargs: Any) -> Rows:
        got = self._io(col.get, **kwargs)
        docs, metas, vecs = got.get("documents"), got.get("metadatas"), got.get("embeddings")
        return Rows(
            ids=list(got["ids"]),
            documents=[d or "" for d in docs] if docs is not None else [],
            metadatas=[dict(m or {}) for m in metas] if metas is not None else [],
            embeddings=[[float(x) for x in v] for v in vecs] if vecs is not None else [],
        )

    def _version(self) -> tuple[int, str] | None:
        """Identifies the committed state while nobody writes (embedded mode; every write changes the writer marker).
        None when it can't be told cheaply: server mode, an injected client, or inside our own write section."""
        if self._local is None:
            return None
        self._sync()
        marker = self._local.version()
        return None if marker is None else (self._epoch, marker)

    def _committed_ids(self) -> frozenset[str]:
        """All committed article ids, cached per `_version()`: reading every id on each search made retrieval grow
        with the corpus (docs/performance.md)."""
        version = self._version()
        cached = self._ids_cache
        if version is not None and cached is not None and cached[0] == version:
            return cached[1]
        ids = frozenset(i for page in self._ids(self.articles) for i in page)
        if version is not None:
            self._ids_cache = (version, ids)
        return ids

    def article_ids(self) -> set[str]:
        return set(self._committed_ids())

    def _committed(self, article_ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(article_ids))
        if not wanted:
            return set()
        if self._version() is not None:
            return set(wanted) & self._committed_ids()
        return {
            i
            for batch in batches(wanted, PAGE)
            for i in self._io(self.articles.get, ids=list(batch), include=[])["ids"]
        }

    # ---- writes --------------------------------------------------------------
    def add_article(
        self, article: Article, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]] | None = None
    ) -> None:
        """Write the chunks (with `vectors`, else embedded here), then the article record that commits them."""
        self.add_articles([(article, chunks, vectors)])

    @_writes
    def add_articles(self, items: Sequence[Item]) -> None:
        """Write several articles with as few Chroma calls as possible: the chunks of all of them (with their vectors,
        else embedded here), then all their records, which commit them, in one upsert. A failure or crash in between
        leaves no article half-visible: chunks without a record are invisible and removed by `repair()`."""
        if not items:
            return
        ids = [a.id for a, _, _ in items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"the same article twice in one write: {sorted({i for i in ids if ids.count(i) > 1})}")
        for article, chunks, _ in items:
            if not chunks:
                raise ValueError(f"article {article.id} ({article.title!r}) has no chunks to index")
        col = self.chunks  # checks the embedding signature before anything is touched
        missing = [c for _, chunks, vectors in items if vectors is None for c in chunks]
        embedded, at = (embed_chunk_list(self.embeddings, missing) if missing else []), 0
        rows: list[_Row] = []
        for article, chunks, vectors in items:
            if vectors is None:
                vectors, at = embedded[at : at + len(chunks)], at + len(chunks)
            if len(vectors) != len(chunks):
                raise ValueError(f"{len(vectors)} vectors for {len(chunks)} chunks of article {article.id}")
            rows.append((article, chunks, vectors))
        self._tune_articles()
        # Un-commit and clear any earlier or half-written copy, so each chunk set is exactly the new one. A Chroma
        # delete costs tens of ms even when nothing matches (docs/performance.md): look first, delete what is there.
        size = self._max_batch()
        for part in batches(ids, PAGE):
            if committed := self._io(self.articles.get, ids=list(part), include=[])["ids"]:
                self._io(self.articles.delete, ids=list(committed))
        new_chunks = {c.id for _, chunks, _ in rows for c in chunks}
        old_chunks = [
            i
            for part in batches(ids, PAGE)
            for page in self._ids(col, {"article_id": {"$in": list(part)}})
            for i in page
            if i not in new_chunks
        ]
        for stale in batches(old_chunks, size):
            self._io(col.delete, ids=list(stale))
        self._write_chunks(col, rows)
        records: list[Record] = [(a.id, a.text, article_metadata(a, len(chunks))) for a, chunks, _ in rows]
        for batch in batches(records, size):
            self._io(
                self.articles.upsert,
                ids=[i for i, _, _ in batch],
                documents=[t for _, t, _ in batch],
                embeddings=[[1.0]] * len(batch),
                metadatas=[m for _, _, m in batch],
            )
        self.catalogue.safely(lambda cat: cat.put(records))

    def _max_batch(self) -> int:
        return max(1, self._io(self.client.get_max_batch_size))

    def _write_chunks(self, col: Collection, rows: Sequence[_Row]) -> None:
        """Upsert the chunks of (article, chunks, vectors) rows, as many per call as the client takes."""
        written_at = int(time.time())
        flat = [(a, c, v) for a, chunks, vectors in rows for c, v in zip(chunks, vectors, strict=True)]
        for part in batches(flat, self._max_batch()):
            self._io(
                col.upsert,
                ids=[c.id for _, c, _ in part],
                documents=[c.text for _, c, _ in part],
                embeddings=[list(v) for _, _, v in part],
                metadatas=[{**chunk_metadata(a, c), "written_at": written_at} for a, c, _ in part],
            )

    def remove_article(self, article_id: str) -> bool:
        """Delete an article: its record first (un-commit), then its chunks. False when it was not indexed."""
        return bool(self.remove_articles([article_id]))

    @_writes
    def remove_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Delete articles with few Chroma calls: catalogue rows and records first (un-commit), then chunks (also
        those of an unfinished write of these ids). Returns the ids that were indexed."""
        col, wanted = self.chunks, list(dict.fromkeys(article_ids))
        existed = [
            i for part in batches(wanted, PAGE) for i in self._io(self.articles.get, ids=list(part), include=[])["ids"]
        ]
        self.catalogue.safely(lambda cat: cat.drop(existed))
        for part in batches(wanted, PAGE):
            if records := [i for i in part if i in set(existed)]:
                self._io(self.articles.delete, ids=records)
            self._io(col.delete, where={"article_id": {"$in": list(part)}})
        return existed

    def repair(self, grace: float | None = None) -> int:
        """Finish or drop an interrupted reindex, then delete chunks whose article has no record (app.store.repair)."""
        from app.store.repair import repair

        return repair(self, grace)

    @_writes
    def reindex(self, chunk: Callable[[Article], list[Chunk]], progress: Progress | None = None) -> int:
        """Re-chunk (with the ingest's chunker) and re-embed every article into a fresh chunks collection."""
        tmp = f"{self.settings.collection}{REINDEX_SUFFIX}"
        if tmp in self._collection_names():
            self._io(self.client.delete_collection, tmp)
        new = self._open_vectors(tmp)
        total, done, counts = self.count_articles(), 0, {}
        for page in self._ids(self.articles):
            got = self._get(self.articles, ids=page, include=["documents", "metadatas"])
            for aid, text, meta in zip(got.ids, got.documents, got.metadatas, strict=True):
                article = article_from_record(aid, text, meta)
                chunks = chunk(article)
                vectors = embed_chunk_list(self.embeddings, chunks)  # and their span vectors
                self._write_chunks(new._collection, [(article, chunks, vectors)])
                counts[aid] = len(chunks)
                done += 1
                if progress:
                    progress(done, total, article.title)
        # Mark complete, then swap: a crash from here on is finished by repair() on the next open.
        self._io(new._collection.modify, metadata={**self._collection_metadata(), "complete": True})
        if self.chunks_name in self._collection_names():
            self._io(self.client.delete_collection, self.chunks_name)
        self._io(new._collection.modify, name=self.chunks_name)
        for aid, n in counts.items():
            self._io(self.articles.update, ids=[aid], metadatas=[{"chunks": n}])
        self.catalogue.safely(lambda cat: cat.set_chunks(counts))
        self._vectors = self._chunks = None
        return done

    # ---- the article catalogue (app.store.catalogue) -------------------------------------------------------
    @functools.cached_property
    def catalogue(self) -> Catalogue:
        """The catalogue of this index and collection, kept in step by every write (not reconciled: see below)."""
        return Catalogue(self.settings.index_dir / f"catalogue.{self.settings.collection}.sqlite3")

    def _records(self, ids: Sequence[str]) -> list[Record]:
        got = self._get(self.articles, ids=list(ids), include=["documents", "metadatas"])
        return list(zip(got.ids, got.documents, got.metadatas, strict=True))

    @_reads
    def catalogue_synced(self) -> Catalogue:
        """The catalogue reconciled with the committed articles: what the library's queries read (issue 19)."""
        self.catalogue.sync(self._version(), self._committed_ids, self._records)
        return self.catalogue

    # ---- reads ---------------------------------------------------------------
    @_reads
    def count_articles(self) -> int:
        return self._io(self.articles.count)

    @_reads
    def has_article(self, article_id: str) -> bool:
        return bool(self._io(self.articles.get, ids=[article_id], include=[])["ids"])

    @_reads
    def get_article(self, article_id: str) -> Article | None:
        got = self._get(self.articles, ids=[article_id], include=["documents", "metadatas"])
        return article_from_record(got.ids[0], got.documents[0], got.metadatas[0]) if got.ids else None

    @_reads
    def get_article_info(self, article_id: str) -> ArticleInfo | None:
        got = self._get(self.articles, ids=[article_id], include=["metadatas"])
        return info_from_metadata(got.ids[0], got.metadatas[0]) if got.ids else None

    @_reads
    def find_by_url(self, url: str) -> ArticleInfo | None:
        got = self._get(self.articles, where={"url": url}, include=["metadatas"], limit=1)
        return info_from_metadata(got.ids[0], got.metadatas[0]) if got.ids else None

    @_reads
    def list_articles(self) -> list[ArticleInfo]:
        """Every committed article, newest first (undated last), then by title."""
        infos: list[ArticleInfo] = []
        offset = 0
        while True:
            got = self._get(self.articles, include=["metadatas"], limit=PAGE, offset=offset)
            infos += [info_from_metadata(i, m) for i, m in zip(got.ids, got.metadatas, strict=True)]
            if len(got.ids) < PAGE:
                break
            offset += PAGE
        infos.sort(key=lambda a: a.title.lower())
        infos.sort(key=lambda a: epoch(a.published) if a.published else float("-inf"), reverse=True)
        return infos

    @_reads
    def fingerprint(self) -> str:
        """Changes whenever the set of committed articles (or the chunks collection) changes; reads ids only."""
        version = self._version()
        if version is not None and self._fingerprint_cache is not None and self._fingerprint_cache[0] == version:
            return self._fingerprint_cache[1]
        h = hashlib.sha1(str(self.chunks.id).encode())
        for aid in sorted(self._committed_ids()):
            h.update(aid.encode())
        if version is not None:
            self._fingerprint_cache = (version, h.hexdigest()[:16])
        return h.hexdigest()[:16]

    @_reads
    def count_chunks(self) -> int:
        return self._io(self.chunks.count)

    @_reads
    def dense_ids(
        self, query_vector: Sequence[float], k: int, filters: SearchFilters | None = None
    ) -> list[tuple[str, float]]:
        """Top-k (chunk id, cosine similarity) among committed articles, honouring the filters, without texts.

        Fetching documents and metadata is most of a Chroma query's cost (about 0.2 ms per result here), so the
        hybrid retriever ranks on ids and fetches only the passages it returns (docs/performance.md)."""
        if k <= 0:
            return []
        where = chunk_where(filters)
        fetch = k
        while True:
            got = self._io(
                self.chunks.query,
                query_embeddings=[[float(x) for x in query_vector]],
                n_results=fetch,
                where=where,
                include=["distances"],
            )
            ids, distances = got["ids"][0], (got["distances"] or [[]])[0]
            committed = self._committed(article_of(i) for i in ids)
            hits = [(i, _cosine(d)) for i, d in zip(ids, distances, strict=True) if article_of(i) in committed]
            hits = distinct_vectors(hits)
            # Chunks of unfinished writes or repeats were skipped: look further, unless everything there is was seen.
            if len(hits) >= k or len(ids) < fetch or fetch >= 8 * k:
                return hits[:k]
            fetch *= 2

    @_reads
    def dense_search(
        self, query_vector: Sequence[float], k: int, filters: SearchFilters | None = None
    ) -> list[Passage]:
        """Top-k chunks by cosine similarity (dense_score) among committed articles, honouring the filters."""
        if k <= 0:
            return []
        where = chunk_where(filters)
        fetch = k
        while True:
            search = self.vectors.similarity_search_by_vector_with_relevance_scores
            hits = self._io(search, list(query_vector), k=fetch, filter=where)
            committed = self._committed(article_of(str(d.id)) for d, _ in hits)
            passages = []
            for doc, distance in hits:
                if article_of(str(doc.id)) in committed:
                    p = passage_from_chunk(str(doc.id), doc.page_content, doc.metadata)
                    p.dense_score = _cosine(distance)
                    passages.append(p)
            # Chunks of unfinished writes were skipped: look further, unless everything there is was seen.
            if len(passages) >= k or len(hits) < fetch or fetch >= 8 * k:
                return passages[:k]
            fetch *= 2

    @_reads
    def chunk_ids(self, filters: SearchFilters | None = None) -> set[str]:
        """Ids of the chunks matching the filters (all chunks when there are none)."""
        return {i for page in self._ids(self.chunks, chunk_where(filters)) for i in page}

    @_reads
    def iter_chunks(self, batch: int = PAGE) -> Iterator[tuple[list[str], list[str]]]:
        """(ids, texts) of every chunk of a committed article, `batch` at a time."""
        committed = self.article_ids()
        offset = 0
        while True:
            got = self._get(self.chunks, include=["documents"], limit=batch, offset=offset)
            pairs = [(i, t) for i, t in zip(got.ids, got.documents, strict=True) if article_of(i) in committed]
            if pairs:
                yield [i for i, _ in pairs], [t for _, t in pairs]
            if len(got.ids) < batch:
                return
            offset += batch

    @_reads
    def get_chunks(self, ids: Sequence[str]) -> list[Passage]:
        """Passages for chunk ids (in the given order), leaving out unknown ids and uncommitted articles."""
        if not ids:
            return []
        got = self._get(self.chunks, ids=list(ids), include=["documents", "metadatas"])
        committed = self._committed(article_of(i) for i in got.ids)
        by_id = {
            i: passage_from_chunk(i, t, m)
            for i, t, m in zip(got.ids, got.documents, got.metadatas, strict=True)
            if article_of(i) in committed
        }
        return [by_id[i] for i in ids if i in by_id]

    @_reads
    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored embedding of each chunk id."""
        if not ids:
            return {}
        got = self._get(self.chunks, ids=list(ids), include=["embeddings"])
        return dict(zip(got.ids, got.embeddings, strict=True))


def _cosine(distance: float) -> float:
    """Chroma's cosine distance as a similarity, clipped to [-1, 1] (HNSW float error reaches 1.0000001)."""
    return min(1.0, max(-1.0, 1.0 - float(distance)))
