"""Abstention: the one phrase a declined answer starts with, and recognising an engine's own refusal."""

from __future__ import annotations

import re

from app.models import ABSTAIN_PREFIX, CANNOT_ANSWER_MARKER

# Short uncited replies are read as refusals; longer ones are answers that merely mention missing details.
REFUSAL_MAX_CHARS = 300

AUXILIARIES = frozenset("is are was were did does do has have had will would can could should must may might shall".split())  # fmt: skip  # noqa: SIM905
_BE = frozenset({"is", "are", "was", "were"})
WH_QUESTION = re.compile(
    r"^(who|whom|whose|what|which|where|when|why|how(?: many| much| long| often| far| old| big)?)\s+(.+)$", re.I
)


ECHO_MAX_CHARS = 200  # a decline repeats the question; past this a pasted page would bury the message itself


def abstention(question: str) -> str:
    """'The indexed articles don't say who won the 2022 World Cup.' — an embedded question when that is safe."""
    q = re.sub(r"\s+", " ", question).strip().rstrip("?!. ")
    if len(q) > ECHO_MAX_CHARS:
        return f"{ABSTAIN_PREFIX} enough to answer “{q[:ECHO_MAX_CHARS].rsplit(' ', 1)[0]} …?”"
    m = WH_QUESTION.match(q)
    if m:
        wh, rest = m.group(1).lower(), m.group(2)
        first, _, tail = rest.partition(" ")
        later = {w.lower() for w in rest.split()[1:]}
        if first.lower() not in AUXILIARIES and not later & AUXILIARIES:
            return f"{ABSTAIN_PREFIX} {wh} {rest}."  # who won the 2022 World Cup
        if first.lower() in _BE and tail and not later & (AUXILIARIES - _BE):
            return f"{ABSTAIN_PREFIX} {wh} {tail} {first.lower()}."  # what the population of Kupiansk is
    return f"{ABSTAIN_PREFIX} enough to answer “{q}?”"


_REFUSALS = re.compile(
    r"\b(?:cannot|can ?not|can't|unable to) (?:answer|be answered|determine|find)|"
    r"\b(?:do|does|did) not (?:contain|mention|say|provide|include|specify)|\bdon't (?:contain|mention|say|know)\b|"
    r"\bno (?:information|mention|answer)\b|\bnot (?:mentioned|stated|specified|provided)\b|\bi do not know\b",
    re.I,
)
MARKER_PATTERN = re.compile(r"\bCANNOT[\s_\-]*ANSWER\b", re.I)
_CITATION = re.compile(r"\[\s*\d")


def marker_probe(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper())


def is_cannot_answer(text: str) -> bool:
    """The model declined: CANNOT_ANSWER (or a close variant), or a short refusal without any citation."""
    t = text.strip().strip("*_`\"'“” ")
    if not t:
        return True
    if marker_probe(t[: len(CANNOT_ANSWER_MARKER) + 4]).startswith(marker_probe(CANNOT_ANSWER_MARKER)):
        return True
    if t.startswith(ABSTAIN_PREFIX):
        return True
    uncited = not _CITATION.search(t)
    return uncited and (bool(MARKER_PATTERN.search(t)) or (len(t) < REFUSAL_MAX_CHARS and bool(_REFUSALS.search(t))))
