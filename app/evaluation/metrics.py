"""Evaluation metrics as pure functions. Each returns None when it is undefined for the input (see docs/evaluation.md).

Conventions: per-question scores are in [0, 1] or None; `aggregate` averages the defined ones (macro average over
questions) and keeps the count, so "n/a" is never silently turned into 0 or 1.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from app.models import Answer, Briefing, BriefingPoint, Citation

Supports = Callable[[str, list[str]], bool]
"""supports(claim, quotes) -> True when the quotes together support the claim (the shared support checker)."""

_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_ARTICLES = {"a", "an", "the"}
MERGE_GAP = 2
"""Cited spans separated by at most this many characters (the space between sentences) count as one span."""


@dataclass(frozen=True)
class SpanRef:
    """A character span [start, end) of one article's text."""

    article_id: str
    start: int
    end: int


class Score(BaseModel):
    """An aggregate: mean of the defined per-item values (None when none is defined) and how many there were."""

    value: float | None
    n: int


# ---- aggregation ---------------------------------------------------------------------------------------------------
def aggregate(values: Iterable[float | None]) -> Score:
    """mean(v for v in values if v is not None); value None when no value is defined."""
    defined = [v for v in values if v is not None]
    return Score(value=sum(defined) / len(defined) if defined else None, n=len(defined))


def share(flags: Sequence[bool]) -> float | None:
    """|{f : f}| / |flags|; None for an empty sequence."""
    return sum(flags) / len(flags) if flags else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated q-th percentile (0 <= q <= 100): x[floor(h)] + (h - floor(h)) * (x[ceil(h)] - x[floor(h)]),
    h = (n - 1) * q / 100 over the sorted values (numpy's default). None for no values."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    xs = sorted(values)
    h = (len(xs) - 1) * q / 100
    lo, hi = math.floor(h), math.ceil(h)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


# ---- text normalization ----------------------------------------------------------------------------------------------
def strip_markers(text: str) -> str:
    """Remove [n] / [n, m] citation markers."""
    return _MARKER.sub("", text)


def normalize_answer(text: str) -> str:
    """SQuAD-style normalization: NFKC, lower case, citation markers and punctuation removed, articles (a/an/the)
    dropped, whitespace collapsed. Unlike SQuAD, punctuation becomes a space (so "28-point" keeps the token "28")."""
    text = strip_markers(unicodedata.normalize("NFKC", text)).lower()
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    return " ".join(t for t in text.split() if t not in _ARTICLES)


def normalize_quote(text: str) -> str:
    """Whitespace-insensitive form used to match evidence quotes: NFKC, runs of whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def quote_in_text(quote: str, text: str) -> bool:
    """True when the quote occurs in the text, ignoring differences in whitespace."""
    q = normalize_quote(quote)
    return bool(q) and q in normalize_quote(text)


def locate_quote(quote: str, text: str) -> list[tuple[int, int]]:
    """Every (start, end) where the quote occurs in `text`, whitespace-insensitively (offsets into `text`)."""
    words = quote.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def locate_evidence(quotes: Sequence[str], articles: Mapping[str, str]) -> list[list[SpanRef]]:
    """For each gold quote, its spans in every article (an empty list when the corpus does not contain it)."""
    return [
        [SpanRef(aid, s, e) for aid, text in articles.items() for s, e in locate_quote(quote, text)] for quote in quotes
    ]


# ---- retrieval -------------------------------------------------------------------------------------------------------
def evidence_recall_at_k(evidence: Sequence[str], chunks: Sequence[str], k: int) -> float | None:
    """|{q in evidence : q inside some chunk among the top k}| / |evidence|; None when there is no evidence."""
    if not evidence:
        return None
    top = chunks[:k]
    return sum(any(quote_in_text(q, c) for c in top) for q in evidence) / len(evidence)


def reciprocal_rank(evidence: Sequence[str], chunks: Sequence[str]) -> float | None:
    """1 / rank of the first chunk containing any gold quote (0 when none does); None when there is no evidence."""
    if not evidence:
        return None
    for rank, chunk in enumerate(chunks, 1):
        if any(quote_in_text(q, chunk) for q in evidence):
            return 1.0 / rank
    return 0.0


# ---- answers ---------------------------------------------------------------------------------------------------------
def answer_correct(prediction: str, answers: Sequence[str]) -> float | None:
    """1 if the normalized tokens of any acceptable answer occur contiguously in the normalized prediction, else 0;
    None when there is no acceptable answer (unanswerable questions are scored by abstention instead)."""
    golds = [normalize_answer(a).split() for a in answers]
    golds = [g for g in golds if g]
    if not golds:
        return None
    pred = normalize_answer(prediction).split()
    for g in golds:
        if any(pred[i : i + len(g)] == g for i in range(len(pred) - len(g) + 1)):
            return 1.0
    return 0.0


def confidently_wrong(answerable: bool, abstained: bool, correct: float | None) -> float:
    """1 for an answer given (not declined) that is wrong: a wrong answer to an answerable question, or any answer to
    an unanswerable one. Quoting a true passage verbatim cannot hide it, unlike citation scores."""
    if abstained:
        return 0.0
    return 1.0 if not answerable or not correct else 0.0


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, answers: Sequence[str]) -> float | None:
    """max over acceptable answers of 2PR / (P + R), P = |common tokens| / |prediction tokens|,
    R = |common tokens| / |answer tokens| (SQuAD); None when there is no acceptable answer."""
    golds = [normalize_answer(a).split() for a in answers]
    golds = [g for g in golds if g]
    if not golds:
        return None
    pred = normalize_answer(prediction).split()
    return max(_f1(pred, g) for g in golds)


def answer_text(answer: Answer) -> str:
    """The answer as scored: the empty string when the system abstained, else its text without markers."""
    return "" if answer.abstained else strip_markers(answer.answer)


# ---- citations -------------------------------------------------------------------------------------------------------
def overlaps(a: SpanRef, b: SpanRef) -> bool:
    """Same article and a non-empty intersection of [start, end)."""
    return a.article_id == b.article_id and max(a.start, b.start) < min(a.end, b.end)


def cited_span(c: Citation) -> SpanRef:
    return SpanRef(c.article_id, c.start, c.end)


def citation_correct(citation: Citation | None, claim: str, gold: Sequence[SpanRef], supports: Supports) -> bool:
    """With gold spans: the cited span overlaps one of them. Without: the support checker accepts claim given the quote.
    A marker that names no citation (None) is incorrect."""
    if citation is None:
        return False
    if gold:
        return any(overlaps(cited_span(citation), g) for g in gold)
    return supports(claim, [citation.quote])


def citation_precision(answer: Answer, gold: Sequence[SpanRef], supports: Supports) -> float | None:
    """ALCE-style: |{(s, c) : c cites s and c is correct for s}| / |{(s, c) : c cites s}| over the answer's sentences;
    None when the system abstained or no sentence carries a citation."""
    if answer.abstained:
        return None
    by_n = {c.n: c for c in answer.citations}
    pairs = [(s.text, by_n.get(n)) for s in answer.sentences for n in s.citations]
    if not pairs:
        return None
    return sum(citation_correct(c, claim, gold, supports) for claim, c in pairs) / len(pairs)


def citation_recall(answer: Answer, supports: Supports) -> float | None:
    """ALCE-style: |{s : s has >= 1 citation and supports(s, quotes of its citations)}| / |sentences|;
    None when the system abstained or the answer has no sentences."""
    if answer.abstained or not answer.sentences:
        return None
    by_n = {c.n: c for c in answer.citations}
    ok = 0
    for s in answer.sentences:
        quotes = [by_n[n].quote for n in s.citations if n in by_n]
        ok += bool(quotes) and supports(s.text, quotes)
    return ok / len(answer.sentences)


def merge_spans(spans: Iterable[SpanRef], gap: int = MERGE_GAP) -> list[SpanRef]:
    """Union of spans per article, joining spans separated by at most `gap` characters."""
    merged: list[SpanRef] = []
    for s in sorted(spans, key=lambda x: (x.article_id, x.start, x.end)):
        last = merged[-1] if merged else None
        if last and last.article_id == s.article_id and s.start <= last.end + gap:
            merged[-1] = SpanRef(last.article_id, last.start, max(last.end, s.end))
        else:
            merged.append(s)
    return merged


def covered(gold: Sequence[SpanRef], cited: Sequence[SpanRef]) -> bool:
    """True when one occurrence of a gold quote lies wholly inside the union of the cited spans."""
    union = merge_spans(cited)
    return any(u.article_id == g.article_id and u.start <= g.start and g.end <= u.end for g in gold for u in union)


def evidence_coverage(answer: Answer, gold_quotes: Sequence[Sequence[SpanRef]]) -> float | None:
    """|{gold quotes wholly inside the union of the answer's cited spans}| / |gold quotes|; None when there is no gold
    quote. An abstention cites nothing and scores 0; a quote missing from the corpus counts as not covered."""
    if not gold_quotes:
        return None
    cited = [] if answer.abstained else [cited_span(c) for c in answer.citations]
    return sum(covered(g, cited) for g in gold_quotes) / len(gold_quotes)


# ---- briefings -------------------------------------------------------------------------------------------------------
def briefing_points(briefing: Briefing) -> list[BriefingPoint]:
    """Every cited statement of a briefing: summary, key points, actors' points, facts, disputed points."""
    actors = [p for actor in briefing.actors for p in actor.points]
    return [
        *(briefing.summary.parts or [briefing.summary]),
        *briefing.key_points,
        *actors,
        *briefing.facts,
        *briefing.disputed,
    ]


def key_fact_coverage(briefing: Briefing, facts: Sequence[Sequence[SpanRef]]) -> float | None:
    """|{facts with an evidence span overlapping a citation used by some point}| / |facts|; None for no facts."""
    if not facts:
        return None
    used = {n for p in briefing_points(briefing) for n in p.citations}
    cited = [cited_span(c) for c in briefing.citations if c.n in used]
    return sum(any(overlaps(g, c) for g in fact for c in cited) for fact in facts) / len(facts)


def point_citation_precision(briefing: Briefing, supports: Supports) -> float | None:
    """|{(p, c) : c cites point p and supports(p, [quote of c])}| / |{(p, c)}|; a marker naming no citation is
    incorrect; None when no point carries a citation."""
    by_n = {c.n: c for c in briefing.citations}
    pairs = [(p.text, by_n.get(n)) for p in briefing_points(briefing) if p.text.strip() for n in p.citations]
    if not pairs:
        return None
    return sum(c is not None and supports(text, [c.quote]) for text, c in pairs) / len(pairs)


def topic_source_scores(
    drawn_on: Sequence[str] | None, sources: Sequence[str], related: Sequence[str] = ()
) -> dict[str, float | None]:
    """A topic briefing's articles (titles; None when it was refused) against the labelled ones. Precision: the share
    of its articles that are sources or related ones; recall: the share of sources it drew on; refused: for a topic no
    article covers (no sources), 1.0 when the briefing was refused. Each is None where it is not defined."""
    if not sources:
        return {"topic_precision": None, "topic_recall": None, "topic_refused": float(not drawn_on)}
    got = list(dict.fromkeys(drawn_on or []))
    fitting = set(sources) | set(related)
    precision = sum(t in fitting for t in got) / len(got) if got else None
    recall = sum(t in got for t in dict.fromkeys(sources)) / len(set(sources))
    return {"topic_precision": precision, "topic_recall": recall, "topic_refused": None}
