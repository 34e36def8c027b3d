"""Hybrid retrieval: RRF, answer sentences in the top 5, filters, MMR, the LangChain adapter."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from langchain_core.documents import Document

from app.ingest.loaders import load_text
from app.models import Article, SearchFilters
from app.retrieve.hybrid import HybridRetriever, reciprocal_rank_fusion
from app.settings import Settings
from app.store.chroma import ChromaStore
from app.store.ingest import Ingestor

QUESTIONS = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "retrieval_questions.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
CRANES = "Dock workers in Rotterdam voted to end the harbour crane strike on Friday after a pay deal."


def hit_rate(retriever: HybridRetriever, k: int = 5) -> tuple[float, list[str]]:
    misses = [q["id"] for q in QUESTIONS if not any(q["answer"] in p.text for p in retriever.search(q["question"], k))]
    return 1 - len(misses) / len(QUESTIONS), misses


@pytest.fixture
def indexed(tmp_path: Path, embeddings, sample_article: Article) -> HybridRetriever:  # type: ignore[no-untyped-def]
    settings = Settings(index_dir=tmp_path / "index")
    store = ChromaStore(settings, embeddings)
    cranes = load_text(CRANES, title="Cranes", source="Port News")
    cranes.published = datetime(2024, 3, 1)
    Ingestor(store, settings).ingest_articles([sample_article, cranes])
    return HybridRetriever(store, embeddings, settings)


def test_rrf_adds_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60)
    assert list(fused) == ["a", "c", "b"]
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert reciprocal_rank_fusion([[], []]) == {}


def test_questions_are_written_from_the_article(sample_article: Article) -> None:
    assert len(QUESTIONS) >= 15
    sentences = {sample_article.text[s.start : s.end] for s in sample_article.sentences}
    assert all(q["answer"] in sentences for q in QUESTIONS), [
        q["id"] for q in QUESTIONS if q["answer"] not in sentences
    ]


def test_answer_sentence_is_in_the_top_5_for_every_question(indexed: HybridRetriever) -> None:
    rate, misses = hit_rate(indexed)
    assert misses == [], f"hit rate@5 {rate:.2f}"


def test_passages_carry_scores_and_metadata(indexed: HybridRetriever, sample_article: Article) -> None:
    passages = indexed.search("How large may Ukraine's army be?", 4)
    assert len(passages) == 4
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    top = passages[0]
    assert top.dense_score is not None and top.lexical_score is not None and top.score > 0
    assert (top.title, top.source, top.published) == (
        sample_article.title,
        sample_article.source,
        sample_article.published,
    )
    assert sample_article.text[top.start : top.end] == top.text
    assert indexed.embed_query_ms > 0 and indexed.timings["total_ms"] >= indexed.embed_query_ms
    assert indexed.search("   ", 4) == []


def test_lexical_only_hits_are_fused_in(indexed: HybridRetriever) -> None:
    """A rare exact term ranks high through BM25 even where the dense side also competes."""
    passages = indexed.search("Kupiansk", 3)
    assert any("Kupiansk" in p.text and p.lexical_score for p in passages)


def test_filters_apply_to_both_sides(indexed: HybridRetriever, sample_article: Article) -> None:
    def articles(**kw) -> set[str]:  # type: ignore[no-untyped-def]
        return {p.article_id for p in indexed.search("strike and peace plan", 10, SearchFilters(**kw))}

    cranes_id = next(a.id for a in indexed.store.list_articles() if a.title == "Cranes")
    assert articles() == {sample_article.id, cranes_id}
    assert articles(source="Port News") == {cranes_id}
    assert articles(article_ids=[sample_article.id]) == {sample_article.id}
    assert articles(since=datetime(2025, 1, 1)) == {sample_article.id}
    assert articles(until=datetime(2024, 12, 31)) == {cranes_id}
    assert articles(since=datetime(2030, 1, 1)) == set()
    # the lexical side alone would find "Rotterdam" in the cranes article: the filter must hold there too
    assert {p.article_id for p in indexed.search("Rotterdam", 5, SearchFilters(article_ids=[sample_article.id]))} <= {
        sample_article.id
    }


def test_mmr_spreads_near_duplicates(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    text = "The city council approved a new tram line to the airport, to open in 2027 at a cost of 400 million euros."
    twins = [
        load_text(text, title="Tram A"),
        load_text(text + " Work starts in May.", title="Tram B"),
        load_text(
            "Ferry fares across the bay will rise by ten percent next month, the port authority said.", title="Ferry"
        ),
    ]
    settings = Settings(index_dir=tmp_path / "index", mmr_lambda=0.3)
    store = ChromaStore(settings, embeddings)
    Ingestor(store, settings).ingest_articles(twins)
    retriever = HybridRetriever(store, embeddings, settings)
    plain = retriever.search("new tram line to the airport", 2, mmr=False)
    diverse = retriever.search("new tram line to the airport", 2, mmr=True)
    assert {p.title for p in plain} == {"Tram A", "Tram B"}
    assert {p.title for p in diverse} == {"Ferry", diverse[0].title} and diverse[0].title.startswith("Tram")
    on = HybridRetriever(store, embeddings, settings.model_copy(update={"mmr": True}))
    assert [p.chunk_id for p in on.search("new tram line to the airport", 2)] == [p.chunk_id for p in diverse]


def test_langchain_retriever(indexed: HybridRetriever, sample_article: Article) -> None:
    docs = indexed.as_langchain_retriever(k=3, filters=SearchFilters(article_ids=[sample_article.id])).invoke(
        "Who is Dmitry Peskov?"
    )
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    assert any("Peskov" in d.page_content for d in docs)
    meta = docs[0].metadata
    assert meta["article_id"] == sample_article.id and meta["chunk_id"] == docs[0].id
    assert {"score", "dense_score", "lexical_score", "title", "start", "end"} <= set(meta)


@pytest.mark.slow
def test_hit_rate_holds_among_200_distractors(
    tmp_path: Path, embeddings, sample_article: Article, make_articles
) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(index_dir=tmp_path / "index")
    store = ChromaStore(settings, embeddings)
    report = Ingestor(store, settings).ingest_articles([sample_article, *make_articles(200, seed=7)])
    assert len(report.added) == 201 and report.errors == []
    rate, misses = hit_rate(HybridRetriever(store, embeddings, settings))
    assert misses == [], f"hit rate@5 {rate:.2f}"
