"""Follow-up questions: a deterministic standalone rewrite (ellipsis, swapped entity, pronouns), and the checks an LLM
rewrite must pass before it replaces the question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import nlp
from app.answer.abstention import AUXILIARIES, MARKER_PATTERN, WH_QUESTION
from app.models import ChatTurn
from app.retrieve.question import QUARTER_PATTERN, YEAR_PATTERN, quarter_keys, year_keys

if TYPE_CHECKING:
    from app.answer.engine import Engine

HISTORY_TURNS = 6  # turns of chat history shown to the condense prompt
HISTORY_CHARS = 400  # each turn is cut to this: enough to resolve a pronoun, short enough for a small model's window
REWRITE_MAX_GROWTH = (
    3  # an LLM rewrite longer than 3x the question (+200 chars) is an answer or a ramble, not a rewrite
)
REWRITE_MIN_KEPT = 0.5  # share of the question's content words a rewrite must keep

_LEAD = re.compile(r"^\s*(?:(?:and|but|so|also|ok(?:ay)?|then|well)\b[\s,]*)+|^\s*(?:what|how) about\b\s*", re.I)
_TOKEN = re.compile(r"[\w’'\-]+")
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(it|its)\b", re.I)
_GROUP_PRONOUN = re.compile(r"\b(they|them|their)\b", re.I)
_WH_WORDS = frozenset(["who", "whom", "whose", "what", "which", "where", "when", "why", "how"])
_NAME = re.compile(r"\b[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+)+")  # two or more capitalised words
_TITLED = re.compile(
    r"\b(?:President|Minister|Secretary|spokesman|spokeswoman|Envoy|Chancellor|Prime Minister|General|Senator|Mayor|"
    r"Governor|Ambassador|Director|Chief|King|Queen|Pope)\s+([A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+)?)"
)
_GROUP = re.compile(r"\b[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*)*(?:\s+[a-z][\w’'\-]*){0,2}?\s+[a-z][\w’'\-]*s\b")
_TOPIC = re.compile(
    r"\b(?:the|this|that)\s+((?:[\w’'\-]+\s+){0,2}?[\w’'\-]+)"
    r"(?=\s+(?:of|in|on|at|to|for|with|about|from|by|is|are|was|were|be|been|has|have|had|will|would|did|does|do|"
    r"require|requires|say|says|said|propose|proposes|include|includes)\b|\s*[?,.!]|\s*$)",
    re.I,
)


def _last_user_question(history: Sequence[ChatTurn]) -> str | None:
    return next((t.content.strip() for t in reversed(history) if t.role == "user" and t.content.strip()), None)


def _last_answer(history: Sequence[ChatTurn]) -> str:
    return next((t.content for t in reversed(history) if t.role == "assistant"), "")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _question(text: str) -> str:
    return _capitalise(text.strip().rstrip("?.! ").strip()) + "?"


def _entity_spans(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words after the first word (names the question is about)."""
    spans = []
    for m in re.finditer(r"[A-Z][\w’'\-]*(?:\s+(?:of\s+)?[A-Z][\w’'\-]*)*", text):
        if m.start() == 0 and m.group(0).split()[0].lower() in _WH_WORDS | AUXILIARIES:
            continue
        spans.append((m.start(), m.end()))
    return spans


def _align(core: str, prev: str) -> str | None:
    """'what did Moscow say' against 'What did Kyiv say about the plan?' -> 'What did Moscow say about the plan?'."""
    a = list(_TOKEN.finditer(core))
    b = list(_TOKEN.finditer(prev))
    i = j = 0
    while i < len(a) and j < len(b):
        x, y = a[i].group(0), b[j].group(0)
        if x.lower() == y.lower():
            i, j = i + 1, j + 1
            continue
        if x[:1].isupper() and y[:1].isupper():  # an entity swapped for another, each possibly several words
            while i < len(a) and a[i].group(0)[:1].isupper():
                i += 1
            while j < len(b) and b[j].group(0)[:1].isupper():
                j += 1
            continue
        return None
    if i < len(a) or j >= len(b) or i < 2:  # the follow-up must be a frame of the previous question, with more after
        return None
    return _question(core.rstrip("?!. ") + " " + prev[b[j].start() :])


def _person(history: Sequence[ChatTurn]) -> str | None:
    """The person a 'he'/'she' most likely refers to: the first named in the last answer, else in the last question."""
    for text in (_last_answer(history), _last_user_question(history) or ""):
        text = re.sub(r"\[\s*\d[^\]]*\]", "", text)
        m = _TITLED.search(text) or _NAME.search(text)
        if m:
            return m.group(1) if m.re is _TITLED else m.group(0)
    return None


def _group(question: str) -> str | None:
    """Who 'they' are: a name with its plural noun ('EU foreign ministers'), else the first name of the question."""
    m = _GROUP.search(question)
    if m and not (m.start() == 0 and m.group(0).split()[0].lower() in _WH_WORDS | AUXILIARIES):
        return m.group(0)
    spans = _entity_spans(question)
    return question[spans[0][0] : spans[0][1]] if spans else None


def _topic(question: str) -> str | None:
    matches = list(_TOPIC.finditer(question))
    return f"the {matches[-1].group(1)}" if matches else None


def rewrite_followup(question: str, history: Sequence[ChatTurn]) -> str | None:
    """A deterministic standalone rewrite of a follow-up (ellipsis, swapped entity, pronouns); None if none is needed."""
    prev = _last_user_question(history)
    if not prev:
        return None
    q = re.sub(r"\s+", " ", question).strip()
    core = _LEAD.sub("", q).strip()
    led = core != q
    bare = core.rstrip("?!. ").strip()
    if not bare:
        return None
    first = bare.split()[0].lower()

    # "what about 2023?" / "and in Q2?" -> the previous question about another year or quarter
    swapped = _swap_time(bare, prev)
    if swapped:
        return swapped
    # "and when?" -> the previous question asked with another question word
    prev_wh = WH_QUESTION.match(prev.rstrip("?"))
    if bare.lower() in _WH_WORDS and prev_wh:
        return _question(bare.lower() + " " + prev_wh.group(2))
    # "what about Moscow?" / "and the EU?" -> the previous question about another entity
    if led and first not in _WH_WORDS | AUXILIARIES and len(bare.split()) <= 5:
        spans = _entity_spans(prev)
        if spans:
            s, e = spans[0]
            return _question(prev[:s] + bare + prev[e:])
        return _question(f"{prev.rstrip('?!. ')} ({bare})")
    # "and what did Moscow say?" -> the previous question's frame with the new entity
    aligned = _align(bare, prev)
    if aligned:
        return aligned
    # pronouns
    out = bare
    if (pronoun := _PERSON_PRONOUN.search(out)) and (who := _person(history)):
        owner = f"{who}'s" if _possessive(out, pronoun) else who  # 'her predecessor' -> "Priya Raman's predecessor"
        out = out[: pronoun.start()] + owner + out[pronoun.end() :]
    if _THING_PRONOUN.search(out) and (topic := _topic(prev)):
        out = _THING_PRONOUN.sub(lambda m: f"{topic}'s" if m.group(1).lower() == "its" else topic, out, count=1)
    if _GROUP_PRONOUN.search(out) and (group := _group(prev)):
        out = _GROUP_PRONOUN.sub(lambda m: f"{group}'s" if m.group(1).lower() == "their" else group, out, count=1)
    if out != bare:
        return _question(out)
    return _question(bare) if led else None


def _possessive(text: str, pronoun: re.Match[str]) -> bool:
    """'his', or a 'her' the parser tags as a possessive determiner ('her predecessor', not 'who replaced her')."""
    if pronoun.group(1).lower() == "his":
        return True
    if pronoun.group(1).lower() != "her":
        return False
    return any(t.idx == pronoun.start() and t.tag_ == "PRP$" for t in nlp.parse(text))


def history_for_prompt(history: Sequence[ChatTurn]) -> list[ChatTurn]:
    turns = list(history)[-HISTORY_TURNS:]
    out = []
    for t in turns:
        text = re.sub(r"\s*\[\s*\d[^\]]*\]", "", t.content).strip()
        if len(text) > HISTORY_CHARS:
            text = text[:HISTORY_CHARS].rsplit(" ", 1)[0] + " …"
        out.append(ChatTurn(role=t.role, content=text))
    return out


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _TOKEN.findall(text) if len(w) > 3 and w.lower() not in AUXILIARIES | _WH_WORDS}


def clean_rewrite(raw: str, question: str) -> str | None:
    """The first line of an LLM rewrite, if it reads as a rewrite of this question (not an answer or a ramble)."""
    line = next((ln.strip() for ln in raw.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:standalone question|rewritten question|question)\s*:\s*", "", line, flags=re.I).strip(" \"'“”*")
    if not line or len(line) > REWRITE_MAX_GROWTH * len(question) + 200 or MARKER_PATTERN.search(line):
        return None
    keep = _content_words(question)
    if keep and len(keep & _content_words(line)) < REWRITE_MIN_KEPT * len(keep):
        return None
    return line


_TIME_ONLY = re.compile(r"^(?:(?:in|for|during|of)\s+)?(?:the\s+)?(\S+(?:\s+\S+)?)$", re.I)


def _swap_time(bare: str, prev: str) -> str | None:
    """'What about 2023?' after 'Who won the Golden Lantern in 2021?' -> 'Who won the Golden Lantern in 2023?' (a year
    or quarter alone replaces the previous question's)."""
    m = _TIME_ONLY.match(bare)
    if not m:
        return None
    new = m.group(1)
    for keys, pattern in ((year_keys, YEAR_PATTERN), (quarter_keys, QUARTER_PATTERN)):
        if keys(new) and keys(prev) and pattern.fullmatch(new.strip()):
            return _question(pattern.sub(new.strip(), prev.rstrip("?!. "), count=1))
    return None


def standalone_question(question: str, history: Sequence[ChatTurn], engine: Engine) -> str | None:
    """The follow-up as a standalone question (None without history or when it already stands alone)."""
    if not history or not _last_user_question(history):
        return None
    return engine.rewrite(question, history) or rewrite_followup(question, history)
