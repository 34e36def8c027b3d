"""Ingestor: unchanged / replaced / duplicate handling, per-input errors, progress, bounded batches, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromadb.errors import ChromaError
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from app.ingest.loaders import load_text
from app.models import Article
from app.resources import sample_corpus_dir
from app.retrieve.lexical import LexicalIndex
from app.settings import Settings
from app.store.chroma import ChromaStore, IndexMismatchError
from app.store.ingest import Ingestor

SEED_FILE = sample_corpus_dir() / "000_2df2c5dbd146e2f9.txt"


class SpyEmbeddings(Embeddings):
    """Deterministic fake vectors; records the size of every embed_documents call."""

    def __init__(self) -> None:
        self.inner = DeterministicFakeEmbedding(size=16)
        self.calls: list[int] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index")


@pytest.fixture
def ingestor(settings: Settings, embeddings) -> Ingestor:  # type: ignore[no-untyped-def]
    return Ingestor(ChromaStore(settings, embeddings), settings)


def test_ingest_file_then_again_is_unchanged(ingestor: Ingestor) -> None:
    first = ingestor.ingest([str(SEED_FILE)])
    assert [a.title for a in first.added] == ["Zelenskyy Cautious on US Plan, EU Rejects Concessions"]
    assert first.errors == [] and first.chunks == first.added[0].chunks > 1
    chunks = ingestor.store.count_chunks()

    again = ingestor.ingest([str(SEED_FILE.parent)])
    assert again.added == [] and [a.id for a in again.unchanged] == [first.added[0].id]
    assert again.chunks == 0 and ingestor.store.count_chunks() == chunks


def test_same_url_other_text_replaces(ingestor: Ingestor, sample_article: Article) -> None:
    url = "https://news.test/zelenskyy"
    v1 = load_text(sample_article.text, title=sample_article.title, url=url)
    v2 = load_text(
        sample_article.text + "\nThe story was updated with new details on Friday.", title=sample_article.title, url=url
    )
    assert ingestor.ingest_articles([v1]).added[0].id == v1.id
    report = ingestor.ingest_articles([v2])
    assert report.added == [] and [a.id for a in report.replaced] == [v2.id]
    store = ingestor.store
    assert [a.id for a in store.list_articles()] == [v2.id]
    assert store.get_article(v1.id) is None
    assert all(i.startswith(v2.id) for ids, _ in store.iter_chunks() for i in ids)
    assert store.count_chunks() == report.replaced[0].chunks


def test_duplicates_in_one_call_count_once(ingestor: Ingestor, sample_article: Article) -> None:
    other = load_text("Dock workers in Rotterdam voted to end the harbour crane strike on Friday.", title="Cranes")
    report = ingestor.ingest_articles([sample_article, other, sample_article])
    assert sorted(a.id for a in report.added) == sorted([sample_article.id, other.id])
    assert report.unchanged == [] and ingestor.store.count_articles() == 2


def test_errors_name_their_input_and_others_continue(ingestor: Ingestor, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    report = ingestor.ingest([missing, str(SEED_FILE)])
    assert len(report.added) == 1
    [error] = report.errors
    assert error.input == missing and "\n" not in error.error and error.error


def test_ingest_text(ingestor: Ingestor) -> None:
    report = ingestor.ingest_text(
        "Dock workers in Rotterdam voted to end the harbour crane strike on Friday.", title="Cranes"
    )
    assert [(a.title, a.source) for a in report.added] == [("Cranes", "pasted")]
    stamped = report.added[0].ingested_at  # D11: the report says when, the same time as the index's record
    stored = ingestor.store.get_article_info(report.added[0].id)
    assert stamped is not None and stored is not None and stored.ingested_at == stamped
    assert report.model_dump(mode="json")["added"][0]["ingested_at"].endswith("Z")
    empty = ingestor.ingest_text("   ")
    assert empty.added == [] and len(empty.errors) == 1 and empty.errors[0].input == "pasted text"


def test_progress_reaches_total(settings: Settings, make_articles) -> None:  # type: ignore[no-untyped-def]
    ingestor = Ingestor(ChromaStore(settings, SpyEmbeddings()), settings)
    seen: list[tuple[int, int]] = []
    articles = make_articles(6)
    report = ingestor.ingest_articles(
        articles + articles[:2], progress=lambda done, total, label: seen.append((done, total))
    )
    assert len(report.added) == 6
    # every input has a fate: the two repeats are reported once each, as given twice (issue 16, trial 16 D11)
    assert report.duplicates == []
    assert [n.note for n in report.skipped] == [f"{a.title!r} was given twice: read once" for a in articles[:2]]
    assert [d for d, _ in seen] == list(range(1, 9))
    assert seen[-1] == (8, 8) and all(d <= t for d, t in seen)


def test_embeds_in_bounded_batches_across_articles(tmp_path: Path, make_articles) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(index_dir=tmp_path / "index", ingest_flush_chunks=16)
    spy = SpyEmbeddings()
    ingestor = Ingestor(ChromaStore(settings, spy), settings)
    articles = make_articles(12)
    chunker = ingestor.chunker
    biggest = max(len(chunker(a)) for a in articles)
    spy.calls.clear()
    report = ingestor.ingest_articles(iter(articles))
    assert len(report.added) == 12 and report.chunks == sum(spy.calls)
    assert len(spy.calls) > 1  # streamed, not one call for the whole corpus
    assert max(spy.calls) < ingestor.flush_chunks + biggest
    assert ingestor.store.count_chunks() == report.chunks


def test_one_failing_write_does_not_stop_the_rest(
    settings: Settings, make_articles, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A flush is written in one batch; when that fails, article by article: the error is the bad input's alone."""
    store = ChromaStore(settings, SpyEmbeddings())
    articles = make_articles(3)
    real_add = store.add_articles
    calls: list[list[str]] = []

    def flaky(items):  # type: ignore[no-untyped-def]
        calls.append([a.id for a, _, _ in items])
        if any(a.id == articles[1].id for a, _, _ in items):
            raise ValueError("disk full")
        return real_add(items)

    monkeypatch.setattr(store, "add_articles", flaky)  # add_article (the fallback) writes through it too
    report = Ingestor(store, settings).ingest_articles(articles)
    assert calls == [[a.id for a in articles]] + [[a.id] for a in articles]
    assert [a.id for a in report.added] == [articles[0].id, articles[2].id]
    [error] = report.errors
    assert error.input == articles[1].url and "disk full" in error.error
    assert report.chunks == sum(a.chunks for a in report.added) == store.count_chunks()


def test_failure_inside_the_batch_write_falls_back_and_leaves_no_orphans(
    settings: Settings, make_articles, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Chroma fails mid-batch after writing chunks: the batch is retried article by article, the bad one is reported,
    and its chunks stay invisible until the next open removes them."""
    store = ChromaStore(settings, SpyEmbeddings())
    articles = make_articles(4)
    bad = articles[2].id
    real_upsert = store.chunks.upsert

    def upsert(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_upsert(*args, **kwargs)
        if any(i.startswith(f"{bad}:") for i in kwargs["ids"]):
            raise ChromaError("compaction failed")

    monkeypatch.setattr(store.chunks, "upsert", upsert)
    seen: list[int] = []
    report = Ingestor(store, settings).ingest_articles(articles, progress=lambda done, total, label: seen.append(done))
    assert seen == [1, 2, 3, 4]
    assert [a.id for a in report.added] == [a.id for a in articles if a.id != bad]
    [error] = report.errors
    assert error.input == articles[2].url and "compaction failed" in error.error
    assert sorted(a.id for a in store.list_articles()) == sorted(a.id for a in report.added)
    assert {i.rsplit(":", 1)[0] for ids, _ in store.iter_chunks() for i in ids} == {a.id for a in report.added}
    orphans = store.count_chunks() - report.chunks
    assert orphans > 0  # the bad article's chunks: written, never committed

    reopened = ChromaStore(settings, store.embeddings)
    assert reopened.repaired == orphans
    assert reopened.count_chunks() == report.chunks


@pytest.mark.parametrize("batch_size", [128, 4], ids=["one-flush", "a-flush-each"])
def test_new_versions_of_a_url_replace_within_and_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    """Versions of one URL in one ingest: the last one wins, each replacing the one before only once it is committed;
    the report is the one article-by-article writes give."""
    url = "https://news.test/harbour"
    text = "Dock workers in Rotterdam voted to end the harbour crane strike on Friday. " * 40
    v0, v1, v2 = (load_text(text + f"Update {n}: talks went on.", title="Harbour", url=url) for n in range(3))
    other = load_text(
        "Zebra crossings in Quito get flashing lights, the committee said. " * 30,
        title="Zebras",
        url="https://news.test/z",
    )

    def run(one_by_one: bool) -> tuple[ChromaStore, list[list[str]]]:
        settings = Settings(index_dir=tmp_path / f"index-{one_by_one}", ingest_flush_chunks=batch_size)
        store = ChromaStore(settings, SpyEmbeddings())
        ingestor = Ingestor(store, settings)
        ingestor.ingest_articles([v0])
        if one_by_one:  # every batch write fails: the fallback writes one by one (the behaviour before batches)
            real = store.add_articles

            def single(items):  # type: ignore[no-untyped-def]
                if len(items) > 1:
                    raise ValueError("batch refused")
                return real(items)

            monkeypatch.setattr(store, "add_articles", single)
        report = ingestor.ingest_articles([v1, other, v2])
        assert report.errors == []
        ids = [[a.id for a in report.added], [a.id for a in report.replaced], [str(report.chunks)]]
        return store, ids

    seq_store, sequential = run(True)
    store, batched = run(False)
    assert batched == sequential == [[other.id], [v1.id, v2.id], [batched[2][0]]]
    for s in (store, seq_store):
        assert sorted(a.id for a in s.list_articles()) == sorted([other.id, v2.id])
        found = s.find_by_url(url)
        assert found is not None and found.id == v2.id
        assert {i.rsplit(":", 1)[0] for ids, _ in s.iter_chunks() for i in ids} == {other.id, v2.id}
        assert s.count_chunks() == sum(a.chunks for a in s.list_articles())


def test_index_mismatch_is_not_swallowed(settings: Settings, embeddings, sample_article: Article) -> None:  # type: ignore[no-untyped-def]
    Ingestor(ChromaStore(settings, embeddings), settings).ingest_articles([sample_article])
    other = settings.model_copy(update={"embedding_model": "fake-hash-model"})
    ingestor = Ingestor(ChromaStore(other, SpyEmbeddings()), other)
    with pytest.raises(IndexMismatchError):
        ingestor.ingest_text("Dock workers in Rotterdam voted to end the harbour crane strike on Friday.")


def test_restart_keeps_articles_and_lexical_index(settings: Settings, embeddings, make_articles) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore(settings, embeddings)
    Ingestor(store, settings).ingest_articles(make_articles(3))
    lexical = LexicalIndex(store, settings)
    before = lexical.search("protesters demand changes", 5)
    assert before and lexical.origin == "built"

    # a new store object on the same folder (a restart): same articles, lexical index loaded from its disk cache
    reopened = ChromaStore(settings, embeddings)
    assert [a.id for a in reopened.list_articles()] == [a.id for a in store.list_articles()]
    assert reopened.repaired == 0
    lexical2 = LexicalIndex(reopened, settings)
    assert lexical2.search("protesters demand changes", 5) == before
    assert lexical2.origin == "loaded"
    assert sorted(p.name for p in (settings.index_dir / "lexical").iterdir()) == [store.fingerprint()]

    # another writer adds an article: the first lexical index notices and rebuilds
    extra = load_text(
        "Zebra crossings in Quito get flashing zebra-striped lights, the zebra committee said.", title="Zebras"
    )
    Ingestor(reopened, settings).ingest_articles([extra])
    hits = lexical.search("zebra crossings", 3)
    assert lexical.origin == "built" and hits[0][0] == f"{extra.id}:0"
    assert len(lexical) == reopened.count_chunks()


def test_an_article_with_footnote_marks_is_answered_and_quoted_without_them(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    """Footnote marks ("1931,[3]", "said.[4]") are removed at ingest, so they neither read as citation markers nor
    hide the sentence ends answers are quoted at: the marked article answers as the unmarked one does (trial D4)."""
    from app.services import Newsdesk

    body = (
        "The Glenmoor dam, completed in 1931,[3] reached a record water level of 212 metres on Monday, engineers "
        "said.[4] The reservoir supplies water to about 80,000 households in the valley.[5]\n\n"
        'Engineer Sofia Marsh said the spillway gates were opened at dawn "as a precaution".[6]'
    )
    path = tmp_path / "dam.md"
    path.write_text(
        f"---\ntitle: Glenmoor dam at record level\nsource: Valley Courier\n---\n{body}\n", encoding="utf-8"
    )
    desk = Newsdesk(Settings(_env_file=None, index_dir=tmp_path / "index"), embeddings=embeddings)  # type: ignore[call-arg]
    assert len(desk.ingest([str(path)]).added) == 1
    [info] = desk.articles()
    text = desk.get_article(info.id).text
    assert "[3]" not in text and "1931, reached" in text
    answer = desk.ask("What water level did the Glenmoor dam reach?", backend="extractive")
    assert not answer.abstained and "212 metres" in answer.answer
    assert [c.n for c in answer.citations] == [1] and answer.citations[0].quote in text
    assert all(s.supported for s in answer.sentences)
    households = desk.ask("How many households does the reservoir supply?", backend="extractive")
    assert "80,000" in households.answer and "[5]" not in households.answer and len(households.citations) == 1
