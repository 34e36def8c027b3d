"""Which retrieved articles a topic briefing (`brief --query`) is about. Retrieval always returns its top k passages,
so without this a briefing on a topic covered by two articles also briefed the least unrelated others (topic source
precision 0.29 on evals/topics_dev.jsonl, end to end), and a topic no article covers was briefed from
whatever came closest.

An article is on the topic when its best passage is nearly as similar to the topic as the best article's is, and the
best is similar enough at all (the dense reading: descriptions such as "record price for a painting at auction"), or
when it holds every word of the topic (the lexical reading: names such as "Makena", which a sentence-embedding model
of invented names barely places). The thresholds were set on the dev part only; docs/evaluation.md reports both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.models import Passage

TOPIC_RELATIVE = 0.8
"""An article whose best passage is at least this share as similar to the topic as the best article's is about it
too (dev: 0.85 scored a little higher, 0.8 keeps room for broad topics whose articles match less evenly)."""
TOPIC_FLOOR = 0.35
"""Cosine similarity the best passage must reach for the dense reading to apply: dev topics no article covers top out
at 0.33 ("wildfire evacuations" against an earthquake report), covered descriptive topics start at 0.39."""

Tokenize = Callable[[list[str]], list[list[str]]]


def on_topic(query: str, passages: Sequence[Passage], tokenize: Tokenize) -> list[Passage]:
    """The passages of the articles that are about the topic, in their retrieved order ([] when none is)."""
    best: dict[str, float] = {}
    words: dict[str, set[str]] = {}
    for p in passages:
        best[p.article_id] = max(best.get(p.article_id, 0.0), p.dense_score or 0.0)
        words.setdefault(p.article_id, set()).update(*tokenize([f"{p.title}\n{p.text}"]))
    if not best:
        return []
    asked: set[str] = set(tokenize([query])[0])
    top = max(best.values())
    kept = {
        article
        for article, score in best.items()
        if (top >= TOPIC_FLOOR and score >= TOPIC_RELATIVE * top) or (asked and asked <= words[article])
    }
    return [p for p in passages if p.article_id in kept]
