"""Passages that repeat word for word within an article are indexed once (trial 16 D1)."""

from __future__ import annotations

from collections.abc import Sequence

from app.models import Chunk


def without_repeats(chunks: Sequence[Chunk]) -> tuple[list[Chunk], int]:
    """The chunks less those whose text (whitespace folded) repeats an earlier chunk of the same article, renumbered
    in order; and how many were dropped. Identical vectors collapse Chroma's HNSW graph: a few hundred copies of one
    passage kept every other passage out of the dense results (trial 16 D1). The kept chunk's offsets are its
    first occurrence, so a citation quotes the article's text exactly and points at the first place it says so."""
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    kept: list[Chunk] = []
    for c in chunks:
        key = (c.article_id, " ".join(c.text.split()))
        if key in seen:
            continue
        seen.add(key)
        n = counts[c.article_id] = counts.get(c.article_id, -1) + 1
        kept.append(c if c.n == n else c.model_copy(update={"id": f"{c.article_id}:{n}", "n": n}))
    return kept, len(chunks) - len(kept)
