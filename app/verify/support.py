"""The support checker: is a claim backed by the passages it cites? Explainable rules plus embedding similarity.

Rules, in order of severity:
- hard fails: a number/quantity, a proper name or a time expression of the claim is absent from the passages;
- penalties: negation or antonym mismatch between the claim and the best-supporting passage sentence(s);
- score: share of the claim's content words (stemmed) found in the passages, and the cosine similarity of the
  claim to the best passage sentence(s) (lexical-only when no embeddings are given: documented lower accuracy
  on paraphrases). Measured on evals/support_pairs.jsonl by app.evaluation.judge.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from app.chunks.span_vectors import CLAUSE_BREAK, SpanVectors
from app.injection import mask_instruction_text
from app.models import STATS_OPEN
from app.nlp import NlpUnavailable
from app.text import split_sentences, strip_span
from app.verify.analysis import (
    SOURCE_SCOPE,
    Analysis,
    analyze,
    antonyms,
    contains,
    coverage,
    name_present,
    similar_stem,
    stem,
)
from app.verify.predicates import contradictions

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

# Weights of the score; similarity is rescaled from [SIM_LOW, SIM_HIGH] to [0, 1].
SIM_LOW, SIM_HIGH = 0.35, 0.85
NEGATION_FACTOR = 0.4  # score multiplier when claim and source disagree on polarity
HARD_FAIL_FACTOR = 0.5  # score multiplier when a number, name or time is missing
PAIR_MARGIN = 0.05  # a two-sentence quote must beat the best single sentence by this much


@dataclass
class SupportResult:
    """The verdict on one claim against a list of passages."""

    supported: bool
    score: float
    reason: str
    passage_index: int | None = None
    """0-based index (into the passages given) of the passage that best supports the claim."""
    quote: tuple[int, int] | None = None
    """Span inside passages[passage_index] of the sentence(s) that best support the claim."""
    passage_spans: list[tuple[int, int] | None] = field(default_factory=list)
    """Best-supporting sentence span inside every passage given (None for an empty passage)."""
    similarity: float | None = None
    coverage: float = 0.0


# ---------------------------------------------------------------- rules


def hard_failures(claim: Analysis, source: Analysis) -> list[str]:
    """Numbers, names and time expressions of the claim that the source lacks."""
    fails: list[str] = []
    values = [v for _, v in source.numbers]
    for surface, value in claim.numbers:
        if not any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            fails.append(f"number '{surface}'")
    for name in claim.names:
        if not name_present(name, source):
            fails.append(f"name '{name}'")
    for surface, value, unit in claim.time_pairs:
        ok = (value, unit) in {(v, u) for _, v, u in source.time_pairs}
        if not ok and value == 1.0 and surface.split()[0] in {"a", "an"}:
            ok = unit in source.bare_units
        if not ok:
            fails.append(f"time '{surface}'")
    paired = {w.lower() for surface, _, _ in claim.time_pairs for w in surface.split()[1:]}
    for word in claim.temporal:
        low = word.lower()
        if low not in paired and not contains(source.content | source.words, stem(low)) and low not in source.words:
            fails.append(f"time '{word}'")
    return fails


def polarity_mismatches(claim: Analysis, source: Analysis) -> list[str]:
    """Negations or antonyms that make the claim say the opposite of the source."""
    issues: list[str] = []
    source_neg = frozenset().union(*source.neg_scopes)
    # Claim negates something the source asserts (unless the source negates it in other words: "denies").
    if not source.has_implicit:
        for scope in claim.neg_scopes:
            if (
                scope
                and not any(contains(source_neg, s) for s in scope)
                and any(contains(source.free, s) for s in scope)
            ):
                issues.append(f"claim negates '{_first(scope, claim)}' but the passage does not")
                break
    # Claim asserts something the source only ever negates.
    for s in sorted(source_neg - source.free):
        if any(similar_stem(s, a) for a in claim.free_all):
            issues.append(f"passage negates '{s}' but the claim does not")
            break
    # Antonyms ("confirms" where the source says "denies") and negative prefixes ("favorable"/"unfavorable").
    for a in sorted(claim.free_all - source.content):
        opposite = next((b for b in antonyms().get(a, ()) if b in source.free), None)
        for p in ("un", "dis", "non"):
            if a.startswith(p) and len(a) - len(p) >= 4 and a[len(p) :] in source.free:
                opposite = a[len(p) :]
            elif p + a in source.free:
                opposite = p + a
        if opposite:
            issues.append(f"claim says '{a}' but the passage says '{opposite}'")
    return issues[:2]


def _first(scope: frozenset[str], claim: Analysis) -> str:
    return next((s for s in claim.content_order if s in scope), next(iter(scope)))


# ---------------------------------------------------------------- embeddings cache


class _EmbeddingCache:
    """A small LRU cache of text -> unit vector, filled in batches."""

    def __init__(self, embeddings: Embeddings, maxsize: int = 4096) -> None:
        self.embeddings = embeddings
        self.maxsize = maxsize
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(texts))
        with self._lock:
            missing = [t for t in wanted if t not in self._data]
        if missing:
            vectors = np.asarray(self.embeddings.embed_documents(missing), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
            with self._lock:
                for t, v in zip(missing, vectors, strict=True):
                    self._data[t] = v
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for t in wanted:
                if t in self._data:
                    self._data.move_to_end(t)
                    out[t] = self._data[t]
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        # Texts evicted by a batch larger than the cache are still returned from this call.
        if missing:
            for t, v in zip(missing, vectors, strict=True):
                out.setdefault(t, v)
        return out


# ---------------------------------------------------------------- the checker


@dataclass(frozen=True)
class _Window:
    passage: int
    start: int
    end: int
    text: str
    pair: bool
    clauses: tuple[str, ...]  # clauses of its sentences: a claim restating part of a long sentence matches one
    clause_spans: tuple[tuple[int, int], ...] = ()  # where the clauses are in the passage


_CLAUSE_STRIP = " \"'“”‘’()"


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of the sentence text[start:end] (at least three words each), or none when it has only one."""
    bounds, pos = [], start
    for m in [*CLAUSE_BREAK.finditer(text, start, end), None]:
        bounds.append(strip_span(text, pos, m.start() if m else end, _CLAUSE_STRIP))
        pos = m.end() if m else pos
    spans = [(a, b) for a, b in bounds if len(text[a:b].split()) >= 3]
    return spans if len(spans) > 1 else []


def _windows(passages: Sequence[str]) -> list[_Window]:
    out: list[_Window] = []
    for i, text in enumerate(passages):
        spans = split_sentences(text)
        cspans = [tuple(_clause_spans(text, sp.start, sp.end)) for sp in spans]
        clauses = [tuple(text[a:b] for a, b in cs) for cs in cspans]
        for k, sp in enumerate(spans):
            out.append(_Window(i, sp.start, sp.end, text[sp.start : sp.end], False, clauses[k], cspans[k]))
            if k + 1 < len(spans):
                nxt = spans[k + 1]
                out.append(
                    _Window(
                        i,
                        sp.start,
                        nxt.end,
                        text[sp.start : nxt.end],
                        True,
                        clauses[k] + clauses[k + 1],
                        cspans[k] + cspans[k + 1],
                    )
                )
    return out


def _pooled(
    claim: str, passages: list[str], windows: list[_Window], stored: Sequence[SpanVectors | None] | None
) -> tuple[np.ndarray, list[list[np.ndarray]]] | None:
    """Claim and window vectors pooled from the passages' stored span vectors (app.chunks.span_vectors), when the claim is
    quoted from a cited passage (the extractive engine's answers) and every vector can be pooled; else None, and the
    claim is judged with freshly embedded vectors, as the checker was measured (a free-text claim and pooled windows
    would mix two kinds of vector)."""
    if stored is None or not claim:
        return None
    claim_vec = None
    for text, sv in zip(passages, stored, strict=True):
        at = text.find(claim)
        if at < 0 and claim[:1].isupper():
            at = text.find(claim[:1].lower() + claim[1:])
        if sv is not None and at >= 0:
            claim_vec = sv.vector(at, at + len(claim))
            break
    if claim_vec is None:
        return None
    vecs: list[list[np.ndarray]] = []
    for w in windows:
        sv = stored[w.passage]
        got = [sv.vector(a, b) for a, b in ((w.start, w.end), *w.clause_spans)] if sv is not None else [None]
        if any(v is None for v in got):
            return None
        vecs.append([v for v in got if v is not None])
    return claim_vec, vecs


def _scaled(sim: float) -> float:
    return float(min(1.0, max(0.0, (sim - SIM_LOW) / (SIM_HIGH - SIM_LOW))))


class SupportChecker:
    """Decides whether a claim is supported by passages; embeddings=None means lexical-only (less accurate)."""

    def __init__(self, embeddings: Embeddings | None, threshold: float = 0.5, cache_size: int = 4096) -> None:
        self.embeddings = embeddings
        self.threshold = threshold
        self._cache = _EmbeddingCache(embeddings, cache_size) if embeddings is not None else None

    def check(self, claim: str, passages: list[str]) -> SupportResult:
        """Is `claim` supported by the union of `passages`?"""
        return self.check_many([claim], [passages])[0]

    score = check  # name used in docs/architecture.md

    def check_many(
        self,
        claims: list[str],
        passages_per_claim: list[list[str]],
        span_vectors: list[list[SpanVectors | None]] | None = None,
    ) -> list[SupportResult]:
        """check() for many claims, embedding every claim and passage sentence in one batch. `span_vectors` (aligned
        with the passages) lets a claim quoted from its passages be judged without embedding anything."""
        if len(claims) != len(passages_per_claim):
            raise ValueError(f"check_many: {len(claims)} claims but {len(passages_per_claim)} passage lists")
        # Instruction text planted in an article is never evidence (same length: spans stay exact).
        masked = [[mask_instruction_text(t) for t in p] for p in passages_per_claim]
        windows = [_windows(p) for p in masked]
        pooled: list[tuple[np.ndarray, list[list[np.ndarray]]] | None] = [None] * len(claims)
        if self._cache is not None and span_vectors is not None:
            for i, (claim, original, m, ws) in enumerate(zip(claims, passages_per_claim, masked, windows, strict=True)):
                # Stored vectors were pooled from the unmasked text: only used where masking changed nothing.
                stored = span_vectors[i] if original == m else None
                pooled[i] = _pooled(claim.strip(), m, ws, stored)
        vectors: dict[str, np.ndarray] = {}
        if self._cache is not None:
            todo = [k for k, p in enumerate(pooled) if p is None]
            texts = [claims[k].strip() for k in todo] + [
                t for k in todo for w in windows[k] for t in (w.text, *w.clauses)
            ]
            vectors = self._cache.get_many(t for t in texts if t) if texts else {}
        return [
            self._judge(claim.strip(), passages, ws, vectors, pool)
            for claim, passages, ws, pool in zip(claims, masked, windows, pooled, strict=True)
        ]

    def _judge(
        self,
        claim: str,
        passages: list[str],
        windows: list[_Window],
        vectors: dict[str, np.ndarray],
        pooled: tuple[np.ndarray, list[list[np.ndarray]]] | None = None,
    ) -> SupportResult:
        if not claim:
            return SupportResult(False, 0.0, "empty claim")
        if not windows:
            return SupportResult(False, 0.0, "no passage text to check against", passage_spans=[None] * len(passages))
        c = analyze(claim)
        if not c.content and not c.numbers and not c.names:
            return SupportResult(False, 0.0, "nothing to verify in the claim", passage_spans=[None] * len(passages))
        claim_vec = vectors.get(claim)
        sims: list[float | None] = [None] * len(windows)
        if pooled is not None:
            sims = [max(float(pooled[0] @ v) for v in vs) for vs in pooled[1]]
        elif claim_vec is not None:
            sims = [max(float(claim_vec @ vectors[t]) for t in (w.text, *w.clauses)) for w in windows]
        wscores = [self._window_score(c, w, s) for w, s in zip(windows, sims, strict=True)]
        best_per: dict[int, int] = {}
        for k, w in enumerate(windows):
            b = best_per.get(w.passage)
            if b is None or wscores[k] > wscores[b] + 1e-12:
                best_per[w.passage] = k
        best = max(best_per.values(), key=lambda k: (wscores[k], -k))
        win, sim = windows[best], sims[best]
        union = analyze("\n".join(passages))
        window_a = analyze(win.text, SOURCE_SCOPE)
        cov_union, cov_win = coverage(c, union), coverage(c, window_a)
        if sim is None:
            score = 0.7 * cov_union + 0.3 * cov_win
        else:
            score = 0.35 * cov_union + 0.15 * cov_win + 0.5 * _scaled(sim)
        fails = hard_failures(c, union)
        polarity = polarity_mismatches(c, window_a)
        predicates = [] if fails else _predicate_issues(claim, win.text)
        if polarity or predicates:
            score *= NEGATION_FACTOR
        if fails:
            score *= HARD_FAIL_FACTOR
        score = round(min(1.0, max(0.0, score)), 4)
        supported = not fails and not predicates and score >= self.threshold
        reason = _reason(supported, fails, predicates + polarity, cov_union, sim, score, self.threshold)
        spans: list[tuple[int, int] | None] = [None] * len(passages)
        for p, k in best_per.items():
            spans[p] = (windows[k].start, windows[k].end)
        return SupportResult(
            supported=supported,
            score=score,
            reason=reason,
            passage_index=win.passage,
            quote=(win.start, win.end),
            passage_spans=spans,
            similarity=None if sim is None else round(sim, 4),
            coverage=round(cov_union, 4),
        )

    def _window_score(self, claim: Analysis, w: _Window, sim: float | None) -> float:
        cov = coverage(claim, analyze(w.text, SOURCE_SCOPE))
        score = cov if sim is None else 0.5 * cov + 0.5 * _scaled(sim)
        return score - (PAIR_MARGIN if w.pair else 0.0)


def _predicate_issues(claim: str, source: str) -> list[str]:
    """Contradictions at the level of who did what (app.verify.predicates); none for a claim quoted whole from the
    source (the extractive engine's sentences: nothing to parse) or when the spaCy model is not installed."""
    if claim in source:
        return []
    try:
        return contradictions(claim, source)[:2]
    except NlpUnavailable:
        log.warning("predicate check skipped: the spaCy model is not installed")
        return []


def _reason(
    supported: bool,
    fails: list[str],
    polarity: list[str],
    cov: float,
    sim: float | None,
    score: float,
    threshold: float,
) -> str:
    stats = f"{cov:.0%}" + ("" if sim is None else f", similarity {sim:.2f}") + f", score {score:.2f})"
    if supported:
        return f"supported{STATS_OPEN}{stats}"
    parts = [f"{f} not in cited passage" for f in fails] + polarity
    if not parts:
        parts.append(f"weak support: score below {threshold:.2f}")
    return "; ".join(parts) + STATS_OPEN + stats
