"""Sentence and clause vectors at no extra model cost, pooled from the chunk's own forward pass ("late chunking").

At ingest the embedding model already runs over every chunk; its token embeddings, averaged over a sentence's tokens,
give that sentence a vector in context. A chunk's text is cut into *segments* — sentences (`app.text.split_sentences`),
each cut again at clause breaks — and for each segment we keep its character span, its token count and the mean of its
tokens' embeddings. Any span made of whole segments (a sentence, a sentence with its neighbour, a clause) then pools
exactly: Σ count·mean / Σ count, normalized. The extractive engine and the support checker read these instead of
embedding every sentence, pair and clause of the retrieved passages at question time (docs/performance.md, answer
latency). Means are stored as int8 with one scale per segment (cosine error below 0.01), base64 in the chunk's
metadata, so they live and die with the chunk in any Chroma (embedded or server).

Pure logic: the model call that produces token embeddings lives in app.store.embeddings.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.text import split_sentences, strip_span

__all__ = ["CLAUSE_BREAK", "SpanVectors", "decode", "pool_segments", "segments"]

_MAGIC = b"SV1"
_HEADER = struct.Struct("<3sII")  # magic, segments, dim
CLAUSE_BREAK = re.compile(r"""[,;:—–]+["'”’]*\s*|\s+-\s+""")
"""The support checker's clause breaks, which include the extractive engine's (`[,;—]\\s+`): the clauses of both are
runs of whole segments (tests/test_span_vectors.py)."""
_STRIP = " \t\n\"'“”‘’()"
SLACK = 3
"""Characters a requested span may cut off a segment at either end (stripped quotes and brackets)."""
MIN_COVER = 0.75
"""Share of a requested span's characters its segments must cover, else there is no vector for it."""


def segments(text: str) -> list[tuple[int, int]]:
    """Sentence pieces between clause breaks, as [start, end) spans into `text`, stripped of spaces and quotes."""
    out: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        a, b = strip_span(text, a, b, _STRIP)
        if b > a:
            out.append((a, b))

    for sp in split_sentences(text):
        pos = sp.start
        for m in CLAUSE_BREAK.finditer(text, sp.start, sp.end):
            add(pos, m.start())
            pos = m.end()
        add(pos, sp.end)
    return out


@dataclass(frozen=True)
class SpanVectors:
    """Per-segment token counts and mean token embeddings of one chunk."""

    starts: np.ndarray  # (n,) int
    ends: np.ndarray  # (n,) int
    counts: np.ndarray  # (n,) float32, tokens per segment
    means: np.ndarray  # (n, dim) float32

    @property
    def dim(self) -> int:
        return int(self.means.shape[1]) if self.means.ndim == 2 else 0

    def vector(self, start: int, end: int) -> np.ndarray | None:
        """The unit vector of [start, end) pooled from the segments inside it; None when they cover too little of it."""
        if end <= start or not len(self.starts):
            return None
        inside = (self.starts >= start - SLACK) & (self.ends <= end + SLACK)
        if not inside.any():
            return None
        covered = float(np.minimum(self.ends[inside], end).sum() - np.maximum(self.starts[inside], start).sum())
        if covered < MIN_COVER * (end - start):
            return None
        w = self.counts[inside]
        v = (self.means[inside] * w[:, None]).sum(axis=0)
        norm = float(np.linalg.norm(v))
        return (v / norm).astype(np.float32) if norm > 0 else None

    def encode(self) -> str:
        """Compact text for Chroma metadata: int8 means with one float16 scale per segment."""
        n, dim = len(self.starts), self.dim
        scale = np.maximum(np.abs(self.means).max(axis=1), 1e-12) if n else np.zeros(0, dtype=np.float32)
        q = (
            np.clip(np.rint(self.means / scale[:, None] * 127), -127, 127).astype(np.int8)
            if n
            else np.zeros(0, np.int8)
        )
        raw = b"".join(
            (
                _HEADER.pack(_MAGIC, n, dim),
                self.starts.astype("<u4").tobytes(),
                self.ends.astype("<u4").tobytes(),
                self.counts.astype("<u2").tobytes(),
                scale.astype("<f2").tobytes(),
                q.tobytes(),
            )
        )
        return base64.b64encode(raw).decode("ascii")


@lru_cache(maxsize=256)  # about 40 KB each decoded: the passages of the last few dozen questions
def decode(blob: str) -> SpanVectors | None:
    """The SpanVectors of `encode()`; None for anything else (an older or foreign value is simply not used)."""
    try:
        raw = base64.b64decode(blob, validate=True)
        magic, n, dim = _HEADER.unpack_from(raw)
        if magic != _MAGIC:
            return None
        off = _HEADER.size
        starts = np.frombuffer(raw, "<u4", n, off).astype(np.int64)
        off += 4 * n
        ends = np.frombuffer(raw, "<u4", n, off).astype(np.int64)
        off += 4 * n
        counts = np.frombuffer(raw, "<u2", n, off).astype(np.float32)
        off += 2 * n
        scale = np.frombuffer(raw, "<f2", n, off).astype(np.float32)
        off += 2 * n
        q = np.frombuffer(raw, np.int8, n * dim, off).astype(np.float32).reshape(n, dim)
    except (ValueError, struct.error):
        return None
    return SpanVectors(starts, ends, counts, q * (scale[:, None] / 127))


def pool_segments(text: str, offsets: Sequence[tuple[int, int]], token_embeddings: np.ndarray) -> SpanVectors:
    """Segments of `text` with the mean of the token embeddings whose characters start inside each.

    `offsets[i]` is token i's character span (special tokens have empty spans); `token_embeddings` is (tokens, dim).
    Segments without a token (cut off by truncation) are left out, so spans over them get no vector."""
    segs = segments(text)
    dim = int(token_embeddings.shape[1])
    if not segs:
        return SpanVectors(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros((0, dim), np.float32)
        )
    starts = np.array([a for a, _ in segs], dtype=np.int64)
    ends = np.array([b for _, b in segs], dtype=np.int64)
    tok_start = np.array([s for s, e in offsets], dtype=np.int64)
    real = np.array([e > s for s, e in offsets], dtype=bool)
    seg_of = np.searchsorted(starts, tok_start, side="right") - 1
    ok = real & (seg_of >= 0)
    ok[ok] &= tok_start[ok] < ends[seg_of[ok]]
    member = np.zeros((len(segs), len(offsets)), dtype=np.float32)  # segment x token
    member[seg_of[ok], np.flatnonzero(ok)] = 1.0
    counts = member.sum(axis=1)
    sums = member @ token_embeddings.astype(np.float32, copy=False)
    keep = counts > 0
    means = sums[keep] / counts[keep][:, None]
    return SpanVectors(starts[keep], ends[keep], counts[keep], means)
