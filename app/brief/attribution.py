"""Who says it: the speaker of a quote or a first-person sentence, from the sentence itself or its neighbours.

A briefing never shows a quotation or an 'I'/'we' sentence without naming who said it. The speaker comes from the
dependency parse (app.nlp): the subject of a speech verb ('..., Avery said', 'said Priya Nand'), the object of
'according to', or, for a pronoun or a quote standing alone, the speaker or the person named in the sentence before
(a quotation that runs on, 'Council leader Maria Delgado spoke to reporters. "I have asked ..."'). When none is
found the statement has no speaker and is not used as a bare point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SPEECH_LEMMAS = frozenset(
    [
        "say",
        "tell",
        "state",
        "add",
        "write",
        "announce",
        "confirm",
        "deny",
        "claim",
        "note",
        "warn",
        "insist",
        "argue",
        "urge",
        "admit",
        "explain",
        "declare",
        "stress",
        "reply",
        "respond",
        "comment",
        "ask",
        "predict",
        "promise",
        "pledge",
        "vow",
        "complain",
        "acknowledge",
        "allege",
        "report",
    ]
)
PRONOUNS = frozenset({"he", "she", "they", "i", "we", "it"})
_QUOTE = re.compile(r"[\"“”]")
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|mine|myself|we|We|us|our|Our|ours|ourselves)\b")
_SPEECH_WORD = re.compile(
    r"\b(?:according to|(?:" + "|".join(sorted(SPEECH_LEMMAS, key=len, reverse=True)) + r")\w*|said|told|wrote)\b", re.I
)  # a sentence without one of these names no speaker (the parse is skipped)
LOOK_BACK = 1  # sentences before a quote that may introduce its speaker (further back is another paragraph's voice)


def needs_speaker(text: str) -> bool:
    """True when the text quotes someone or speaks in the first person."""
    return bool(_QUOTE.search(text) or _FIRST_PERSON.search(text))


@dataclass(frozen=True)
class SpeakerHit:
    name: str
    start: int  # offsets of the speaker phrase in the sentence
    end: int
    pronoun: bool


def _subject_phrase(tok) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]  # spaCy Token
    """The subject's words without trailing appositive clauses: 'Priya Nand' of 'Priya Nand, who runs a bakery'; the
    person it names, if any: 'Sam Kerr' of "Westline's operations director, Sam Kerr"; else the organisation it is."""
    sub = tok.doc[tok.left_edge.i : tok.right_edge.i + 1]
    people = [e for e in tok.doc.ents if e.label_ == "PERSON" and sub.start <= e.start and e.end <= sub.end]
    # The subject's own name first: 'Dana Pryce' of 'Dana Pryce, Harlow's chief executive' (a possessive in the
    # appositive may be tagged PERSON too); else the person its appositive names, the last one.
    person = next((e for e in people if e.start <= tok.i < e.end), people[-1] if people else None)
    if person is not None:
        return person.text, person.start_char, person.end_char
    # An organisation's whole name: 'The Office for Product Safety', not its head word 'Office' (trial 16 D7).
    org = next(
        (e for e in tok.doc.ents if e.label_ == "ORG" and e.start <= tok.i < e.end and sub.start <= e.start), None
    )
    if org is not None and org.end <= sub.end:
        return org.text, org.start_char, org.end_char
    left = tok.left_edge.i
    right = tok.i
    for child in tok.rights:
        if child.dep_ in ("compound", "flat", "appos") and child.i == right + 1:
            right = child.i
        else:
            break
    span = tok.doc[left : right + 1]
    return span.text, span.start_char, span.end_char


def speakers_in(text: str) -> list[SpeakerHit]:
    """Speakers the sentence itself names: subjects of speech verbs and objects of 'according to'."""
    from app.nlp import parse

    doc = parse(text)
    hits: list[SpeakerHit] = []
    quoted = _quoted(text)
    for tok in doc:
        if any(s <= tok.idx < e for s, e in quoted):
            continue  # a verb inside the quotation is the speaker's own words ('Nobody warned ...')
        if tok.lemma_.lower() in SPEECH_LEMMAS and tok.pos_ in ("VERB", "AUX"):
            for child in tok.children:
                if child.dep_ in ("nsubj", "nsubjpass") and child.dep_ != "nsubjpass":
                    name, s, e = _subject_phrase(child)
                    hits.append(SpeakerHit(name, s, e, child.lower_ in PRONOUNS))
        if tok.lower_ == "according" and tok.i + 2 < len(doc) and doc[tok.i + 1].lower_ == "to":
            obj = next((c for c in doc[tok.i + 1].children if c.dep_ == "pobj"), None)
            if obj is not None:
                name, s, e = _subject_phrase(obj)
                hits.append(SpeakerHit(name, s, e, obj.lower_ in PRONOUNS))
    return hits


def _quoted(text: str) -> list[tuple[int, int]]:
    """Spans inside quotation marks (straight quotes pair up in order; an unclosed one runs to the end)."""
    marks = [m.start() for m in _QUOTE.finditer(text)]
    spans = [(marks[k], marks[k + 1]) for k in range(0, len(marks) - 1, 2)]
    if len(marks) % 2:
        spans.append((marks[-1], len(text)))
    return spans


def speaker_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the speakers a sentence names (a quoted person is not a party to what the quote reports)."""
    return [(h.start, h.end) for h in speakers_in(text) if not h.pronoun]


def _full_name(name: str, known: Sequence[str]) -> str:
    """'Osei' -> 'Helen Osei' when the article named her in full before; titles and articles dropped."""
    name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
    last = name.split()[-1] if name.split() else name
    full = next((k for k in reversed(known) if k.split()[-1] == last and len(k) > len(name)), None)
    return full or name


def resolve_speakers(sentences: Sequence[str]) -> list[str | None]:
    """For each sentence of one article in order: who speaks in it ('' when it neither quotes nor says 'I'/'we'), the
    speaker's name, or None when it quotes someone the text does not name."""
    from app.nlp import entities_many

    out: list[str | None] = []
    known: list[str] = []  # people named so far, for pronouns and surnames
    last_speaker: str | None = None  # speaker of the previous sentence, if it had one
    ents = entities_many(list(sentences))  # one batched NER pass; the parser only runs where someone may speak
    for i, s in enumerate(sentences):
        people = [e.text for e in ents[i] if e.label == "PERSON"]
        hits = speakers_in(s) if needs_speaker(s) or _SPEECH_WORD.search(s) else []
        named = next((h for h in hits if not h.pronoun), None)
        speaker: str | None = None
        if named is not None:
            speaker = _full_name(named.name, known + people)
        elif hits and (known or people):  # '..., she said': the last person named before
            speaker = (known + people)[-1]
        if speaker is None and needs_speaker(s) and i > 0:
            if last_speaker:
                speaker = last_speaker  # the quotation runs on
            elif LOOK_BACK and (before := [e.text for e in ents[i - 1] if e.label == "PERSON"]):
                speaker = before[-1]
        known += people
        last_speaker = speaker if needs_speaker(s) or hits else None
        out.append(speaker if (needs_speaker(s) or hits) else "")
    return out


def named_in(text: str) -> str | None:
    """The speaker a self-contained statement names (LLM points: no neighbours to look at)."""
    hit = next((h for h in speakers_in(text) if not h.pronoun), None)
    return hit.name if hit else None
