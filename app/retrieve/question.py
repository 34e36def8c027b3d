"""What a question asks for: the answer type, and the anchors any answer must respect.

The answer type comes from the question word and, for 'which/what X' questions, from the noun X (its named-entity
class when spaCy knows one, else a small table of nouns that name people, organisations, places, times or amounts).
Anchors are what pins the asked fact down: years, dates, quarters, ordinals/editions, numbers, named entities and the
qualifiers of the asked noun ("women's", "finance"). A true sentence about another anchor does not answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from app import nlp
from app.retrieve.attribution import Holder, question_holder
from app.retrieve.counting import asked_count
from app.retrieve.lexicon import (
    DIMENSION_CUES,
    GENERIC_MODIFIERS,
    GENERIC_TYPE_NOUNS,
    LIGHT_VERBS,
    MONEY_VERBS,
    NAME_LABELS,
    ORDINAL_WORDS,
    SPEECH_LEMMAS,
    TYPE_NOUNS,
    AnswerType,
)
from app.retrieve.polar import asks_cause, is_polar, polar_predicate, predicate_words

AnchorKind = Literal[
    "year", "quarter", "ordinal", "number", "model", "entity", "qualifier", "term", "topic", "prior", "predicate"
]


YEAR_PATTERN = re.compile(r"\b(?:1[89]|20)\d\d\b")
"""A year, as a follow-up may name one alone ('what about 2023?')."""
QUARTER_PATTERN = re.compile(r"\b(?:Q[1-4]|H[12])\b", re.I)
"""A quarter or half written short ('and Q2?')."""
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)(?:\s*[-–/]\s*(\d{2,4}))?\b")
_QUARTER = re.compile(
    r"\b(?:q([1-4])|([1-4])q|(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter|(h[12])|(first|second)[\s-]+half)\b",
    re.I,
)
_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b|\b(" + "|".join(ORDINAL_WORDS) + r")\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_SEASON = re.compile(r"\b(?:season|series|edition|round|stage|week|game|leg|chapter|volume)\s+(\d{1,3})\b", re.I)
_WH = re.compile(r"^\s*(who|whom|whose|what|which|where|when|why|how)\b", re.I)
_PREP_WH = re.compile(r"^\s*(?:by|until|till|since|from|to|for)\s+(who|whom|whose|where|when|how)\b", re.I)
"""'*By* when did ...', '*To* whom was it sold', '*By* how much did it fall': the preposition leaves the question word's
ask unchanged ('by when' asks for a date)."""
NAME_NOUNS = frozenset({"name", "identity"})  # 'the name of X' asks for X: its type and its noun are X's
_HEDGE = re.compile(
    r"^(?:about|approximately|roughly|around|some|nearly|almost|more or less|at least|at most)\s+(?=(?:how|when)\b)",
    re.I,
)  # 'About how many phones ...' asks how many: the hedge only says an estimate will do
_REACTION = re.compile(r"\b(?:react|reacted|respond|responded|reacting|responding)\b")
_HOW_MANY = re.compile(r"^\s*how\s+(?:many|much)\s+(?:of\s+(?:the\s+|its\s+|their\s+)?)?", re.I)
_DIGIT_EDITION = re.compile(r"\d{1,3}(?:st|nd|rd|th)", re.I)
_MODEL_NAME = re.compile(r"\b([A-Z][\w’']*[A-Za-z])[ -](\d{1,4}[A-Za-z]?)\b(?![.,]\d|\s*(?:%|percent|per cent))")
_NOT_MODEL_NAMES = frozenset("""
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    q h the a in on at by of for and or to from how what which who when where why
""".split())  # fmt: skip  # noqa: SIM905
_PRIOR = re.compile(
    r"\b(?:previous|previously|prior|earlier|before)\b(?!\s+(?:in\s+)?(?:1[89]|20)\d\d\b)(?!\s+\w+ing\b)", re.I
)  # not 'before saying ...': that orders two events, it does not ask for the earlier state
"""A question about the state before something ('the record *before* Makena broke it', 'the *previous* record')."""
_BACKGROUND_TIME = re.compile(
    r"\b(?:before|since|until|prior to)\s+(?:the\s+)?(?:[A-Za-z]+\s+)?(?:1[89]|20)\d\d\b", re.I
)  # 'before 2020', 'before the 2024 sale', 'before the February 2024 reshuffle': the reference, not the asked time
_QUARTER_WORDS = {
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "1st": "1",
    "2nd": "2",
    "3rd": "3",
    "4th": "4",
}


@dataclass(frozen=True)
class Anchor:
    """Something the answer must be about: `key` is normalised ('2021', 'q2', '92', 'velaria', 'women', 'umpir')."""

    kind: AnchorKind
    text: str
    key: str
    strict: bool = True
    """Qualifiers: a compound or adjective ('interior minister') is strict; a possessive category ('men's race') may be
    left implicit by a passage that never draws the distinction."""
    place: bool = False
    """Entities: a country or region ('Velaria'), which a domestic outlet's article may never name."""
    person: bool | None = False
    """Entities: a person's name, which a passage may shorten to the surname ('Velloso' for 'Hana Velloso'); None for
    a run of proper nouns the model did not tag (it may be either)."""


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks for and what pins it down."""

    question: str
    answer_type: AnswerType
    anchors: tuple[Anchor, ...] = ()
    names: tuple[str, ...] = field(default=())
    """Lower-cased names in the question: an answer naming only these names nobody new."""
    speaker: str = ""
    """For 'what did X say': X."""
    dimension: str = ""
    """What a number must measure: 'count' ('how many'), 'mass', 'length' (lexicon.DIMENSION_CUES), or '' (any)."""
    holder: Holder | None = None
    """Whose attribute is asked ('*Corven's* chief executive'): a sentence giving another holder's does not answer."""
    counted: str = ""
    """For 'how many X': X, the plural noun a count must count (counting.asked_count), or '' when none is named."""

    def of_kind(self, kind: AnchorKind) -> tuple[Anchor, ...]:
        return tuple(a for a in self.anchors if a.kind == kind)


# ---- values found in any text ------------------------------------------------------------------------------------


def year_keys(text: str) -> set[str]:
    """Years in a text; a season '2023-24' counts as both years."""
    keys: set[str] = set()
    for m in _YEAR.finditer(text):
        keys.add(m.group(1))
        if m.group(2):
            tail = m.group(2)
            keys.add(tail if len(tail) == 4 else m.group(1)[:2] + tail)
    return keys


def quarter_keys(text: str) -> set[str]:
    """Quarters and halves: 'q1'..'q4', 'h1', 'h2'."""
    keys: set[str] = set()
    for m in _QUARTER.finditer(text):
        if m.group(1) or m.group(2):
            keys.add("q" + (m.group(1) or m.group(2)))
        elif m.group(3):
            keys.add("q" + _QUARTER_WORDS[m.group(3).lower()])
        elif m.group(4):
            keys.add(m.group(4).lower())
        elif m.group(5):
            keys.add("h" + _QUARTER_WORDS[m.group(5).lower()])
    return keys


def ordinal_keys(text: str) -> set[str]:
    """Ordinals and numbered editions ('92nd', 'third', 'season 4'), as numbers; quarters are not ordinals."""
    masked = _QUARTER.sub(" ", text)
    keys = {m.group(1) or str(ORDINAL_WORDS[m.group(2).lower()]) for m in _ORDINAL.finditer(masked)}
    keys |= {m.group(1) for m in _SEASON.finditer(masked)}
    return keys


def number_keys(text: str) -> set[str]:
    """Numbers written with digits, without thousands separators ('600,000' -> '600000')."""
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def name_key(text: str) -> str:
    """A name normalised for matching: lower case, possessive dropped ("Russia's" -> 'russia')."""
    return re.sub(r"[’']s?$", "", text.strip().lower())


def same_name(a: str, b: str) -> bool:
    """Two words name the same thing, allowing the adjective form ('velaria' ~ 'velarian', 'ukraine' ~ 'ukrainian')."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    common = len(short) - 2 if short.endswith(("e", "a", "y")) else len(short) - 1
    return long_.startswith(short[: max(4, common)])


# ---- question analysis --------------------------------------------------------------------------------------------


MAX_ANALYSED_CHARS = 2000  # a question longer than this is analysed on its head (spaCy refuses texts over 1M chars)


@lru_cache(maxsize=1024)
def analyse(question: str) -> QuestionAnalysis:
    """The question's answer type and anchors (cached: a question is analysed once per process)."""
    unhedged = _HEDGE.sub("", question.strip())
    doc = nlp.parse((unhedged[:1].upper() + unhedged[1:])[:MAX_ANALYSED_CHARS])
    text = doc.text
    wh_match = _WH.match(text) or _PREP_WH.match(text)
    wh = wh_match.group(1).lower() if wh_match else ""
    counted, at = asked_count(text)
    counted_span = doc.char_span(at, at + len(counted), alignment_mode="expand") if counted else None
    asked = _asked_noun(doc, counted_span.root if counted_span is not None else None)
    speaker = _speaker(doc)
    answer_type = _answer_type(doc, wh, asked, speaker)
    anchors: list[Anchor] = []
    for y in sorted(year_keys(_BACKGROUND_TIME.sub(" ", text))):
        anchors.append(Anchor("year", y, y))
    for q in sorted(quarter_keys(text)):
        anchors.append(Anchor("quarter", q, q))
    unnamed = _mask_names(doc)
    for o in sorted(ordinal_keys(unnamed)):
        anchors.append(Anchor("ordinal", o, o))
    taken = year_keys(text) | ordinal_keys(text)
    for name, number in model_names(text):
        anchors.append(Anchor("model", f"{name} {number}", f"{name_key(name)} {number}"))
        taken.add(number)
    for n in sorted(number_keys(text) - taken):
        if not any(a.kind == "quarter" and n in a.key for a in anchors):
            anchors.append(Anchor("number", n, n))
    named = _names(doc)
    names = [name for name, _ in named]
    places = {e.text for e in doc.ents if e.label_ in {"GPE", "NORP"}}
    for name, person in named:
        anchors.append(Anchor("entity", name, name_key(name), person=person, place=name in places))
    for q, strict in _qualifiers(doc, asked, names):
        anchors.append(Anchor("qualifier", q, q.lower(), strict))
    for term in _terms(doc, asked, names):
        forms = {stem(term.text.lower()), stem(term.lemma_.lower())}
        # Nouns are rarely paraphrased away ('runners', 'director'); verbs often are ('won' ~ 'was named').
        anchors.append(Anchor("term", term.text, "|".join(sorted(forms)), strict=_noun(term)))
    if m := _PRIOR.search(text):
        anchors.append(Anchor("prior", m.group(0), "prior"))
    if answer_type == "polar" and (predicate := polar_predicate(doc)) is not None:
        anchors.append(Anchor("predicate", predicate.text, predicate_forms(predicate)))
    taken_words = {a.text.lower() for a in anchors} | {w.lower() for n in names for w in n.split()}
    for noun in _topics(doc, taken_words):
        forms = {stem(noun.text.lower()), stem(noun.lemma_.lower())}
        anchors.append(Anchor("topic", noun.text, "|".join(sorted(forms)), strict=False))
    return QuestionAnalysis(
        question=text,
        answer_type=answer_type,
        anchors=tuple(dict.fromkeys(anchors)),
        names=tuple(dict.fromkeys(name_key(w) for n in names for w in n.split())),
        speaker=speaker,
        dimension=_dimension(text, answer_type),
        holder=_holder(doc, asked, [a for a in anchors if a.kind == "entity"]),
        counted=counted,
    )


def _holder(doc: nlp.Doc, asked: nlp.Token | None, names: list[Anchor]) -> Holder | None:
    """Whose attribute the question asks for, as one of its names (attribution.question_holder), with the asked word's
    forms ('execut' for 'executive') so a sentence's word in any form fills the slot."""

    def named(owner: str) -> tuple[str, bool | None] | None:
        words = {name_key(w) for w in owner.split()}
        for a in names:
            if words & {name_key(w) for w in a.text.split()}:
                return a.text, a.person
        return None

    found = question_holder(doc, asked, named)
    if found is None:
        return None
    slot, name, person = found
    forms = "|".join(sorted({stem(slot.lower_), stem(slot.lemma_.lower())}))
    return Holder(name, forms, verb=slot.pos_ == "VERB", person=person)


def _dimension(text: str, answer_type: AnswerType) -> str:
    """What the asked number measures ('how many' -> a count; 'how much does it weigh' -> a mass)."""
    if answer_type not in {"number", "quantity"}:
        return ""
    if _HOW_MANY.match(text) and re.match(r"^\s*how\s+many\b", text, re.I):
        return "count"
    words = {w.lower() for w in re.findall(r"[\w-]+", text)}
    for dimension, cues in DIMENSION_CUES.items():
        if words & cues:
            return dimension
    return ""


def _mask_names(doc: nlp.Doc) -> str:
    """The question with titles of works and names blanked ('The *Ninth* Floor' holds no edition number); a numbered
    edition inside a name stays ('the *93rd* Aurelian Awards', which the model may tag as one organisation)."""
    chars = list(doc.text)
    for ent in doc.ents:
        if ent.label_ in {"WORK_OF_ART", "ORG", "PERSON", "PRODUCT", "FAC"}:
            for tok in ent:
                if not _DIGIT_EDITION.fullmatch(tok.text):
                    chars[tok.idx : tok.idx + len(tok.text)] = " " * len(tok.text)
    return "".join(chars)


def model_names(text: str) -> list[tuple[str, str]]:
    """Names carrying a version or model number, as (name, number): 'Oryx 6', 'Corvid-2', 'Apollo 11'. Not dates
    ('March 5'), years ('Euro 2024' is a year: an anchor of its own) or counts after a possessive ("the city's 14")."""
    out = []
    for m in _MODEL_NAME.finditer(text):
        name, number = m.group(1), m.group(2)
        if name.lower() in _NOT_MODEL_NAMES or YEAR_PATTERN.fullmatch(number) or name[-2:-1] in {"'", "’"}:
            continue
        out.append((name, number.lower()))
    return out


def _asked_noun(doc: nlp.Doc, counted: nlp.Token | None = None) -> nlp.Token | None:
    """The noun the question asks about: 'which *company*', 'what was the *revenue*', 'who is the *mayor*',
    'how many *branches*' (`counted`: the noun counting.asked_count found), 'how much of the sale *proceeds*'."""
    m = _HOW_MANY.match(doc.text)
    # the counted noun, unless the parser read it as a verb ('stork *pairs* breed'): then it holds no qualifiers, and
    # the parse's own noun below keeps them ('black', 'stork')
    if m and counted is not None and counted.idx >= m.end() and counted.pos_ == "NOUN":
        return counted
    if m:
        # the first common noun, past the names that say whose ('how many of *Tarnby's* wards')
        following = [t for t in doc if t.idx >= m.end() and t.pos_ == "NOUN"]
        if following and not any(t.pos_ in {"VERB", "AUX"} for t in doc if m.end() <= t.idx < following[0].idx):
            return _head_noun(following[0])
    which = _which_noun(doc)
    if which is not None:
        return which
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    # 'What is/was the revenue of X', 'Who is the mayor of X': the attribute or subject noun of the copula.
    for child in root.children:
        if (
            child.dep_ in {"attr", "nsubj", "nsubjpass"}
            and child.pos_ in {"NOUN", "PROPN"}
            and child.lower_ not in {"what", "who", "which"}
        ):
            return _named_one(_head_noun(child))
    return None


def _named_one(noun: nlp.Token) -> nlp.Token:
    """'what is the *name* of the collector': the name asked for is the collector's; the asked noun is the collector."""
    if noun.lemma_.lower() not in NAME_NOUNS or any(c.dep_ in {"amod", "compound"} for c in noun.children):
        return noun  # 'the *scientific* name of X' asks for a kind of name
    of = [g for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children if g.dep_ == "pobj"]
    return _head_noun(of[0]) if of and of[0].pos_ in {"NOUN", "PROPN"} else noun


def _which_noun(doc: nlp.Doc) -> nlp.Token | None:
    """X of 'which X' / 'what X': it names the kind of answer (Reuters *is* an agency), not a word the answer repeats."""
    for tok in doc[:-1]:
        nxt = doc[tok.i + 1]
        if tok.lower_ in {"which", "what", "whose"} and nxt.pos_ in {"NOUN", "ADJ", "PROPN", "NUM"}:
            # the noun run right after the question word ('which news agency' -> agency; the parser is not relied on:
            # it reads 'On which platform' with 'which' as an object)
            j = nxt.i
            while (
                j + 1 < len(doc)
                and doc[j + 1].pos_ in {"NOUN", "PROPN"}
                and doc[j + 1].dep_ in {"compound", "nsubj", "dobj", "attr", "pobj", "ROOT"}
            ):
                if doc[j].pos_ not in {"NOUN", "ADJ", "PROPN", "NUM"}:
                    break
                j += 1
            if doc[j].pos_ in {"NOUN", "PROPN"}:
                return doc[j]
    return None


def _head_noun(tok: nlp.Token) -> nlp.Token:
    """'second-quarter revenue' -> revenue; 'news agency' -> agency (the head of a compound)."""
    while tok.dep_ == "compound" and tok.head.pos_ in {"NOUN", "PROPN"} and tok.head.i > tok.i:
        tok = tok.head
    return tok


def _speaker(doc: nlp.Doc) -> str:
    """X of 'what did X say/tell/announce' and 'how did X react'."""
    for tok in doc:
        if tok.pos_ == "VERB" and tok.lemma_.lower() in SPEECH_LEMMAS:
            subj = [c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}]
            if subj and subj[0].lower_ not in {"who", "what", "which"}:
                span = doc[subj[0].left_edge.i : subj[0].right_edge.i + 1]
                if not _WH.match(span.text):
                    return span.text
            # the parser may attach the wrong subject ('What kind of peace did Barrot say'): the names before the verb
            names = [t for t in doc[: tok.i] if t.pos_ == "PROPN"]
            if names:
                return " ".join(t.text for t in names)
    return ""


def predicate_forms(tok: nlp.Token) -> str:
    """The stems a sentence may affirm or deny a predicate with (polar.predicate_words)."""
    return "|".join(sorted({stem(w) for w in predicate_words(tok)}))


def _answer_type(doc: nlp.Doc, wh: str, asked: nlp.Token | None, speaker: str) -> AnswerType:
    low = doc.text.lower()
    if not wh and is_polar(doc.text):
        return "polar"  # 'Did the mayor resign?' asks whether, not who (the asked noun 'mayor' is the subject)
    if speaker and wh in {"what", "how"} and not _REACTION.search(low):
        return "quote"  # 'how did X react' asks for a reaction, which need not be a statement
    if wh == "why" or (wh == "what" and asks_cause(doc)):
        return "reason"
    if wh == "where":
        return "place"
    if wh == "when" or re.match(r"^\s*(?:in|on|by|since|until)\s+what\s+(?:year|date|day|month)\b", low):
        return "date"
    if wh == "how":
        at = next((t.i for t in doc if t.lower_ == "how"), 0)
        nxt = doc[at + 1].lower_ if len(doc) > at + 1 else ""
        if nxt == "many":
            return "number"
        if nxt == "much":
            verbs = {t.lower_ for t in doc} | {t.lemma_.lower() for t in doc}  # 'is *selling*' as 'sell'
            if verbs & MONEY_VERBS or (asked is not None and asked.lemma_.lower() in TYPE_NOUNS["money"]):
                return "money"
            return "quantity"
        if nxt in {"long", "far", "old", "big", "large", "high", "tall", "heavy", "fast", "deep", "wide"}:
            return "quantity"
        return "other"
    if asked is not None:
        lemma = asked.lemma_.lower()
        for atype, nouns in TYPE_NOUNS.items():
            if lemma in nouns or asked.lower_ in nouns:
                return atype
    if wh in {"who", "whom", "whose"}:
        return "person"
    return "other"


def _names(doc: nlp.Doc) -> list[tuple[str, bool | None]]:
    """Named entities of the question, and runs of proper nouns the model did not tag (invented names); each with
    whether the model reads it as a person."""
    found: list[tuple[str, bool | None]] = []
    covered: set[int] = set()
    for ent in doc.ents:
        if ent.label_ in NAME_LABELS:
            text = re.sub(r"^(?:the|a|an)\s+", "", ent.text, flags=re.I)
            found.append((re.sub(r"[’']s$", "", text), ent.label_ == "PERSON"))
            covered.update(range(ent.start, ent.end))
    run: list[str] = []
    for tok in [*doc, None]:
        if (
            tok is not None
            and tok.i not in covered
            and tok.pos_ == "PROPN"
            and tok.i > 0
            and not tok.ent_type_
            and not tok.text.islower()  # 'under-18s': the small model's PROPN for a word it does not know, not a name
        ):
            run.append(tok.text)
            continue
        if run:
            found.append((re.sub(r"[’']s$", "", " ".join(run)), None))
            run = []
    return [(f, person) for f, person in found if f and not _WH.match(f)]


def _qualified_nouns(doc: nlp.Doc, asked: nlp.Token | None) -> list[nlp.Token]:
    """The asked noun, and the object of 'who won *the women's race*' (the question word is the subject); not the noun
    of 'which X' (an answer names an instance of X, not its modifiers: Reuters for 'which news agency')."""
    nouns = [asked] if asked is not None and asked != _which_noun(doc) else []
    for tok in doc:
        if tok.dep_ == "ROOT" and any(c.dep_ == "nsubj" and c.lower_ in {"who", "what", "which"} for c in tok.children):
            # the object may be a name ('who won the *men's* Harbor City Marathon'): its category still narrows it
            nouns += [_head_noun(c) for c in tok.children if c.dep_ in {"dobj", "attr"} and c.pos_ in {"NOUN", "PROPN"}]
    return nouns


def stem(word: str) -> str:
    """The Snowball stem used to match terms across word forms ('umpired' ~ 'umpire')."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _terms(doc: nlp.Doc, asked: nlp.Token | None, names: list[str]) -> list[nlp.Token]:
    """The content words the answer must be about: the question's main verb ('who *umpired* the race') and the asked
    noun ('how many *runners*', 'who is the *chair*') when it is not a plain type word ('person', 'amount')."""
    out: list[nlp.Token] = []
    name_words = {w.lower() for n in names for w in n.split()}
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and any(c.dep_ == "prt" for c in root.children):
        # a phrasal verb's complement is the asked verb: 'end up *costing*'
        root = next((c for c in root.children if c.dep_ in {"xcomp", "advcl"} and c.tag_ == "VBG"), root)
    if root is not None and _content_root(root) and root.lemma_.lower() not in LIGHT_VERBS | SPEECH_LEMMAS:
        out.append(root)
    which = _which_noun(doc)
    nouns = [asked] if asked is not None and asked != which else []
    if root is not None and any(c.dep_ == "nsubj" and c.lower_ in {"who", "what", "which"} for c in root.children):
        nouns += [_head_noun(c) for c in root.children if c.dep_ in {"dobj", "attr"} and c.pos_ == "NOUN"]
    for noun in nouns:
        if noun.lower_ not in name_words and noun.lemma_.lower() not in GENERIC_TYPE_NOUNS:
            out.append(noun)
    return [t for t in dict.fromkeys(out) if len(t.text) > 2 and t.pos_ != "PROPN"]


def _topics(doc: nlp.Doc, taken: set[str]) -> list[nlp.Token]:
    """The question's other content nouns ('the *basketball* league', 'the *veltrimab* trial'): what the asked fact is
    about. Not the 'which X' noun and its modifiers (the answer names an instance of it), not plain type words
    ('amount', 'person'), not the verb's object (often paraphrased)."""
    which = _which_noun(doc)
    out = []
    for tok in doc:
        if (
            tok.pos_ == "NOUN"
            and tok != which
            and not (which is not None and tok.head == which)  # 'which *news* agency': the kind, not the topic
            and len(tok.text) > 2
            and tok.lower_ not in taken
            and tok.lemma_.lower() not in GENERIC_TYPE_NOUNS
            and not tok.ent_type_
            and tok.dep_ != "dobj"  # what the verb acts on is often paraphrased ('obtained a *copy*' ~ 'a document')
            and tok.lower_ not in MONEY_VERBS | SPEECH_LEMMAS  # 'how much will it *cost*', misread as a noun
        ):
            out.append(tok)
    return out


def _noun(tok: nlp.Token) -> bool:
    """A noun, not a verb the small model tagged as one: a 'noun' with 'do' as its auxiliary is the bare verb of 'how
    much did X *cost* to make', 'how many people does X *employ*' (as in `_content_root`)."""
    return tok.pos_ == "NOUN" and not any(c.dep_ == "aux" and c.lemma_.lower() == "do" for c in tok.children)


def _content_root(root: nlp.Token) -> bool:
    """The main verb (or noun) of the question; the small model tags the bare verb after 'did X' as an adjective
    ('When did the plant *open*?'), which 'do' shows to be a verb."""
    if root.pos_ in {"VERB", "NOUN"}:
        return True
    return root.pos_ == "ADJ" and any(c.dep_ == "aux" and c.lemma_.lower() == "do" for c in root.children)


def _qualifiers(doc: nlp.Doc, asked: nlp.Token | None, names: list[str]) -> list[tuple[str, bool]]:
    """Words narrowing the asked noun down: 'the *women's* race', 'the *finance* minister', 'the *junior* title'."""
    name_words = {w.lower() for n in names for w in n.split()}
    out: list[tuple[str, bool]] = []
    for child in [c for noun in _qualified_nouns(doc, asked) for c in noun.children]:
        if child.dep_ not in {"amod", "compound", "poss", "nmod"}:
            continue
        word = re.sub(r"[’']s?$", "", child.text)
        low = word.lower()
        if (
            low in GENERIC_MODIFIERS
            or low in name_words
            or low in ORDINAL_WORDS
            or child.like_num
            or child.ent_type_ in {"DATE", "ORDINAL", "CARDINAL"}
            or quarter_keys(child.text)
            or child.lower_ in {"what", "which", "whose"}
            or child.pos_ == "PROPN"  # part of a name: checked as an entity
            or len(low) < 3
        ):
            continue
        out.append((low, child.dep_ != "poss"))
    return out
