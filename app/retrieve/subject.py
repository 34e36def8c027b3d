"""Whose fact a sentence states: the asked thing's, or a neighbour's. The fifth round of the answer-level check
(issue 13): each rule reads the question and the answer sentence (and its dependency parse) for one thing, whether
the sentence's answer item is attached to what was asked; `subject_fit` applies them for `constraints.fit`.

- **A rate** (app.retrieve.rates): 'how far *each year*' is not answered by a total over a span.
- **The asked noun next door** (`borrowed_noun`): the asked noun may stand in the sentence just before the answer
  ("... after eight months of repairs. The works cost 41 million euros."), but not when that sentence gives its own
  value of the asked type ("The pre-sale estimate was 2 million crowns. The previous record was 5.9 million."): then
  that sentence is the fact about the asked noun, and this one is about something else.
- **A figure outside the subject's clause** (`figure_elsewhere`): the asked subject named in the sentence, but every
  figure of the asked kind outside the clause it is named in, belongs to another head.
- **Another category of a narrowed noun** (`other_category`): 'white stork pairs' vs 'pairs of black storks'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app import nlp
from app.retrieve.lexicon import GENERIC_MODIFIERS
from app.retrieve.question import Anchor, QuestionAnalysis, stem
from app.retrieve.rates import missing_rate

Named = Callable[[str, Sequence[str]], bool]
"""Whether texts name a word in one of its forms (`key` as 'win|won'), as the caller's term rule reads them."""
FIGURE_TYPES = frozenset({"number", "quantity", "money"})  # answer types a figure answers
NOT_FIGURES = frozenset({"DATE", "TIME", "ORDINAL"})  # 'in 2019', 'first': they say when or which, not how much


@dataclass(frozen=True)
class Reading:
    """How the caller (app.retrieve.constraints) reads words, names and answer items."""

    named: Named
    names: Callable[[Anchor, str], bool]
    """Whether a text names an entity anchor's name."""
    name_words: Callable[[Anchor], set[str]]
    """The words of a name that tell it apart ('corvid' of 'Corvid-1')."""
    is_item: Callable[[str], bool]
    """Whether a text offers an item of the asked type ('640-kilogram' for 'how much does it weigh')."""
    words: Callable[[str], Sequence[str]]
    """A text's words as names are matched ('corvid-1', 'corvid', '1')."""


def subject_fit(
    analysis: QuestionAnalysis, sentence: str, before: Sequence[str], reading: Reading
) -> tuple[tuple[Anchor, ...], tuple[tuple[Anchor, str], ...]]:
    """(missing, conflicts) of the sentence by the rules of this module (the module docstring)."""
    missing: tuple[Anchor, ...] = borrowed_noun(analysis, sentence, before, reading.named, reading.is_item)
    conflicts: list[tuple[Anchor, str]] = []
    entities = [a for a in analysis.anchors if a.kind == "entity"]
    if analysis.answer_type in FIGURE_TYPES:
        if (rate := missing_rate(analysis.question, sentence)) is not None:
            missing += (Anchor("term", rate, rate),)
        named = [a for a in entities if reading.names(a, sentence)]
        if named:
            doc = nlp.parse(sentence)
            keys = {w for a in named for w in reading.name_words(a) if not w.isdigit()}
            mentions = [t for t in doc if keys & set(reading.words(t.text))]
            if (figure := figure_elsewhere(doc, mentions, reading.is_item)) is not None:
                conflicts.append((named[0], f"another subject ({figure})"))
    narrowed = narrowed_nouns(analysis.question)  # parse the sentence only when it names such a noun
    category = (
        other_category(analysis.question, nlp.parse(sentence))
        if narrowed and reading.named("|".join(narrowed), [sentence])
        else None
    )
    if category is not None:
        conflicts.append((Anchor("qualifier", category[0], category[0]), category[1]))
    return missing, tuple(conflicts)


def borrowed_noun(
    analysis: QuestionAnalysis, sentence: str, before: Sequence[str], named: Named, gives_answer: Callable[[str], bool]
) -> tuple[Anchor, ...]:
    """The asked nouns the sentence only borrows from the one before it, when that one gives its own answer item."""
    if not before or analysis.of_kind("prior"):
        return ()  # asked for an earlier state, the sentence before gives the new value ('the *previous* record')
    nouns = [a for a in analysis.anchors if a.kind == "term" and a.strict]
    borrowed = [a for a in nouns if not named(a.key, [sentence]) and named(a.key, [before[-1]])]
    return tuple(borrowed) if borrowed and gives_answer(before[-1]) else ()


NAMING_VERBS = frozenset({"know", "call", "name", "dub", "nickname", "brand", "title"})
"""Participles that give a noun its name ('the line, *known as* the Coastline, cost ...'): the name stands for the
noun, so its clause is the noun's, not the participle's."""


def _verb_above(tok: nlp.Token) -> nlp.Token:
    """The nearest verb a word hangs from (its clause), or the sentence's root; a naming participle is passed by."""
    while tok.head.i != tok.i:
        tok = tok.head
        if tok.pos_ in {"VERB", "AUX"} and not (tok.dep_ == "acl" and tok.lemma_ in NAMING_VERBS):
            return tok
    return tok


def figure_phrase(tok: nlp.Token) -> str:
    """A figure with the words up to the noun it modifies ('640-kilogram', '4 metres', '$28 million')."""
    doc = tok.doc
    end = tok.head.i if tok.i < tok.head.i <= tok.i + 3 else tok.i
    start = tok.i - 1 if tok.i > 0 and doc[tok.i - 1].text in {"$", "€", "£", "¥"} else tok.i
    return doc[start : end + 1].text


def figure_elsewhere(doc: nlp.Doc, mentions: Sequence[nlp.Token], is_item: Callable[[str], bool]) -> str | None:
    """The answer figure, when the asked subject is named in the sentence but every figure of the asked kind stands
    outside the clause the subject is named in ('The *640-kilogram* satellite carries ..., compared with 4 metres
    for its predecessor, *Corvid-1*': the mass is the satellite's). None when one stands inside it, or none is
    of the asked kind."""
    items = [t for t in doc if (t.like_num or t.pos_ == "NUM") and t.ent_type_ not in NOT_FIGURES]
    items = [t for t in items if is_item(figure_phrase(t))]
    if not items or not mentions:
        return None
    clauses = [_verb_above(m) for m in mentions]
    inside = any(c.left_edge.i <= t.i <= c.right_edge.i and t in c.subtree for c in clauses for t in items)
    return None if inside else figure_phrase(items[0])


def _adjectives(noun: nlp.Token) -> list[str]:
    """The adjectives narrowing a noun down before it ('*white* stork'), generic ones ('new', 'total') left out."""
    found = [c.lower_ for c in noun.children if c.dep_ == "amod" and c.pos_ == "ADJ" and c.i < noun.i]
    return [w for w in found if w not in GENERIC_MODIFIERS]


def narrowed_nouns(question: str) -> list[str]:
    """Stems of the question's nouns it narrows by an adjective ('stork' of 'white stork pairs')."""
    return [stem(t.lemma_.lower()) for t in nlp.parse(question) if t.pos_ == "NOUN" and _adjectives(t)]


def other_category(question: str, doc: nlp.Doc) -> tuple[str, str] | None:
    """A noun the question narrows by an adjective ('*white* stork pairs') that the sentence names only narrowed by
    other adjectives ('pairs of *black* storks'): (the question's adjective, what the sentence says instead)."""
    for noun in nlp.parse(question):
        if noun.pos_ != "NOUN":
            continue
        wanted = _adjectives(noun)
        if not wanted:
            continue
        found = [t for t in doc if t.pos_ == "NOUN" and t.lemma_.lower() == noun.lemma_.lower()]
        others: list[str] = []
        for tok in found:
            adjectives = [c.lower_ for c in tok.children if c.dep_ == "amod" and c.pos_ == "ADJ" and c.i < tok.i]
            if any(w in adjectives for w in wanted) or not adjectives:
                others = []
                break
            others.append(f"{adjectives[0]} {tok.text}")
        if others:
            return wanted[0], others[0]
    return None
