"""Cross-source comparison: where outlets report the same thing differently, and where they agree.

Pure functions on typed statements (one sentence or quote unit of one article each). Two statements of different
articles are compared only when they are about the same thing: similar embeddings and shared content words. They
disagree when the support checker's own analysis (app.verify), run in both directions, finds
- a number: each gives a figure for the same measure (same counted noun or time unit) that the other lacks;
- a name: each names a person or organisation in the same role that the other lacks (speakers of quotes excluded);
- a negation: one affirms what the other denies (polarity mismatch or a predicate-level contradiction).
Disagreements over the same values are merged into one `Disagreement` whose sides list every article on each side.
Agreement ('reported by 3 of 4 sources') is the briefing's clustering of near-identical statements (app.brief.extractive).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from app.brief.attribution import speaker_spans
from app.brief.cues import TITLE_WORDS, quantities
from app.text import strip_span
from app.verify.analysis import SOURCE_SCOPE, analyze, coverage, name_present
from app.verify.support import polarity_mismatches

TOPIC_SIM = 0.5  # below this cosine, two statements are about different things (MiniLM, news sentences)
TOPIC_OVERLAP = 0.25  # ... and they must share at least this share of content words (of the shorter one)
NUMBER_SIM = 0.4  # two figures counting the same noun ('14 batches' / '22 batches') need less similarity otherwise
NAME_SIM = 0.45  # a name swap: the names must also do the same thing (same governing verb) ...
NAME_SIM_UNGOVERNED = 0.6  # ... or the statements must be this close
NAME_CONTEXT = 0.4  # share of the non-name content words both statements have, for a name swap
NEGATION_SIM = 0.5  # affirmed vs denied: the same verb affirmed in one and negated in the other, and ...
NEGATION_CONTEXT = 0.5  # ... this share of content words in common
_CLAUSE = re.compile(r"""[,;:—–]+["'”’]*\s+|\s+-\s+""")  # the checker's clause breaks, but '80,000' stays whole
_ATTRIBUTION = re.compile(
    r",\s+(?:[^,]{0,60}\s)?(?:said|says|told|stated|reported|added|confirmed)\b[^,]*$|,\s+according to [^,]*$"
)  # the trailing ', a council spokesman said.' of a statement
QUOTE_MIN_WORDS = 5  # a side's quote shorter than this takes in the clause before it (its subject)
MAX_NEIGHBOURS = 8  # statements of other articles each statement is compared with, closest first
NAME_LABELS = frozenset({"PERSON", "ORG"})

Kind = Literal["number", "name", "negation"]


@dataclass(frozen=True)
class Statement:
    """One statement of one article: its text and where it is."""

    index: int  # position in the list given to the functions here (and in the similarity matrix)
    article_id: str
    source: str  # how the outlet is named
    published: datetime | None
    text: str
    start: int = 0
    end: int = 0


@dataclass
class Side:
    """One version of a disputed fact: the value and the statements (one per article) that give it."""

    value: str
    statements: list[Statement] = field(default_factory=list)


@dataclass
class Disagreement:
    kind: Kind
    sides: list[Side]
    weight: float  # similarity of the closest disagreeing pair: how surely they are about the same thing
    reason: str = ""

    @property
    def statements(self) -> list[Statement]:
        return [s for side in self.sides for s in side.statements]

    def describe(self) -> str:
        values = " vs ".join(side.value for side in self.sides)
        if self.kind == "number":
            return f"Sources give different figures: {values}"
        if self.kind == "name":
            return f"Sources name different people or bodies: {values}"
        affirmed = next((st.text for side in self.sides if side.value == "affirmed" for st in side.statements), "")
        what = _ATTRIBUTION.sub("", affirmed).strip().rstrip(".")
        if not what:
            return "Sources disagree: one affirms what another denies"
        first = what.split()[0]
        if first in ("The", "A", "An"):
            what = first.lower() + what[len(first) :]
        return f"Sources disagree on whether {what}"


@dataclass(frozen=True)
class Difference:
    kind: Kind
    value_a: str
    value_b: str
    reason: str


# ---- one pair ----------------------------------------------------------------------------------------------------------


def _content_overlap(a: str, b: str) -> float:
    """Share of the shorter statement's content words found in the other (stemmed, as the checker counts them)."""
    ca, cb = analyze(a), analyze(b, SOURCE_SCOPE)
    if not ca.content or not cb.content:
        return 0.0
    short, long_ = (ca, analyze(b)) if len(ca.content) <= len(cb.content) else (cb, analyze(a))
    return coverage(short, long_)


def same_topic(a: Statement, b: Statement, sim: float, floor: float = TOPIC_SIM) -> bool:
    return a.article_id != b.article_id and sim >= floor and _content_overlap(a.text, b.text) >= TOPIC_OVERLAP


def number_difference(a: str, b: str) -> Difference | None:
    """Both give a figure for the same measure and neither gives the other's (counted noun, or time unit)."""
    qa = {(q.value, q.unit): q.surface for q in quantities(a)}
    qb = {(q.value, q.unit): q.surface for q in quantities(b)}
    for (va, ua), sa in qa.items():
        for (vb, ub), sb in qb.items():
            if ua == ub and va != vb and (va, ua) not in qb and (vb, ub) not in qa:
                return Difference("number", sa, sb, f"'{sa}' vs '{sb}'")
    # 'a day' / 'an hour' are rates or vague spans ('40 trains a day'), never a contested figure.
    ta = {(v, u): s for s, v, u in analyze(a).time_pairs if s.split()[0] not in ("a", "an")}
    tb = {(v, u): s for s, v, u in analyze(b).time_pairs if s.split()[0] not in ("a", "an")}
    for (va, ua), sa in ta.items():
        for (vb, ub), sb in tb.items():
            if ua == ub and va != vb and (va, ua) not in tb and (vb, ub) not in ta:
                return Difference("number", sa, sb, f"'{sa}' vs '{sb}'")
    return None


def _role_names(text: str) -> list[tuple[str, str]]:
    """(name, governing verb) of the people and organisations the statement names, its quoted speakers left out."""
    from app.nlp import parse

    speakers = speaker_spans(text)
    out = []
    for e in parse(text).ents:
        if e.label_ in NAME_LABELS and not any(s <= e.start_char < t for s, t in speakers):
            out.append((e.text, _governor(e.root)))
    return out


def _governor(tok) -> str:  # type: ignore[no-untyped-def]  # spaCy Token
    """The verb a name is an argument of: 'led' in 'was led by Dr Okafor' and in 'Dr Hoff led'."""
    for _ in range(6):
        if tok.pos_ == "VERB":
            return str(tok.lemma_).lower()
        if tok.head is tok or tok.dep_ not in ("pobj", "agent", "prep", "compound", "appos", "conj", "nsubj",
                                                "nsubjpass", "dobj", "poss", "npadvmod"):  # fmt: skip
            return ""
        tok = tok.head
    return ""


def _missing(names: Sequence[str], other: str) -> list[str]:
    """Names none of whose words the other statement has (the checker's name test, word by word)."""
    an = analyze(other, SOURCE_SCOPE)
    out = []
    for n in names:
        words = [w for w in re.findall(r"[^\W\d_][\w'’&.-]*", n)
                 if w[:1].isupper() and len(w) > 1 and w.lower().rstrip(".") not in TITLE_WORDS]  # fmt: skip
        if words and not any(name_present(w, an) for w in words):
            out.append(n)
    return out


def name_difference(a: str, b: str, sim: float = 1.0) -> Difference | None:
    """Each names someone in the role the other gives to someone else (and the rest of the statements match)."""
    aa, ab = analyze(a), analyze(b, SOURCE_SCOPE)
    if not any(not name_present(n, ab) for n in aa.names) or not any(
        not name_present(n, analyze(a, SOURCE_SCOPE)) for n in analyze(b).names
    ):
        return None  # the checker's own name test first: each must name someone the other does not
    ra, rb = _role_names(a), _role_names(b)
    only_a = set(_missing([n for n, _ in ra], b))
    only_b = set(_missing([n for n, _ in rb], a))
    pairs = [(na, nb) for na, ga in ra if na in only_a for nb, gb in rb if nb in only_b and (ga and ga == gb)]
    if not pairs and sim >= NAME_SIM_UNGOVERNED:
        pairs = [(na, nb) for na, _ in ra if na in only_a for nb, _ in rb if nb in only_b]
    if not pairs:
        return None
    na, nb = pairs[0]
    if _content_overlap(_without(a, list(only_a)), _without(b, list(only_b))) < NAME_CONTEXT:
        return None
    return Difference("name", na, nb, f"'{na}' vs '{nb}'")


def _without(text: str, names: Sequence[str]) -> str:
    for n in names:
        text = text.replace(n, " ")
    return text


def _verbs(text: str) -> tuple[set[str], set[str]]:
    """(affirmed, negated) verb lemmas of a statement; speech verbs left out (who says it is not what is said)."""
    from app.brief.attribution import SPEECH_LEMMAS
    from app.nlp import parse

    pos: set[str] = set()
    neg: set[str] = set()
    for tok in parse(text):
        if tok.pos_ != "VERB" or tok.lemma_.lower() in SPEECH_LEMMAS:
            continue
        negated = any(c.dep_ == "neg" for c in tok.children)
        (neg if negated else pos).add(tok.lemma_.lower())
    return pos, neg


def negation_difference(a: str, b: str) -> Difference | None:
    """One affirms what the other denies: the checker's polarity test (either direction) on a verb the parse shows
    affirmed in one statement and negated in the other ('was consulted' / 'was not consulted')."""
    if _content_overlap(a, b) < NEGATION_CONTEXT:
        return None
    issues = polarity_mismatches(analyze(a), analyze(b, SOURCE_SCOPE)) or polarity_mismatches(
        analyze(b), analyze(a, SOURCE_SCOPE)
    )
    if not issues:
        return None
    (pa, na), (pb, nb) = _verbs(a), _verbs(b)
    if na & pb:
        return Difference("negation", "denied", "affirmed", issues[0])
    if pa & nb:
        return Difference("negation", "affirmed", "denied", issues[0])
    return None


def difference(a: Statement, b: Statement, sim: float) -> Difference | None:
    """How two statements of different articles about the same thing disagree, if they do."""
    if not same_topic(a, b, sim, floor=min(NUMBER_SIM, NAME_SIM, NEGATION_SIM)):
        return None
    found = number_difference(a.text, b.text)
    if found is None and sim >= NAME_SIM:
        found = name_difference(a.text, b.text, sim)
    if found is None and sim >= NEGATION_SIM:
        found = negation_difference(a.text, b.text)
    return found


# ---- across articles -----------------------------------------------------------------------------------------------------


def _norm(value: str) -> str:
    return re.sub(r"\W+", " ", value.lower()).strip()


def find_disagreements(statements: Sequence[Statement], sim: np.ndarray) -> list[Disagreement]:
    """Every disagreement between articles, merged by the values in dispute, surest first."""
    groups: dict[tuple[str, frozenset[str]], Disagreement] = {}
    for i, j in _candidates(statements, sim):
        a, b = statements[i], statements[j]
        if a.article_id == b.article_id:
            continue
        d = difference(a, b, float(sim[i, j]))
        if d is None:
            continue
        key = (d.kind, frozenset({_norm(d.value_a), _norm(d.value_b)}))
        if d.kind == "negation":  # affirmed/denied: group by the pair of statements' topic instead
            key = (d.kind, frozenset({f"{min(i, j)}-{max(i, j)}"}))
        g = groups.get(key)
        if g is None:
            g = groups[key] = Disagreement(d.kind, [Side(d.value_a), Side(d.value_b)], 0.0, d.reason)
        for s, value in ((a, d.value_a), (b, d.value_b)):
            side = next(x for x in g.sides if _norm(x.value) == _norm(value))
            if all(x.article_id != s.article_id for x in side.statements):
                side.statements.append(s)
        g.weight = max(g.weight, float(sim[i, j]))
    merged = _merge_negations([g for g in groups.values() if _consistent(g)], sim)
    return sorted(merged, key=lambda g: -g.weight)


def _candidates(statements: Sequence[Statement], sim: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of statements of different articles worth comparing: similar enough, and each among the other's
    closest (MAX_NEIGHBOURS) statements elsewhere, so a hundred articles do not mean millions of comparisons."""
    floor = min(NUMBER_SIM, NAME_SIM, NEGATION_SIM)
    articles = np.array([s.article_id for s in statements])
    masked = np.where((articles[:, None] != articles[None, :]) & (sim >= floor), sim, -1.0)
    keep: set[tuple[int, int]] = set()
    for i in range(len(statements)):
        for j in np.argsort(-masked[i])[:MAX_NEIGHBOURS]:
            if masked[i, j] >= floor:
                keep.add((min(i, int(j)), max(i, int(j))))
    return sorted(keep)


def _consistent(g: Disagreement) -> bool:
    """An article on both sides of a dispute contradicts itself only in our reading: not a dispute between outlets."""
    a, b = ({s.article_id for s in side.statements} for side in g.sides)
    return not (a & b)


def _merge_negations(groups: list[Disagreement], sim: np.ndarray) -> list[Disagreement]:
    """Affirmed/denied pairs that share a statement are one dispute (three outlets, two affirming)."""
    out: list[Disagreement] = []
    for g in groups:
        if g.kind != "negation":
            out.append(g)
            continue
        home = next(
            (
                o
                for o in out
                if o.kind == "negation" and {s.index for s in o.statements} & {s.index for s in g.statements}
            ),
            None,
        )
        if home is None:
            out.append(g)
            continue
        for side in g.sides:
            target = next(x for x in home.sides if x.value == side.value)
            for s in side.statements:
                if all(x.article_id != s.article_id for x in target.statements):
                    target.statements.append(s)
        home.weight = max(home.weight, g.weight)
    return [g for g in out if _consistent(g)]


def quote_span(text: str, value: str, kind: Kind) -> tuple[int, int]:
    """The part of a statement to quote for its side: the clause that holds the disputed figure or name (with the
    clause before it when it is too short to read alone); the whole statement for affirmed/denied."""
    whole = (0, len(text.rstrip()))
    if kind == "negation":
        return whole
    at = text.lower().find(value.lower())
    if at < 0:
        return whole
    bounds, pos = [], 0
    for m in [*_CLAUSE.finditer(text), None]:
        end = m.start() if m else len(text)
        bounds.append((pos, end))
        pos = m.end() if m else pos
    k = next((n for n, (a, b) in enumerate(bounds) if a <= at < b), None)
    if k is None or len(bounds) == 1:
        return whole
    start, end = bounds[k]
    while len(text[start:end].split()) < QUOTE_MIN_WORDS and k > 0:
        k -= 1
        start = bounds[k][0]
    start, end = strip_span(text, start, end, " \t\n\"'“”‘’()")
    return (start, end) if end > start else whole
