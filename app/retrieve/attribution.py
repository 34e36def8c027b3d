"""Attribution inside a sentence, read from spaCy's dependency parse: whose role or measure a word is.

A question asking for an attribute of a named holder ("*Corven's* chief executive", "the revenue *of Halvard Bank*",
"how far has *the Orsova Glacier* retreated") is not answered by a sentence that gives the same attribute of another
holder ("*Tessaly* chief executive Rosalind Achter", "*the Brask Glacier* has retreated 2.1 kilometres"). Both sides
are read the same way: the slot is the asked noun (or, when the question's holder is the subject of its main verb, that
verb), and its owners are the names attached to it: possessive ("Corven's"), a name compounded before it ("Tessaly
chief executive"), a nationality adjective ("the Kostranian minister"), the object of "of/at/for" ("chief executive
of Corven"), or for a verb its subject.

Pure functions over parsed `Doc`s; the name comparison itself is left to the caller (app.retrieve.constraints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app import nlp
from app.retrieve.lexicon import GENERIC_MODIFIERS

NAME_ENTITIES = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"})
OWNER_PREPOSITIONS = frozenset({"of", "at", "for"})  # 'chief executive *of* X', 'director *at* X', 'revenue *for* X'
SUBJECTS = frozenset({"nsubj", "nsubjpass"})


@dataclass(frozen=True)
class Holder:
    """Whose attribute the question asks for: `name` as the question writes it, `slot` the asked word it owns."""

    name: str
    slot: str
    """The asked noun ('executive') or, for a holder that is the subject of the main verb, that verb ('retreated')."""
    verb: bool = False
    person: bool | None = False
    """Whether the holder's name is a person's (matched by surname), as the question's entity anchor says."""


def is_name(tok: nlp.Token) -> bool:
    """A token that belongs to a name: tagged as a named entity, or a proper noun that is not a common English noun
    ('Tessaly', not the capitalised title word 'Chief')."""
    if tok.ent_type_ in NAME_ENTITIES:
        return True
    return tok.pos_ == "PROPN" and tok.lower_ not in nlp.common_nouns()


def name_of(tok: nlp.Token) -> str:
    """The whole name a token belongs to: its entity span, else its run of proper nouns; possessive dropped."""
    doc = tok.doc
    for ent in doc.ents:
        if ent.start <= tok.i < ent.end and ent.label_ in NAME_ENTITIES:
            tokens = [t for t in ent if t.dep_ != "case" and t.lower_ not in {"the", "a", "an"}]
            return " ".join(t.text for t in tokens)
    start = end = tok.i
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ in {"compound", "flat"}:
        start -= 1
    while end + 1 < len(doc) and doc[end + 1].pos_ == "PROPN" and doc[end].dep_ in {"compound", "flat"}:
        end += 1
    return " ".join(t.text for t in doc[start : end + 1])


def owners(slot: nlp.Token) -> list[str]:
    """The names a slot word is attached to as its owner (see the module docstring); [] when none is named (a pronoun,
    'the company', or nothing)."""
    found: list[nlp.Token] = []
    if slot.pos_ in {"VERB", "AUX"}:
        found += [c for c in slot.children if c.dep_ in SUBJECTS and is_name(c)]
        return _names(found)
    # the role word's own modifiers, and those of the role words compounded with it ('chief *executive*')
    chain = [slot, *[c for c in slot.children if c.dep_ == "compound" and not is_name(c)]]
    for word in chain:
        for c in word.children:
            if is_name(c) and (c.dep_ == "poss" or (c.dep_ in {"compound", "amod", "nmod"} and c.i < slot.i)):
                found.append(c)
            elif c.dep_ == "prep" and c.lower_ in OWNER_PREPOSITIONS:
                found += _object_names(c)
    head = slot.head
    if slot.dep_ == "compound" and head.i > slot.i:
        # a title before a name ('Tessaly chief executive Rosalind Achter'): names before the title own it; the name
        # after it is its holder (the answer), not its owner
        found += [c for c in head.children if c.i < slot.i and c.dep_ in {"compound", "poss", "amod"} and is_name(c)]
        for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ in OWNER_PREPOSITIONS):
            found += _object_names(prep)
    return _names(found)


def _object_names(prep: nlp.Token) -> list[nlp.Token]:
    """Names in the object of 'of/at/for': the object itself ('of *Corven Savings*') or a name in apposition or
    compounded with a common noun ('of the lender *Corven Savings*')."""
    out = []
    for obj in (c for c in prep.children if c.dep_ == "pobj"):
        if is_name(obj):
            out.append(obj)
        else:
            out += [c for c in obj.children if c.dep_ in {"appos", "compound", "poss", "amod"} and is_name(c)]
    return out


def _names(tokens: Sequence[nlp.Token]) -> list[str]:
    return list(dict.fromkeys(n for n in (name_of(t) for t in tokens) if n))


def question_holder(
    doc: nlp.Doc, asked: nlp.Token | None, named: Callable[[str], tuple[str, bool | None] | None]
) -> tuple[nlp.Token, str, bool | None] | None:
    """The asked word and its holder: the owner of the asked noun ('Corven's chief *executive*') or the subject of the
    main verb ('has *the Orsova Glacier* retreated'), as (slot token, the question's name, whether a person).
    `named` maps an owner found in the parse to the question's name holding it (and its person flag), or None."""
    if asked is not None and asked.pos_ == "NOUN":
        for owner in owners(asked):
            if (hit := named(owner)) is not None:
                return asked, *hit
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.pos_ == "VERB":
        for owner in owners(root):
            if (hit := named(owner)) is not None:
                return root, *hit
    return None


def slot_owners(doc: nlp.Doc, is_slot: Callable[[nlp.Token], bool], *, verb: bool) -> list[list[str]]:
    """For each word of a sentence that fills the slot (the asked noun or verb, in any form), the names owning it."""
    pos = {"VERB", "AUX"} if verb else {"NOUN", "PROPN"}
    return [owners(t) for t in doc if t.pos_ in pos and is_slot(t)]


def holder_conflict(
    holder: Holder, doc: nlp.Doc, fills: Callable[[nlp.Token], bool], same: Callable[[str], bool]
) -> str | None:
    """The other holder a sentence gives the asked attribute to ('Tessaly' for Corven's chief executive), or None
    when it names the asked holder there, or names no owner at all (a pronoun: 'its chief executive'). `fills` says
    whether a word is the asked noun or verb (in any form), `same` whether an owner's name is the asked holder's."""
    other = None
    for found in slot_owners(doc, fills, verb=holder.verb):
        if any(same(name) for name in found):
            return None
        if found and other is None:
            other = found[0]
    return other


MODIFIER_POS = frozenset({"ADJ", "NOUN", "PROPN", "VERB"})
FORMER = frozenset({"former", "ex", "erstwhile", "outgoing", "late", "then"})  # a holder who no longer holds it


def modifiers(slot: nlp.Token) -> list[str]:
    """The common words narrowing a slot word down before it ('the *foreign* minister', 'the *former* regional
    president', '*Economy* Minister'); names are owners, not modifiers."""
    return [
        c.lower_
        for c in slot.children
        if c.dep_ in {"amod", "compound", "nmod"} and c.i < slot.i and c.pos_ in MODIFIER_POS and not is_name(c)
    ]


def other_kind(
    doc: nlp.Doc,
    is_noun: Callable[[nlp.Token], bool],
    wanted: Callable[[str], bool],
    *,
    narrowed: bool,
    former_ok: bool,
) -> str | None:
    """The asked noun as another kind of it ('the *foreign* minister' for the finance minister), when every mention
    of it (`is_noun`) in the sentence is narrowed by words none of which is the question's own (`wanted`; the
    question narrows it at all: `narrowed`), or names a former holder when the current one is asked (not
    `former_ok`). None when some mention may be the asked one."""
    others: list[str] = []
    for tok in (t for t in doc if t.pos_ in {"NOUN", "PROPN"} and is_noun(t)):
        mods = [m for m in modifiers(tok) if m not in GENERIC_MODIFIERS]
        former = [m for m in mods if m in FORMER]
        if former and not former_ok:
            others.append(f"{former[0]} {tok.text}")
        elif any(wanted(w.lower_) for w in tok.subtree):  # 'the honorary award *for lifetime achievement*'
            return None
        elif narrowed and mods:
            others.append(f"{mods[0]} {tok.text}")
        else:
            return None  # a mention the question's qualifiers may leave implicit
    return others[0] if others else None


FIGURE_ENTITIES = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"})


def figure_nouns(doc: nlp.Doc) -> list[str]:
    """Lemmas of the nouns a sentence's figures measure: the noun a number counts ('a crowd *of* 44,800', '3,000
    workers'), or the subject of the verb the figure is the object of ('net *income* reached $355 million')."""
    out: list[str] = []
    for tok in doc:
        if not (tok.like_num or tok.ent_type_ in FIGURE_ENTITIES) or tok.pos_ not in {"NUM", "NOUN", "SYM"}:
            continue
        if tok.ent_type_ in {"DATE", "TIME", "ORDINAL"}:
            continue  # 'the 2023 final': a year names which one, it does not measure it
        head = tok.head
        if tok.dep_ == "nummod" and head.pos_ == "NOUN":
            out.append(head.lemma_.lower())
            if head.dep_ in {"dobj", "attr"}:  # '$355 million' -> million; the verb's subject is what it measures
                out += [c.lemma_.lower() for c in head.head.children if c.dep_ in SUBJECTS and c.pos_ == "NOUN"]
        elif tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ == "of" and head.head.pos_ == "NOUN":
            out.append(head.head.lemma_.lower())
        elif tok.dep_ in {"dobj", "attr"}:
            out += [c.lemma_.lower() for c in head.children if c.dep_ in SUBJECTS and c.pos_ == "NOUN"]
    return list(dict.fromkeys(out))
