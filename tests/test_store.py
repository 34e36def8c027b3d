"""ChromaStore contract: the same behaviour against embedded Chroma and a real `chroma run` server."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from app.chunks.chunking import chunker_for
from app.models import Article, SearchFilters
from app.settings import Settings
from app.store.chroma import ChromaStore, IndexMismatchError, chunk_where, epoch
from app.text import build_article

BACKENDS = ["embedded", pytest.param("server", marks=[pytest.mark.server, pytest.mark.slow])]


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "server":
        server = request.getfixturevalue("chroma_server")
        # One shared server: every test gets its own collections.
        return Settings(chroma_url=server.url, collection=f"t{uuid.uuid4().hex[:10]}", index_dir=tmp_path / "index")
    return Settings(index_dir=tmp_path / "index")


@pytest.fixture
def store(settings: Settings, embeddings) -> ChromaStore:  # type: ignore[no-untyped-def]
    return ChromaStore(settings, embeddings)


def _add(store: ChromaStore, article: Article) -> int:
    chunks = chunker_for(store.settings, store.embeddings)(article)
    store.add_article(article, chunks)
    return len(chunks)


def _other(title: str, text: str, **kw) -> Article:  # type: ignore[no-untyped-def]
    return build_article(title, text, **kw)


def test_add_list_get_remove(store: ChromaStore, sample_article: Article) -> None:
    assert store.count_articles() == 0 and store.list_articles() == []
    n = _add(store, sample_article)
    assert n > 1
    assert store.has_article(sample_article.id) and store.count_articles() == 1
    [info] = store.list_articles()
    assert (info.id, info.title, info.chunks, info.chars) == (
        sample_article.id,
        sample_article.title,
        n,
        len(sample_article.text),
    )
    got = store.get_article(sample_article.id)
    assert got is not None
    assert got.model_dump(exclude={"ingested_at"}) == sample_article.model_dump(exclude={"ingested_at"})
    assert got.ingested_at is not None
    assert store.count_chunks() == n
    passages = store.get_chunks([f"{sample_article.id}:{i}" for i in range(n)])
    assert [sample_article.text[p.start : p.end] for p in passages] == [p.text for p in passages]

    assert store.remove_article(sample_article.id) is True
    assert store.remove_article(sample_article.id) is False
    assert store.get_article(sample_article.id) is None and store.list_articles() == []
    assert store.count_chunks() == 0
    assert store.dense_search(store.embeddings.embed_query("peace plan"), 5) == []


def test_dense_search_scores_are_cosine(store: ChromaStore, sample_article: Article) -> None:
    _add(store, sample_article)
    chunk = store.get_chunks([f"{sample_article.id}:2"])[0]
    hits = store.dense_search(store.embeddings.embed_query(chunk.text), 3)
    assert hits[0].chunk_id == chunk.chunk_id
    assert hits[0].dense_score == pytest.approx(1.0, abs=0.02)
    assert all(-1.0 <= (h.dense_score or 0) <= 1.0 for h in hits)
    assert [h.dense_score for h in hits] == sorted((h.dense_score for h in hits), reverse=True)
    assert hits[0].title == sample_article.title and hits[0].article_id == sample_article.id


def test_readding_an_article_rewrites_its_chunks_exactly_once(store: ChromaStore, sample_article: Article) -> None:
    n = _add(store, sample_article)
    _add(store, sample_article)
    assert store.count_chunks() == n and store.count_articles() == 1


def test_find_by_url_and_sorting(store: ChromaStore) -> None:
    old = _other(
        "B old", "An older story about harbour cranes.", url="https://x.test/old", published=datetime(2024, 1, 1)
    )
    new = _other("Z new", "A newer story about tram lines.", source="Metro", published=datetime(2025, 6, 1))
    same_day = _other("A new", "Another newer story, about ferries.", published=datetime(2025, 6, 1))
    undated = _other("C undated", "A story without a date, about bridges.")
    for a in (undated, old, new, same_day):
        _add(store, a)
    assert [a.title for a in store.list_articles()] == ["A new", "Z new", "B old", "C undated"]
    found = store.find_by_url("https://x.test/old")
    assert found is not None and found.id == old.id
    assert store.find_by_url("https://x.test/none") is None


def test_fingerprint_tracks_the_set_of_articles(store: ChromaStore, sample_article: Article) -> None:
    empty = store.fingerprint()
    assert store.fingerprint() == empty
    _add(store, sample_article)
    one = store.fingerprint()
    assert one != empty and store.fingerprint() == one
    store.remove_article(sample_article.id)
    assert store.fingerprint() == empty


def test_dense_search_filters(store: ChromaStore, sample_article: Article) -> None:
    other = _other(
        "Harbour cranes",
        "Dock workers in Rotterdam voted to end the harbour crane strike on Friday.",
        source="Port News",
        published=datetime(2024, 3, 1),
    )
    _add(store, sample_article)
    _add(store, other)
    q = store.embeddings.embed_query("strike at the harbour")
    ids = lambda hits: {h.article_id for h in hits}  # noqa: E731
    assert ids(store.dense_search(q, 20)) == {sample_article.id, other.id}
    assert ids(store.dense_search(q, 20, SearchFilters(article_ids=[sample_article.id]))) == {sample_article.id}
    assert ids(store.dense_search(q, 20, SearchFilters(source="Port News"))) == {other.id}
    assert ids(store.dense_search(q, 20, SearchFilters(until=datetime(2024, 12, 31)))) == {other.id}
    assert sample_article.published is not None
    assert ids(store.dense_search(q, 20, SearchFilters(since=datetime(2025, 1, 1)))) == {sample_article.id}
    assert store.dense_search(q, 20, SearchFilters(article_ids=[])) == []
    assert store.chunk_ids(SearchFilters(source="Port News")) == {f"{other.id}:0"}


def test_uncommitted_chunks_are_invisible_and_repaired(store: ChromaStore, sample_article: Article) -> None:
    """A write interrupted after its chunks but before its record (the commit marker) leaves nothing visible."""
    other = _other("Harbour cranes", "Dock workers in Rotterdam voted to end the harbour crane strike on Friday.")
    _add(store, other)
    chunks = chunker_for(store.settings, store.embeddings)(sample_article)
    store._write_chunks(
        store.chunks, [(sample_article, chunks, store.embeddings.embed_documents([c.text for c in chunks]))]
    )
    assert store.count_chunks() == 1 + len(chunks)

    q = store.embeddings.embed_query(chunks[0].text)
    assert {h.article_id for h in store.dense_search(q, 5)} == {other.id}
    assert [i for ids, _ in store.iter_chunks() for i in ids] == [f"{other.id}:0"]
    assert store.get_chunks([chunks[0].id]) == []
    assert [a.id for a in store.list_articles()] == [other.id]

    reopened = ChromaStore(store.settings, store.embeddings, client=store.client)
    if store.server_mode:  # another client may be mid-write: fresh orphans are left for a later repair
        assert reopened.repaired == 0 and reopened.count_chunks() == 1 + len(chunks)
        assert reopened.repair(grace=0) == len(chunks)
    else:
        assert reopened.repaired == len(chunks)
    assert reopened.count_chunks() == 1 and reopened.repair() == 0


def test_metadata_filter_translation() -> None:
    assert chunk_where(None) is None and chunk_where(SearchFilters()) is None
    assert chunk_where(SearchFilters(source="A")) == {"source": "A"}
    since = datetime(2025, 1, 1)
    assert chunk_where(SearchFilters(article_ids=["x"], since=since)) == {
        "$and": [{"article_id": {"$in": ["x"]}}, {"published_ts": {"$gte": epoch(since)}}]
    }


def test_other_embedding_model_raises_mismatch_until_reindexed(store: ChromaStore, sample_article: Article) -> None:
    _add(store, sample_article)
    other_settings = store.settings.model_copy(update={"embedding_model": "fake-hash-model"})
    fake = DeterministicFakeEmbedding(size=32)
    other = ChromaStore(other_settings, fake, client=store.client)
    assert other.count_articles() == 1  # listing needs no vectors
    with pytest.raises(IndexMismatchError, match="newsdesk reindex"):
        other.dense_search(fake.embed_query("peace"), 3)
    with pytest.raises(IndexMismatchError):
        other.add_article(sample_article, chunker_for(other_settings)(sample_article))

    assert other.reindex(chunker_for(other_settings, fake)) == 1
    hits = other.dense_search(fake.embed_query("peace"), 3)
    assert len(hits) == 3 and hits[0].article_id == sample_article.id
    assert other.count_chunks() == store.get_article_info(sample_article.id).chunks  # type: ignore[union-attr]
    # and now the original model is the mismatched one
    with pytest.raises(IndexMismatchError):
        ChromaStore(store.settings, store.embeddings, client=store.client).dense_search(
            store.embeddings.embed_query("x"), 1
        )


def test_interrupted_reindex_is_dropped_or_finished(store: ChromaStore, sample_article: Article) -> None:
    n = _add(store, sample_article)
    tmp = f"{store.settings.collection}_chunks_reindex"

    store._open_vectors(tmp)  # an unfinished reindex: the old chunks stay authoritative
    reopened = ChromaStore(store.settings, store.embeddings, client=store.client)
    assert tmp not in reopened._collection_names() and reopened.count_chunks() == n

    # a finished one whose swap was interrupted after the old collection was dropped
    new = reopened._open_vectors(tmp)
    chunks = chunker_for(store.settings, store.embeddings)(sample_article)
    reopened._write_chunks(
        new._collection, [(sample_article, chunks, store.embeddings.embed_documents([c.text for c in chunks]))]
    )
    new._collection.modify(metadata={**reopened._collection_metadata(), "complete": True})
    store.client.delete_collection(reopened.chunks_name)
    finished = ChromaStore(store.settings, store.embeddings, client=store.client)
    assert tmp not in finished._collection_names()
    assert finished.count_chunks() == len(chunks)
    assert finished.dense_search(store.embeddings.embed_query("Kupiansk"), 1)[0].article_id == sample_article.id
