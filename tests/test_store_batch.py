"""ChromaStore.add_articles: a whole ingest flush in a few Chroma calls, with the per-article crash-safety protocol."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from app.chunks.chunking import chunker_for
from app.models import Article, Chunk
from app.settings import Settings
from app.store.chroma import ChromaStore, article_of


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore(Settings(index_dir=tmp_path / "index"), DeterministicFakeEmbedding(size=16))


@pytest.fixture
def articles(make_articles) -> list[Article]:  # type: ignore[no-untyped-def]
    return make_articles(4, seed=7)


def _chunks(store: ChromaStore, article: Article, **settings: Any) -> list[Chunk]:
    return chunker_for(store.settings.model_copy(update=settings))(article)


def _vectors(store: ChromaStore, chunks: list[Chunk]) -> list[list[float]]:
    return store.embeddings.embed_documents([c.text for c in chunks])


@pytest.fixture
def calls(store: ChromaStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts the store's Chroma writes and lookups by collection ('chunks.upsert', 'articles.delete', ...)."""
    counter: Counter[str] = Counter()
    for kind, col in (("chunks", store.chunks), ("articles", store.articles)):
        for name in ("get", "upsert", "delete"):
            real = getattr(col, name)

            def spy(*args: Any, _real: Any = real, _key: str = f"{kind}.{name}", **kwargs: Any) -> Any:
                counter[_key] += 1
                return _real(*args, **kwargs)

            monkeypatch.setattr(col, name, spy)
    yield counter


def _chunk_ids(store: ChromaStore) -> list[str]:
    return sorted(store._io(store.chunks.get, include=[])["ids"])


def _expected_ids(items: list[tuple[Article, list[Chunk]]]) -> list[str]:
    return sorted(c.id for _, chunks in items for c in chunks)


def test_a_batch_lands_whole_in_one_upsert_per_collection(
    store: ChromaStore, articles: list[Article], calls: Counter[str]
) -> None:
    items = [(a, _chunks(store, a)) for a in articles]
    # vectors given for some articles, embedded by the store for the others
    store.add_articles([(a, cs, _vectors(store, cs) if i % 2 else None) for i, (a, cs) in enumerate(items)])

    assert calls["chunks.upsert"] == 1 and calls["articles.upsert"] == 1
    assert calls["chunks.delete"] == 0 and calls["articles.delete"] == 0  # nothing to clear: no no-op deletes
    assert store.count_articles() == len(articles)
    assert _chunk_ids(store) == _expected_ids(items)
    for a, cs in items:
        got = store.get_article(a.id)
        assert got is not None and got.text == a.text and got.url == a.url
        assert store.get_article_info(a.id).chunks == len(cs)  # type: ignore[union-attr]
        passages = store.get_chunks([c.id for c in cs])
        assert [p.text for p in passages] == [c.text for c in cs]
    chunk = items[1][1][0]
    assert store.dense_search(_vectors(store, [chunk])[0], 1)[0].chunk_id == chunk.id
    store.add_articles([])  # nothing to do
    assert calls["chunks.upsert"] == 1


def test_a_batch_replaces_earlier_and_half_written_copies_exactly(
    store: ChromaStore, articles: list[Article], calls: Counter[str]
) -> None:
    a, b, c, d = articles
    small = {"chunk_tokens": 60, "chunk_overlap_tokens": 0}
    store.add_article(a, _chunks(store, a, **small))  # committed, with more chunks than it gets below
    half = _chunks(store, c, **small)  # an interrupted write: chunks without a record
    store._write_chunks(store.chunks, [(c, half, _vectors(store, half))])
    store.add_article(d, _chunks(store, d))  # not in the batch: must stay as it is
    calls.clear()

    items = [(a, _chunks(store, a)), (b, _chunks(store, b)), (c, _chunks(store, c))]
    assert len(items[0][1]) < len(_chunks(store, a, **small)) and len(items[2][1]) < len(half)
    store.add_articles([(x, cs, None) for x, cs in items])

    assert calls["articles.delete"] == 1  # a's record is un-committed first, in one call
    assert calls["chunks.delete"] == 1  # the stale chunks of a and c, by id, in one call
    assert calls["chunks.upsert"] == 1 and calls["articles.upsert"] == 1
    assert sorted(i.id for i in store.list_articles()) == sorted([a.id, b.id, c.id, d.id])
    assert _chunk_ids(store) == _expected_ids([*items, (d, _chunks(store, d))])
    assert store.get_article_info(a.id).chunks == len(items[0][1])  # type: ignore[union-attr]


def test_bad_batches_are_refused_before_anything_is_written(store: ChromaStore, articles: list[Article]) -> None:
    a, b = articles[:2]
    with pytest.raises(ValueError, match="twice"):
        store.add_articles([(a, _chunks(store, a), None), (a, _chunks(store, a), None)])
    with pytest.raises(ValueError, match="no chunks"):
        store.add_articles([(a, _chunks(store, a), None), (b, [], None)])
    with pytest.raises(ValueError, match="vectors for"):
        store.add_articles([(a, _chunks(store, a), [[0.0] * 16])])
    assert store.count_chunks() == 0 and store.count_articles() == 0


def test_dying_between_the_chunks_and_the_records_leaves_nothing_half_visible(
    store: ChromaStore, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after the batch's chunk upsert, before its record upsert (the commit markers)."""
    a, b, c, d = articles
    store.add_article(d, _chunks(store, d))  # committed earlier, not in the batch
    store.add_article(a, _chunks(store, a, chunk_tokens=60, chunk_overlap_tokens=0))  # committed, re-added below

    def die(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("killed")  # not a write error: nothing catches it

    monkeypatch.setattr(store.articles, "upsert", die)
    items = [(x, _chunks(store, x)) for x in (a, b, c)]
    with pytest.raises(KeyboardInterrupt):
        store.add_articles([(x, cs, None) for x, cs in items])

    # The batch's chunks are in Chroma, but no reader sees any of them (a was un-committed before its rewrite).
    assert store.count_chunks() == len(_chunks(store, d)) + sum(len(cs) for _, cs in items)
    assert [i.id for i in store.list_articles()] == [d.id]
    assert {article_of(i) for ids, _ in store.iter_chunks() for i in ids} == {d.id}
    assert store.get_chunks([cs[0].id for _, cs in items]) == []
    q = _vectors(store, [items[1][1][0]])[0]
    assert {p.article_id for p in store.dense_search(q, 50)} == {d.id}

    reopened = ChromaStore(store.settings, store.embeddings)  # repair() runs on open
    assert reopened.repaired == sum(len(cs) for _, cs in items)
    assert [i.id for i in reopened.list_articles()] == [d.id]
    assert _chunk_ids(reopened) == _expected_ids([(d, _chunks(store, d))])
    reopened.add_articles([(x, cs, None) for x, cs in items])  # and the batch can be written again
    assert reopened.count_articles() == 4 and reopened.repair() == 0


def test_articles_collection_persists_its_vector_index_often(store: ChromaStore, articles: list[Article]) -> None:
    """Chroma re-reads its write-ahead log since the last persist on every write; a low sync_threshold bounds that."""
    from app.store.client import ARTICLES_SYNC_THRESHOLD as _ARTICLES_SYNC_THRESHOLD

    assert store.articles.configuration["hnsw"]["sync_threshold"] == _ARTICLES_SYNC_THRESHOLD  # type: ignore[index]
    # An index from before the setting: the articles collection has Chroma's default; the first write lowers it.
    settings = store.settings.model_copy(update={"collection": "older"})
    store.client.get_or_create_collection("older_articles", embedding_function=None)
    old = ChromaStore(settings, store.embeddings)
    assert old.articles.configuration["hnsw"]["sync_threshold"] == 1000  # type: ignore[index]
    old.add_article(articles[0], _chunks(old, articles[0]))
    reopened = old.client.get_collection("older_articles", embedding_function=None)
    assert reopened.configuration["hnsw"]["sync_threshold"] == _ARTICLES_SYNC_THRESHOLD  # type: ignore[index]
    assert old.get_article(articles[0].id) is not None


# ---- the repair scan on open runs only when a write may not have finished ------------------------------------------


def _scans(store: ChromaStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts full chunk-id scans of the repair (ChromaStore._ids over the chunks collection)."""
    seen: list[int] = []
    real = ChromaStore._ids

    def spy(self: ChromaStore, col: Any, where: Any = None) -> Iterator[list[str]]:
        if col.name == self.chunks_name and where is None:
            seen.append(1)
        return real(self, col, where)

    monkeypatch.setattr(ChromaStore, "_ids", spy)
    return seen


def test_open_skips_the_repair_scan_after_clean_writes_and_scans_after_a_failed_one(
    store: ChromaStore, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store._local is not None and not store._local.needs_repair()  # scanned once on first open
    a, b = articles[:2]
    ca = _chunks(store, a)
    store.add_articles([(a, ca, _vectors(store, ca))])
    scans = _scans(store, monkeypatch)
    assert ChromaStore(store.settings, store.embeddings).repaired == 0 and scans == []

    # a write that dies between its chunks and its record leaves orphans and the unfinished-write marker
    cb = _chunks(store, b)
    monkeypatch.setattr(store.articles, "upsert", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        store.add_articles([(b, cb, _vectors(store, cb))])
    monkeypatch.undo()
    scans = _scans(store, monkeypatch)
    # a later successful write does not clear the marker: the orphans are still there
    c = articles[2]
    cc = _chunks(store, c)
    store.add_articles([(c, cc, _vectors(store, cc))])
    assert store._local.needs_repair()
    reopened = ChromaStore(store.settings, store.embeddings)
    assert scans == [1] and reopened.repaired == len(cb)
    assert not any(article_of(i) == b.id for i in _chunk_ids(reopened))
    assert not reopened._local.needs_repair()  # type: ignore[union-attr]
    assert ChromaStore(store.settings, store.embeddings).repaired == 0 and scans == [1]
