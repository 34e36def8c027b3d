"""Yes/no ('polar') questions and 'what caused' questions, read from the dependency parse.

A yes/no question ('Did the mayor resign?') asks whether its predicate holds of its subject: an answer must affirm or
deny that predicate, not say something else about the subject. 'What caused X' / 'what led to X' ask for a reason,
as 'why' does.
"""

from __future__ import annotations

import re

from app import nlp
from app.retrieve.lexicon import CAUSE_VERBS, PREDICATE_FORMS

_POLAR = re.compile(
    r"^\s*(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could|should|shall|may|might|must)\b", re.I
)
"""A yes/no question opens with its auxiliary ('*Did* the mayor resign?'); a wh-question never does."""
_BARE_VERB_AUX = frozenset(
    {"do", "does", "did", "will", "would", "can", "could", "should", "shall", "may", "might", "must"}
)
"""Auxiliaries followed by the bare predicate verb, which the small parser may tag as a noun ('Did the mayor *resign*')."""


def predicate_words(tok: nlp.Token) -> set[str]:
    """The words a sentence may affirm or deny a predicate with: its own forms ('resign'; the stemmer joins
    'resignation') and the few other wordings of lexicon.PREDICATE_FORMS ('stepped down')."""
    lemma = tok.lemma_.lower()
    return {tok.lower_, lemma, *PREDICATE_FORMS.get(lemma, ()), *PREDICATE_FORMS.get(tok.lower_, ())}


def is_polar(question: str) -> bool:
    """A yes/no question: it opens with an auxiliary or a form of 'be/have/do' (a wh-question opens with its wh-word)."""
    return bool(_POLAR.match(question))


def polar_predicate(doc: nlp.Doc) -> nlp.Token | None:
    """What a yes/no question asks to be affirmed or denied: the root verb ('Has the company *sold* its stake'), else
    the complement of 'be' ('Is the bridge *open*', 'Was Varnhagen re-*elected*'), else, after 'did/will/can...', the
    verb the small parser misread as a noun ('Did the mayor of Marrowfield *resign*?')."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    has_aux = any(c.dep_ in {"aux", "auxpass"} for c in root.children)
    if root.pos_ == "VERB" and (root.lemma_.lower() not in {"be", "do", "have"} or has_aux):
        return root
    complements = [
        c for c in root.children if c.dep_ in {"acomp", "attr", "xcomp", "ccomp", "oprd"} and c.pos_ in _CONTENT_POS
    ]
    if complements:
        return complements[-1]
    if doc[0].lower_ not in _BARE_VERB_AUX:
        return None
    # The small parser reads 'Did X verb ...' with 'did' as the root and the verb as a noun, in one of two shapes:
    # the subject swallowed as the verb's modifier ('the President's office *comment*' -> nsubj 'comment' with a
    # possessive/compound), or the verb hung at the end of the subject ('the mayor of Marrowfield *resign*').
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is not None and subject.pos_ == "NOUN" and any(c.dep_ in {"compound", "poss"} for c in subject.children):
        return subject
    if subject is not None and subject.right_edge != subject and subject.right_edge.pos_ in _CONTENT_POS:
        return subject.right_edge
    last = [t for t in doc if not t.is_punct]
    return last[-1] if last and last[-1].i > 0 and last[-1].pos_ in _CONTENT_POS else None


_CONTENT_POS = frozenset({"VERB", "ADJ", "NOUN"})


def asks_cause(doc: nlp.Doc) -> bool:
    """'What *caused* the flood', 'What *led to* the evacuation', 'What prompted the move': the question word is the
    subject of a verb of causing, so the answer is a reason."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_.lower() not in CAUSE_VERBS:
        return False
    if root.lemma_.lower() == "lead" and not any(c.lower_ == "to" for c in root.children):
        return False  # 'what led the league' is not 'what led to'
    return any(c.dep_ in {"nsubj", "nsubjpass"} and c.lower_ == "what" for c in root.children)
