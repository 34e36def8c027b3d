"""Does a sentence answer the question asked? Its answer type, and the question's anchors, checked against the sentence
and what leads up to it (earlier sentences of its paragraph, the article's title and date).

One pure function, `fit`, serves the three places that need it: retrieval (a passage about another year must not
outrank the one about the asked year), the extractive engine (pick the sentence that fits) and the answer-level
verdict of every engine (app.verify.answer_check).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app import nlp
from app.retrieve.question import (
    Anchor,
    AnchorKind,
    QuestionAnalysis,
    name_key,
    number_keys,
    ordinal_keys,
    quarter_keys,
    same_name,
    year_keys,
)

# Anchor kinds a fact has one value of: a sentence naming another year (and not the asked one) is about another fact.
EXCLUSIVE: dict[AnchorKind, Callable[[str], set[str]]] = {"year": year_keys, "quarter": quarter_keys, "ordinal": ordinal_keys}
ENTITY_WORDS_MATCHED = 0.5  # share of a multi-word name's words a scope must mention ('the Harbor City race')
_WORD = re.compile(r"[^\W_][\w’'\-]*")
_DIGIT_ORDINAL = re.compile(r"\b\d{1,3}(?:st|nd|rd|th)\b|\b(?:season|series|edition|round|stage|week|game|leg)\s+\d", re.I)
_MONEY = re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:dollars|euros|pounds|yen|francs|crowns|kronor|rupees|usd|eur|gbp)\b", re.I)
_QUOTE_MARKS = re.compile(r"[\"“”]")
_SPEECH = re.compile(
    r"\b(?:said|says|say|stated|told|tells|wrote|writes|announced|confirmed|noted|added|declared|argued|claimed|"
    r"warned|insisted|explained|commented|replied|responded|described|called|according to)\b",
    re.I,
)
_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result|thanks to|since|after|amid|following|citing|cited|blamed|over|"
    r"so that|in order to|in a bid to|aimed at|to (?:avoid|protect|reduce|cut|meet|fund|cover|ease|boost|make))\b",
    re.I,
)
_PRONOUN = re.compile(r"\b(?:he|she|they|his|her|their|it|its)\b", re.I)

TYPE_LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON"}),
    "organisation": frozenset({"ORG", "NORP"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "date": frozenset({"DATE", "TIME"}),
    "money": frozenset({"MONEY"}),
    "number": frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY"}),
    "quantity": frozenset({"QUANTITY", "CARDINAL", "PERCENT", "MONEY", "DATE", "TIME"}),
}


@dataclass(frozen=True)
class Scope:
    """Where an answer sentence stands: the sentences before it in its paragraph (nearest last), title, date."""

    before: tuple[str, ...] = ()
    title: str = ""
    published_year: str | None = None


@dataclass(frozen=True)
class Fit:
    """How a sentence answers a question: its answer-type item and the anchors it meets, misses or contradicts."""

    type_ok: bool
    found: str = ""
    missing: tuple[Anchor, ...] = ()
    conflicts: tuple[tuple[Anchor, str], ...] = field(default=())
    """(asked anchor, the value found instead): (2021, '2019')."""

    @property
    def ok(self) -> bool:
        return self.type_ok and not self.missing and not self.conflicts

    def reason(self, answer_type: str) -> str:
        """Why it does not answer, in words ('it is about 2019, not 2021')."""
        if self.conflicts:
            return "; ".join(f"it is about {found}, not {a.text}" for a, found in self.conflicts)
        if self.missing:
            return "it does not mention " + ", ".join(a.text for a in self.missing)
        if not self.type_ok:
            return f"it names no {TYPE_WORDS.get(answer_type, answer_type)}"
        return ""


TYPE_WORDS = {"person": "person", "organisation": "organisation", "place": "place", "date": "date or time",
              "money": "amount of money", "number": "number", "quantity": "quantity", "quote": "statement by the speaker",
              "reason": "reason"}  # fmt: skip


def _words(text: str) -> list[str]:
    return [name_key(w) for w in _WORD.findall(text)]


def _mentions_name(name: str, texts: Sequence[str]) -> bool:
    wanted = [w for w in _words(name) if len(w) >= 3 or w.isdigit()]
    if not wanted:
        return True
    have = {w for t in texts for w in _words(t)}
    hits = sum(any(same_name(w, h) for h in have) for w in wanted)
    return hits >= max(1, round(ENTITY_WORDS_MATCHED * len(wanted) + 1e-9)) if len(wanted) > 1 else hits == 1


def _exclusive_keys(kind: AnchorKind, text: str, *, for_conflict: bool) -> set[str]:
    if kind == "ordinal" and for_conflict:
        # Word ordinals ('for the first time') are everywhere; only numbered editions ('92nd', 'season 4') conflict.
        return ordinal_keys(" ".join(m.group(0) for m in _DIGIT_ORDINAL.finditer(text)))
    return EXCLUSIVE[kind](text)


def _check_exclusive(anchor: Anchor, scopes: Sequence[str]) -> tuple[bool, str | None]:
    """(met, conflicting value): the nearest scope that names a value of this kind decides."""
    for text in scopes:
        if anchor.key in _exclusive_keys(anchor.kind, text, for_conflict=False):
            return True, None
        other = _exclusive_keys(anchor.kind, text, for_conflict=True) - {anchor.key}
        if other:
            return False, sorted(other)[0]
    return False, None


def fit(
    analysis: QuestionAnalysis,
    sentence: str,
    scope: Scope = Scope(),
    *,
    entities: Sequence[nlp.Entity] | None = None,
) -> Fit:
    """How `sentence` (with what precedes it) answers the analysed question: anchors and answer type."""
    anchors = anchor_fit(analysis, sentence, scope)
    type_ok, found = type_fit(analysis, sentence, scope, entities)
    return Fit(type_ok, found, anchors.missing, anchors.conflicts)


def anchor_fit(analysis: QuestionAnalysis, sentence: str, scope: Scope = Scope()) -> Fit:
    """The anchors alone (no model call): which the sentence meets, misses or contradicts."""
    scopes = [sentence, *reversed(scope.before), scope.title]
    missing: list[Anchor] = []
    conflicts: list[tuple[Anchor, str]] = []
    for anchor in analysis.anchors:
        if anchor.kind in EXCLUSIVE:
            years = [*scopes, scope.published_year or ""] if anchor.kind == "year" else scopes
            met, other = _check_exclusive(anchor, years)
            if other is not None:
                conflicts.append((anchor, other))
            elif not met:
                missing.append(anchor)
        elif anchor.kind == "number":
            if not any(anchor.key in number_keys(t) for t in scopes):
                missing.append(anchor)
        elif anchor.kind == "entity":
            if not _mentions_name(anchor.key, scopes):
                missing.append(anchor)
        elif not any(same_name(anchor.key, w) for t in scopes for w in _words(t)):
            missing.append(anchor)  # a qualifier
    return Fit(True, "", tuple(missing), tuple(conflicts))


def type_fit(
    analysis: QuestionAnalysis, sentence: str, scope: Scope = Scope(), entities: Sequence[nlp.Entity] | None = None
) -> tuple[bool, str]:
    """Whether the sentence offers an item of the asked type (and which): a new person for 'who', a sum for 'how much'."""
    atype = analysis.answer_type
    if atype == "other":
        return True, ""
    if atype == "quote":
        spoken = bool(_QUOTE_MARKS.search(sentence) or _SPEECH.search(sentence))
        speaker = analysis.speaker
        about = not speaker or _mentions_name(speaker, [sentence]) or (
            bool(_PRONOUN.search(sentence)) and _mentions_name(speaker, scope.before[-2:])
        )
        return spoken and about, sentence if spoken and about else ""
    if atype == "reason":
        m = _REASON.search(sentence)
        return bool(m), m.group(0) if m else ""
    ents = entities if entities is not None else nlp.entities(sentence)
    labels = TYPE_LABELS[atype]
    asked_values = {a.key for a in analysis.anchors if a.kind in {"year", "number", "ordinal"}}
    for ent in ents:
        if ent.label not in labels:
            continue
        words = _words(ent.text)
        if atype in {"person", "organisation", "place"}:
            if words and all(any(same_name(w, n) for n in analysis.names) for w in words):
                continue  # a name the question already gives is not the answer
        elif number_keys(ent.text) and number_keys(ent.text) <= asked_values:
            continue  # the asked year or figure itself
        return True, ent.text
    if atype == "money" and (m := _MONEY.search(sentence)):
        return True, m.group(0)
    if atype in {"number", "quantity"}:
        new = number_keys(sentence) - asked_values
        if new:
            return True, sorted(new)[0]
    if atype == "date":
        new_years = year_keys(sentence) - asked_values
        if new_years:
            return True, sorted(new_years)[0]
    return False, ""
