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
from datetime import datetime
from functools import lru_cache
from typing import Literal

from app import nlp
from app.models import Passage
from app.retrieve.attribution import figure_nouns, holder_conflict, other_kind
from app.retrieve.clauses import without_dated_asides
from app.retrieve.measures import TIME_SPAN, measured, money_pattern
from app.retrieve.nearest import nearest_item
from app.retrieve.negation import asks_negated, only_denied
from app.retrieve.paraphrase import Paraphrases
from app.retrieve.question import (
    Anchor,
    AnchorKind,
    QuestionAnalysis,
    model_names,
    name_key,
    number_keys,
    ordinal_keys,
    quarter_keys,
    same_name,
    stem,
    year_keys,
)
from app.retrieve.reasons import REASON_CUES
from app.retrieve.subject import Reading, subject_fit
from app.retrieve.wordnet import kin_key
from app.text import split_sentences

TermRule = Literal["all", "any", "nouns", "none"]

# Anchor kinds a fact has one value of: a sentence naming another year (and not the asked one) is about another fact.
EXCLUSIVE: dict[AnchorKind, Callable[[str], set[str]]] = {
    "year": year_keys,
    "quarter": quarter_keys,
    "ordinal": ordinal_keys,
}
_WORD = re.compile(r"[^\W_][\w’'\-]*")
_EDITION_WORD = re.compile(r"(?:1[89]|20)\d\d|\d{1,3}(?:st|nd|rd|th)", re.I)
_DIGIT_ORDINAL = re.compile(
    r"\b\d{1,3}(?:st|nd|rd|th)\b|\b(?:season|series|edition|round|stage|week|game|leg)\s+\d", re.I
)
_QUOTE_MARKS = re.compile(r"[\"“”]")
_SPEECH = re.compile(
    r"\b(?:said|says|say|stated|told|tells|wrote|writes|announced|confirmed|noted|added|declared|argued|claimed|"
    r"warned|insisted|explained|commented|replied|responded|described|called|according to)\b",
    re.I,
)
_BACKGROUND = re.compile(
    r"\b(?:since|from|than|compared with|compared to|versus|before|after|following|until|record set in|had stood since)\b"
    r"[^.;:!?]{0,40}?\b(?:1[89]|20)\d\d\b",
    re.I,
)
_FULL_YEAR = re.compile(r"\b(?:full[- ]year|whole[- ]year|annual|for the (?:full |whole )?year)\b", re.I)
"""A figure for the whole year, which does not answer for one of its quarters."""
_RELATIVE = re.compile(r"\b(last|this|next)\s+year(?:'s|’s)?\b", re.I)
_RELATIVE_YEAR = {"last": -1, "this": 0, "next": 1}
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|dozen|half|a third|a quarter)\b",
    re.I,
)
_PRIOR_MARKERS = re.compile(
    r"\b(?:previous(?:ly)?|prior|former(?:ly)?|earlier|before|until|predecessor|replac\w*|succeed\w*|"
    r"up from|down from|had (?:been |long )?\w+)\b",
    re.I,
)
"""How a sentence speaks of an earlier state: 'the previous record', 'had stood since', 'he succeeds X'."""
_FORMER_ROLE = re.compile(r"\b(?:former|ex-|erstwhile|outgoing|late)\s*(?:[\w-]+\s+){0,2}[\w-]+", re.I)
"""'the former regional president': the role words after 'former', which do not name the current holder."""
_CONTRASTING_QUALIFIERS = {
    "men": "women", "women": "men", "male": "female", "female": "male", "boys": "girls", "girls": "boys",
    "junior": "senior", "senior": "junior", "singles": "doubles", "doubles": "singles", "indoor": "outdoor",
    "outdoor": "indoor", "amateur": "professional", "professional": "amateur",
}  # fmt: skip
"""Category qualifiers that exclude each other: a sentence about the women's race does not answer for the men's."""
_PERSONAL = re.compile(r"\b(?:he|she|they|his|her|their)\b", re.I)
_PRONOUN_START = re.compile(r"^\W*(?:he|she|it|they|this|these|the company|the group)\b", re.I)

# The small model often files an unfamiliar name under the wrong class ('Odile Fenner' as ORG), so a question asking
# for a person, organisation or place accepts any new name; it is a sentence naming no one new that fails.
NAMES = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"})
TYPE_LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON", "ORG"}),
    "organisation": NAMES,
    "place": NAMES,
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
    after: tuple[str, ...] = ()
    """The sentences right after it in its paragraph (a quote's speaker often follows: '..., said Abelard')."""
    passage: str = ""
    """The whole passage (whether it draws a distinction the question makes at all)."""
    article: str = ""
    """What else is known of its article: the other retrieved passages of it (what the article is about)."""


CONTEXT_SENTENCES = 3  # sentences before an answer sentence that can carry its year or subject ('he said')


def passage_scope(
    text: str, start: int, end: int, *, title: str = "", published: datetime | None = None, article: str = ""
) -> Scope:
    """The scope of text[start:end] within its passage: up to three sentences before it, the one after it, and the
    passage's lead sentence when the passage opens the article (the lead names the event, its year and place)."""
    sentences = [(s.start, s.end) for s in split_sentences(text)]
    before = [text[a:b] for a, b in sentences if b <= start][-CONTEXT_SENTENCES:]
    after = [text[a:b] for a, b in sentences if a >= end][:1]
    if sentences and sentences[0][1] <= start and text[sentences[0][0] : sentences[0][1]] not in before:
        before.insert(0, text[sentences[0][0] : sentences[0][1]])
    year = str(published.year) if published else None
    return Scope(
        before=tuple(before), title=title, published_year=year, after=tuple(after), passage=text, article=article
    )


def same_article(passage: Passage, passages: Sequence[Passage]) -> str:
    """The text of the other passages of the same article (what else the article is known to say)."""
    return "\n".join(p.text for p in passages if p.article_id == passage.article_id and p.chunk_id != passage.chunk_id)


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
              "reason": "reason", "polar": "statement of whether it happened"}  # fmt: skip


@lru_cache(maxsize=8192)  # an answer reads each candidate sentence and its scope many times
def _words(text: str) -> tuple[str, ...]:
    """Words for matching names and qualifiers; a hyphenated word also counts as its parts ('freight-forwarding')."""
    out = []
    for w in _WORD.findall(text):
        key = name_key(w)
        out.append(key)
        if "-" in key:
            out.extend(part for part in key.split("-") if part)
    return tuple(out)


def _mentions_name(name: str, texts: Sequence[str], *, person: bool | None = False) -> bool:
    return _names_in(name, {w for t in texts for w in _words(t)}, person=person)


def _lemma(word: str) -> str:
    low = name_key(word)
    return nlp.irregular_forms().get(low, low[:-1] if low.endswith("s") and not low.endswith("ss") else low)


def distinctive_words(name: str, *, person: bool = False) -> list[str]:
    """The words of a name that tell it apart from its neighbours. English names put the distinguishing words first
    and the kind last ('*Brask* Glacier', '*Corven* Savings', '*Harbor City* Marathon'), except 'Bank of *England*';
    numbers always distinguish ('Oryx *6*', 'Corvid-*1*'); a person is told apart by the surname. Years and editions
    in an event's name ('2023 Harbor City Marathon') are anchors of their own."""
    parts = [w for w in name.split() if not _EDITION_WORD.fullmatch(w)]
    if not parts:
        return []
    lowered = [w.lower() for w in parts]
    if person:
        chosen = parts[-1:]
    elif "of" in lowered:
        chosen = parts[len(lowered) - lowered[::-1].index("of") :]
    else:
        chosen = parts[:-1] + [w for w in parts[-1:] if any(ch.isdigit() for ch in w)] if len(parts) > 1 else parts
    return [w for w in _words(" ".join(chosen)) if len(w) >= 3 or w.isdigit()]


def _names_in(name: str, have: set[str], *, person: bool | None = False) -> bool:
    """Whether the words `have` mention the name: every distinctive word of it, adjective forms included."""
    if person is None:  # untagged: a person unless it ends in a common noun ('Tarn Glacier', 'Quill Labs')
        last = name.split()[-1:] or [""]
        readings = [False] if _lemma(last[0]) in nlp.common_nouns() else [True, False]
    else:
        readings = [person]
    return any(
        all(
            w in have or any(h[:3] == w[:3] and same_name(w, h) for h in have)
            for w in distinctive_words(name, person=p)
        )
        for p in readings
    )


def _exclusive_keys(kind: AnchorKind, text: str, *, for_conflict: bool) -> set[str]:
    if kind == "ordinal" and for_conflict:
        # Word ordinals ('for the first time') are everywhere; only numbered editions ('92nd', 'season 4') conflict.
        return ordinal_keys(" ".join(m.group(0) for m in _DIGIT_ORDINAL.finditer(text)))
    return EXCLUSIVE[kind](text)


def _foreground(text: str) -> str:
    """The text without background time phrases ('since 2019', 'up from 39 percent in 2019'): they compare with another
    time, they do not say which time the sentence is about."""
    return _BACKGROUND.sub(" ", text)


def _relative_years(text: str, published_year: str | None) -> set[str]:
    """'last year' / 'this year' / 'next year' resolved against the article's year."""
    if not published_year:
        return set()
    base = int(published_year)
    return {str(base + _RELATIVE_YEAR[m.group(1).lower()]) for m in _RELATIVE.finditer(text)}


def _valued_background(text: str) -> str:
    """Background phrases giving a value for their time ('down from 310,000 tonnes in 2018'; not 'after a win in 2021')."""
    return " ".join(m.group(0) for m in _BACKGROUND.finditer(text) if re.search(r"\d[\d,.]*(?!\d)", m.group(0)[:-4]))


def _check_exclusive(
    anchor: Anchor, sentence: str, scope: Scope, whole_year_ok: bool = False
) -> tuple[bool, str | None]:
    """(met, conflicting value). The sentence decides when it names a value of this kind outside background phrases
    ('since 2019'): the asked one is met, only others conflict. Otherwise the nearest earlier sentence naming one
    outside such phrases and dated asides (', who took charge in 2019,' dates the coach, not the final) decides
    whether it is met; then the title; then, for years, the article's date."""
    fore = _foreground(sentence)
    own = _exclusive_keys(anchor.kind, fore, for_conflict=False)
    own |= _exclusive_keys(anchor.kind, _valued_background(sentence), for_conflict=False)
    if anchor.kind == "year":
        own |= _relative_years(fore, scope.published_year)
    if anchor.key in own:
        return True, None
    other = _exclusive_keys(anchor.kind, fore, for_conflict=True) - {anchor.key}
    if other:
        return False, sorted(other)[0]
    if anchor.kind == "quarter" and not whole_year_ok and (whole := _FULL_YEAR.search(fore)):
        return False, whole.group(0)  # 'full-year revenue of $18.2 billion' is not the second quarter's
    for text in [*map(without_dated_asides, reversed(scope.before)), scope.title]:
        keys = _exclusive_keys(anchor.kind, _foreground(text), for_conflict=True)
        if anchor.key in _exclusive_keys(anchor.kind, _foreground(text), for_conflict=False):
            return True, None
        if keys:
            return False, None  # the nearest time named is another one
    return anchor.kind == "year" and scope.published_year == anchor.key, None


def _check_model(anchor: Anchor, sentence: str, scope: Scope) -> tuple[bool, str | None]:
    """(met, conflicting name) for a numbered name ('Oryx 6'): the sentence naming the same name with another number
    ('Oryx 7 Max') is about another model; else the nearest earlier sentence (or the title) naming a version decides;
    a passage naming no version at all meets it (the entity anchor still asks for the name)."""
    name, number = anchor.key.rsplit(" ", 1)
    for i, text in enumerate([sentence, *reversed(scope.before), scope.title]):
        versions = {(n, num) for n, num in model_names(text) if same_name(name_key(n), name)}
        if (name, number) in {(name_key(n), num) for n, num in versions}:
            return True, None
        if versions:
            found = sorted(f"{n} {num}" for n, num in versions)[0]
            return False, found if i == 0 else None
    return True, None


def _term_met(anchor: Anchor, sentence: str, scope: Scope, *, former_ok: bool = False) -> bool:
    """The question's main verb or asked noun, in any form ('rose' for 'rise') or WordNet kin ('council' for
    councillors), in the sentence itself; a noun may also stand in the sentence just before ('... after months of
    repairs. The works cost 41 million euros.'). A 'former president' is not the one asked about, unless asked so."""
    near = [sentence, *scope.before[-1:]] if anchor.strict or _PRONOUN_START.match(sentence) else [sentence]
    if not former_ok and anchor.strict:
        near = [_FORMER_ROLE.sub(" ", t) for t in near]
    return _has_form(anchor.key, near) or bool(anchor.strict and (kin := kin_key(anchor.text)) and _has_form(kin, near))


def _form_of(key: str) -> Callable[[str], bool]:
    return lambda word: _has_form(key, [word])


def _has_form(key: str, texts: Sequence[str]) -> bool:
    """A word of the texts in one of the forms of `key` ('win|won'), irregular forms included ('rose' ~ 'rise')."""
    forms = set(key.split("|"))
    irregular = nlp.irregular_forms()
    for text in texts:
        for w in _words(text):
            if stem(w) in forms or (w in irregular and stem(irregular[w]) in forms):
                return True
    return False


_FORMER_WORDS = re.compile(r"\b(?:former|ex-|erstwhile|outgoing|late|then)\b", re.I)


def _names_no_place(scope: Scope) -> bool:
    """Whether the passage (and what else is known of its article) names no country or region at all: a domestic
    outlet's story about its own country ('the 2025 budget') is about the asked country; one naming others is not."""
    texts = [t for t in (scope.passage, scope.article, scope.title) if t]
    return bool(texts) and not any(e.label in _PLACE_LABELS for t in texts for e in nlp.entities(t))


_PLACE_LABELS = frozenset({"GPE", "NORP"})


def _contrasting(anchor: Anchor, texts: Sequence[str]) -> str | None:
    """The contrasting category the sentence (and, for 'she ...', the one before) names instead of the asked one
    ('women' for 'men'), if it does."""
    other = _CONTRASTING_QUALIFIERS.get(anchor.key)
    if other is None:
        return None
    words = {w for t in texts for w in _words(t)}
    return other if other in words and anchor.key not in words else None


def _names_word(key: str, text: str) -> bool:
    """A category the passage itself names ('women's') must stand near the sentence: the title (last of the scopes)
    covers the whole article, which may report both categories."""
    return any(same_name(key, w) for w in _words(text))


def _qualifier_met(anchor: Anchor, scopes: Sequence[str], passage: str) -> bool:
    """A qualifier ('women's', 'finance') must stand near the sentence only when the passage draws that distinction at
    all: a passage that never says 'men's' does not make the main race's winner a wrong answer to 'the men's race'."""
    if any(same_name(anchor.key, w) for t in scopes for w in _words(t)) or _has_form(stem(anchor.key), scopes):
        return True
    return not anchor.strict and bool(passage) and not any(same_name(anchor.key, w) for w in _words(passage))


def fit(
    analysis: QuestionAnalysis,
    sentence: str,
    scope: Scope = Scope(),
    *,
    entities: Sequence[nlp.Entity] | None = None,
    terms: TermRule = "any",
    paraphrases: Paraphrases | None = None,
) -> Fit:
    """How `sentence` (with what precedes it) answers the analysed question: anchors and answer type. With
    `paraphrases`, an asked noun the sentence does not name may be named in other words where its figure stands."""
    anchors = anchor_fit(analysis, sentence, scope, terms=terms)
    type_ok, found = type_fit(analysis, sentence, scope, entities)
    missing = anchors.missing
    if paraphrases is not None and any(a.kind == "term" and a.strict for a in missing):
        figures = figure_nouns(nlp.parse(sentence))  # 'a crowd of 44,800' for the asked spectators
        missing = tuple(
            a for a in missing if not (a.kind == "term" and a.strict and paraphrases.similar(a.text.lower(), figures))
        )
    reading = Reading(_has_form, _names_anchor, _name_words, lambda text: type_fit(analysis, text)[0], _words)
    more_missing, more_conflicts = subject_fit(analysis, sentence, scope.before, reading)  # the fifth round
    return Fit(
        type_ok, found, missing + more_missing, anchors.conflicts + _attribution(analysis, sentence) + more_conflicts
    )


def _names_anchor(anchor: Anchor, text: str) -> bool:
    return _mentions_name(anchor.key, [text], person=anchor.person)


def _name_words(anchor: Anchor) -> set[str]:
    return set(distinctive_words(anchor.key, person=bool(anchor.person)))


def _attribution(analysis: QuestionAnalysis, sentence: str) -> tuple[tuple[Anchor, str], ...]:
    """What the sentence's parse attaches to the asked noun, against what the question attaches to it: another holder
    ('*Tessaly* chief executive ...' for Corven's), or only other kinds of it ('the *foreign* minister' for the finance
    minister, the *former* president for the president)."""
    slots = [a.key for a in analysis.anchors if a.kind == "term" and a.strict]
    slots += [analysis.holder.slot] if analysis.holder is not None else []
    if not slots or not any(_has_form(key, [sentence]) for key in slots):
        return ()  # the sentence never names the asked word: nothing to attribute (and no parse to pay for)
    doc = nlp.parse(sentence)
    return _holder_conflicts(analysis, doc) + _modifier_conflicts(analysis, doc)


def _holder_conflicts(analysis: QuestionAnalysis, doc: nlp.Doc) -> tuple[tuple[Anchor, str], ...]:
    holder = analysis.holder
    if holder is None:
        return ()
    key = name_key(holder.name)

    def fills(tok: nlp.Token) -> bool:
        return _has_form(holder.slot, [tok.text, tok.lemma_])

    def same(owner: str) -> bool:  # the holder, or a shorter form of its name ('Calloway' for 'Ines Calloway')
        words = set(_words(owner))
        return _names_in(key, words, person=holder.person) or words <= set(_words(holder.name))

    if holder.verb and _mentions_name(key, [doc.text], person=holder.person):
        return ()  # the verb's holder is named: a misread subject (the small parser) is likelier than another holder
    other = holder_conflict(holder, doc, fills, same)
    anchor = next((a for a in analysis.anchors if a.kind == "entity" and a.text == holder.name), None)
    return () if other is None or anchor is None else ((anchor, other),)


def _modifier_conflicts(analysis: QuestionAnalysis, doc: nlp.Doc) -> tuple[tuple[Anchor, str], ...]:
    """The asked noun named only as another kind of it ('foreign minister' for finance) or as a former holder."""
    nouns = [a for a in analysis.anchors if a.kind == "term" and a.strict]
    wanted = [a for a in analysis.anchors if a.kind == "qualifier" and a.strict]
    if not nouns:
        return ()
    # the asked kind named elsewhere in the sentence still counts ('*Health* spending rises ..., the transport budget')
    named = any(_has_form(stem(q.key), [doc.text]) for q in wanted)
    other = other_kind(
        doc,
        lambda t: any(_has_form(a.key, [t.text]) for a in nouns),
        lambda w: any(same_name(q.key, w) or stem(q.key) == stem(w) for q in wanted),
        narrowed=bool(wanted) and not named,
        former_ok=bool(analysis.of_kind("prior")) or bool(_FORMER_WORDS.search(analysis.question)),
    )
    return () if other is None else (((wanted or nouns)[0], other),)


PASSAGE_KINDS = frozenset({"year", "quarter", "ordinal", "number", "entity"})
"""Anchors a whole passage is ranked by; terms and qualifiers are judged on the answer sentence, not the passage."""


def passage_anchor_share(analysis: QuestionAnalysis, text: str, title: str, published_year: str | None) -> float:
    """Share of the question's passage-level anchors a passage meets (its text, title or, for years, date): a cheap
    pass for re-ranking retrieval, one set of words per passage."""
    anchors = [a for a in analysis.anchors if a.kind in PASSAGE_KINDS]
    if not anchors:
        return 0.0
    whole = f"{title}\n{text}"
    words = set(_words(whole))
    met = 0
    for a in anchors:
        if a.kind in EXCLUSIVE:
            met += a.key in EXCLUSIVE[a.kind](whole) or (a.kind == "year" and published_year == a.key)
        elif a.kind == "number":
            met += a.key in number_keys(whole)
        else:
            met += _names_in(a.key, words, person=a.person)
    return met / len(anchors)


def anchor_fit(analysis: QuestionAnalysis, sentence: str, scope: Scope = Scope(), *, terms: TermRule = "any") -> Fit:
    """The anchors alone (no model call): which the sentence meets, misses or contradicts. `terms`: whether every term
    of the question (main verb, asked noun) must be there, at least one, or none ('any': paraphrases change words)."""
    scopes = [sentence, *reversed(scope.before), scope.title]
    former_ok = bool(analysis.of_kind("prior")) or bool(_FORMER_WORDS.search(analysis.question))
    missing: list[Anchor] = []
    unmet_terms: list[Anchor] = []
    conflicts: list[tuple[Anchor, str]] = []
    for anchor in analysis.anchors:
        if anchor.kind in EXCLUSIVE:
            met, other = _check_exclusive(anchor, sentence, scope, bool(_FULL_YEAR.search(analysis.question)))
            if other is not None:
                conflicts.append((anchor, other))
            elif not met:
                missing.append(anchor)
        elif anchor.kind == "number":
            if not any(anchor.key in number_keys(t) for t in scopes):
                missing.append(anchor)
        elif anchor.kind == "entity":
            # A quote's speaker may be named right after it ('"…," said Abelard'); other names must come before.
            extra = scope.after[:1] if analysis.answer_type == "quote" else ()
            if not _mentions_name(anchor.key, [*scopes, *extra], person=anchor.person) and not (
                anchor.place and _names_no_place(scope)
            ):
                missing.append(anchor)
        elif anchor.kind == "model":
            met, other = _check_model(anchor, sentence, scope)
            if other is not None:
                conflicts.append((anchor, other))
            elif not met:
                missing.append(anchor)
        elif anchor.kind == "prior":
            # Asked for the state before something: the sentence (or the one leading to it) must speak of it as earlier.
            if not any(_PRIOR_MARKERS.search(t) for t in [sentence, *scope.before[-1:]]):
                missing.append(anchor)
        elif anchor.kind == "topic":
            # What the fact is about must be what the answer's passage is about ('veltrimab', 'basketball'), though
            # not necessarily in the answer sentence itself.
            if not _has_form(anchor.key, [*scopes, scope.passage, scope.article]):
                missing.append(anchor)
        elif anchor.kind == "predicate":
            # A yes/no question is answered only by a sentence that affirms or denies what it asks ('resign'), in
            # that sentence itself: a sentence about the same mayor doing something else does not say whether.
            if not _has_form(anchor.key, [sentence]):
                missing.append(anchor)
        elif anchor.kind == "term":
            if not _term_met(anchor, sentence, scope, former_ok=former_ok):
                unmet_terms.append(anchor)
            elif (
                not anchor.strict
                and analysis.answer_type != "polar"
                and not asks_negated(analysis.question)
                and (denied := only_denied(sentence, _form_of(anchor.key)))
            ):
                conflicts.append((anchor, f"“{denied}”"))  # 'the Oryx 7 is *not affected*': it says which were not
        elif (
            other := _contrasting(anchor, [sentence, *(scope.before[-1:] if _PRONOUN_START.match(sentence) else [])])
        ) is not None:
            conflicts.append((anchor, other))
        elif not _qualifier_met(
            anchor, scopes[:-1] if _names_word(anchor.key, scope.passage) else scopes, scope.passage
        ):
            missing.append(anchor)
    all_terms = [a for a in analysis.anchors if a.kind == "term"]
    if terms == "all":
        missing += unmet_terms
    elif terms == "nouns":
        missing += [a for a in unmet_terms if a.strict]  # the asked thing ('runners'); verbs are often paraphrased
    elif terms == "any":
        # Every noun term (the asked thing: 'runners', 'director') and at least one term overall.
        missing += [a for a in unmet_terms if a.strict]
        if all_terms and len(unmet_terms) == len(all_terms) and not any(a.strict for a in unmet_terms):
            missing += unmet_terms
    return Fit(True, "", tuple(missing), tuple(conflicts))


def type_fit(
    analysis: QuestionAnalysis, sentence: str, scope: Scope = Scope(), entities: Sequence[nlp.Entity] | None = None
) -> tuple[bool, str]:
    """Whether the sentence offers an item of the asked type (and which): a new person for 'who', a sum for 'how much'."""
    atype = analysis.answer_type
    if atype in {"other", "polar"}:
        return True, ""  # a yes/no question's predicate is an anchor ('predicate'), checked with the others
    if atype == "quote":
        spoken = bool(_QUOTE_MARKS.search(sentence) or _SPEECH.search(sentence))
        speaker = analysis.speaker
        # The speaker named in it, right after a quote ('"…," said Abelard'), or in the sentence just before it
        # ('Moscow has downplayed the plan. Kremlin spokesman Dmitry Peskov stated ...').
        # A quote or 'he said' may reach back one more sentence ('"Our teams will work…" … "We are ready," he wrote').
        reach = 2 if _QUOTE_MARKS.search(sentence) or _PERSONAL.search(sentence) else 1
        about = not speaker or _mentions_name(speaker, [sentence, *scope.after[:1], *scope.before[-reach:]])
        return spoken and about, sentence if spoken and about else ""
    if atype == "reason":
        m = REASON_CUES.search(sentence)
        return bool(m), m.group(0) if m else ""
    if atype in {"number", "quantity"} and analysis.dimension:
        return measured(analysis, sentence)
    ents = entities if entities is not None else nlp.entities(sentence)
    labels = TYPE_LABELS[atype]
    asked_values = {a.key for a in analysis.anchors if a.kind in {"year", "number", "ordinal"}}
    items = []
    for ent in ents:
        if ent.label not in labels:
            continue
        words = _words(ent.text)
        if atype in {"person", "organisation", "place"}:
            if words and all(any(same_name(w, n) for n in analysis.names) for w in words):
                continue  # a name the question already gives is not the answer
        elif number_keys(ent.text) and number_keys(ent.text) <= asked_values:
            continue  # the asked year or figure itself
        elif atype == "quantity" and ent.label in {"DATE", "TIME"} and not TIME_SPAN.search(ent.text):
            continue  # 'in July' is a date, not an amount; 'for 18 months' is one
        items.append(ent)
    if items:  # of two figures, the one next to the asked year or name ('410 in 2025 and *380* in 2024')
        return True, nearest_item(sentence, items, analysis.anchors)
    if atype == "money" and (m := money_pattern().search(sentence)):
        return True, m.group(0)
    if atype in {"number", "quantity"}:
        new = number_keys(sentence) - asked_values
        if new:
            return True, sorted(new)[0]
        if m := _NUMBER_WORD.search(sentence):
            return True, m.group(0)
    if atype == "date":
        new_years = year_keys(sentence) - asked_values
        if new_years:
            return True, sorted(new_years)[0]
    return False, ""
