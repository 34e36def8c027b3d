"""Chunk invariants: exact spans, full coverage of the text's sentences, token and word-piece limits."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.chunks.chunking import chunk_article
from app.chunks.tokens import count_tokens, get_encoding
from app.text import build_article

SEED = Path(__file__).resolve().parents[1] / "app" / "data" / "sample"
ENC = get_encoding("cl100k_base")

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
sentence = st.lists(words, min_size=1, max_size=40).map(lambda ws: " ".join(ws) + ".")
paragraph = st.lists(sentence, min_size=1, max_size=8).map(" ".join)
body = st.lists(paragraph, min_size=1, max_size=6).map("\n".join)


def _check(article, chunks, max_tokens, max_wp=None, wp=None):  # type: ignore[no-untyped-def]
    assert chunks, "a non-empty article yields chunks"
    covered = [False] * len(article.text)
    for n, c in enumerate(chunks):
        assert c.n == n and c.id == f"{article.id}:{n}"
        assert article.text[c.start : c.end] == c.text
        assert c.tokens == count_tokens(c.text) <= max_tokens
        if wp is not None:
            assert wp(c.text) <= max_wp
        for i in range(c.start, c.end):
            covered[i] = True
    # Every non-space character of the text is inside some chunk.
    missing = [i for i, ch in enumerate(article.text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered text: {article.text[missing[0] : missing[0] + 40]!r}"
    # Chunks advance through the text.
    assert all(a.start < b.start for a, b in itertools.pairwise(chunks))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=body, max_tokens=st.integers(min_value=8, max_value=200), overlap=st.integers(min_value=0, max_value=60))
def test_chunk_invariants_hold_for_any_text(text: str, max_tokens: int, overlap: int) -> None:
    article = build_article("t", text)
    if not article.text:
        return
    _check(article, chunk_article(article, max_tokens=max_tokens, overlap_tokens=overlap, encoding=ENC), max_tokens)


def test_sample_article_chunks_are_exact_and_overlap() -> None:
    text = next(SEED.glob("*.txt")).read_text(encoding="utf-8")
    article = build_article("Sample", text)
    chunks = chunk_article(article, max_tokens=180, overlap_tokens=40, encoding=ENC)
    _check(article, chunks, 180)
    assert len(chunks) >= 4
    assert any(b.start < a.end for a, b in itertools.pairwise(chunks)), "some consecutive chunks overlap"


def test_one_huge_sentence_is_cut_at_whitespace_within_limits() -> None:
    article = build_article("t", " ".join(f"word{i}" for i in range(5000)))
    chunks = chunk_article(article, max_tokens=64, overlap_tokens=10, encoding=ENC)
    _check(article, chunks, 64)
    assert all(not c.text[0].isspace() and not c.text[-1].isspace() for c in chunks)


@pytest.mark.slow
def test_no_chunk_exceeds_the_embedding_models_window(embeddings) -> None:  # type: ignore[no-untyped-def]
    """all-MiniLM-L6-v2 truncates silently at 256 word pieces; text dense in word pieces must still fit."""
    from app.chunks.wordpieces import max_wordpieces, wordpiece_counter

    wp, max_wp = wordpiece_counter(embeddings), max_wordpieces(embeddings)
    assert wp is not None and max_wp == 256
    # Digits and rare words cost many more word pieces than tiktoken tokens.
    dense = " ".join(f"Zxqv{i}kq 9{i}7.{i}3%" for i in range(800)) + "."
    article = build_article("t", dense)
    chunks = chunk_article(
        article, max_tokens=400, overlap_tokens=0, encoding=ENC, max_wordpieces=max_wp, wordpieces=wp
    )
    _check(article, chunks, 400, max_wp, wp)
    assert max(wp(c.text) for c in chunks) <= 256
