"""The grounded-answer chain, one code path for every backend: condense -> retrieve -> generate -> cite -> verify.

Generative backends run a LangChain LCEL chain (prompt | chat model | StrOutputParser) and stream its tokens; the
extractive engine streams its chosen sentences. Either text goes through the same `citations.verify`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from langchain_core.output_parsers import StrOutputParser

from app.citations import Verified, verify
from app.models import (
    ABSTAIN_PREFIX,
    CANNOT_ANSWER_MARKER,
    Answer,
    AnswerDelta,
    AnswerDone,
    ChatTurn,
    Citation,
    Passage,
    SearchFilters,
    Timings,
)
from app.prompts import condense_prompt, mask_instructions, pack_passages, qa_prompt
from app.settings import Settings

if TYPE_CHECKING:
    from app.backends import Backend
    from app.support import SupportChecker

log = logging.getLogger(__name__)

HISTORY_TURNS = 6  # turns of chat history shown to the condense prompt
_HISTORY_CHARS = 400


class Retriever(Protocol):
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]: ...


# ---- abstention --------------------------------------------------------------------------------

_AUX = frozenset("is are was were did does do has have had will would can could should must may might shall".split())  # fmt: skip  # noqa: SIM905
_BE = frozenset({"is", "are", "was", "were"})
_WH = re.compile(
    r"^(who|whom|whose|what|which|where|when|why|how(?: many| much| long| often| far| old| big)?)\s+(.+)$", re.I
)


def abstention(question: str) -> str:
    """'The indexed articles don't say who won the 2022 World Cup.' — an embedded question when that is safe."""
    q = re.sub(r"\s+", " ", question).strip().rstrip("?!. ")
    m = _WH.match(q)
    if m:
        wh, rest = m.group(1).lower(), m.group(2)
        first, _, tail = rest.partition(" ")
        later = {w.lower() for w in rest.split()[1:]}
        if first.lower() not in _AUX and not later & _AUX:
            return f"{ABSTAIN_PREFIX} {wh} {rest}."  # who won the 2022 World Cup
        if first.lower() in _BE and tail and not later & (_AUX - _BE):
            return f"{ABSTAIN_PREFIX} {wh} {tail} {first.lower()}."  # what the population of Kupiansk is
    return f"{ABSTAIN_PREFIX} enough to answer “{q}?”"


_REFUSALS = re.compile(
    r"\b(?:cannot|can ?not|can't|unable to) (?:answer|be answered|determine|find)|"
    r"\b(?:do|does|did) not (?:contain|mention|say|provide|include|specify)|\bdon't (?:contain|mention|say|know)\b|"
    r"\bno (?:information|mention|answer)\b|\bnot (?:mentioned|stated|specified|provided)\b|\bi do not know\b",
    re.I,
)
_MARKER_RE = re.compile(r"\bCANNOT[\s_\-]*ANSWER\b", re.I)
_CITATION = re.compile(r"\[\s*\d")


def _marker_probe(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper())


def is_cannot_answer(text: str) -> bool:
    """The model declined: CANNOT_ANSWER (or a close variant), or a short refusal without any citation."""
    t = text.strip().strip("*_`\"'“” ")
    if not t:
        return True
    if _marker_probe(t[: len(CANNOT_ANSWER_MARKER) + 4]).startswith(_marker_probe(CANNOT_ANSWER_MARKER)):
        return True
    if t.startswith(ABSTAIN_PREFIX):
        return True
    uncited = not _CITATION.search(t)
    return uncited and (bool(_MARKER_RE.search(t)) or (len(t) < 300 and bool(_REFUSALS.search(t))))


# ---- follow-up questions -----------------------------------------------------------------------

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
        if m.start() == 0 and m.group(0).split()[0].lower() in _WH_WORDS | _AUX:
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
    if m and not (m.start() == 0 and m.group(0).split()[0].lower() in _WH_WORDS | _AUX):
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

    # "and when?" -> the previous question asked with another question word
    prev_wh = _WH.match(prev.rstrip("?"))
    if bare.lower() in _WH_WORDS and prev_wh:
        return _question(bare.lower() + " " + prev_wh.group(2))
    # "what about Moscow?" / "and the EU?" -> the previous question about another entity
    if led and first not in _WH_WORDS | _AUX and len(bare.split()) <= 5:
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
    if _PERSON_PRONOUN.search(out) and (who := _person(history)):
        out = _PERSON_PRONOUN.sub(lambda m: f"{who}'s" if m.group(1).lower() == "his" else who, out, count=1)
    if _THING_PRONOUN.search(out) and (topic := _topic(prev)):
        out = _THING_PRONOUN.sub(lambda m: f"{topic}'s" if m.group(1).lower() == "its" else topic, out, count=1)
    if _GROUP_PRONOUN.search(out) and (group := _group(prev)):
        out = _GROUP_PRONOUN.sub(lambda m: f"{group}'s" if m.group(1).lower() == "their" else group, out, count=1)
    if out != bare:
        return _question(out)
    return _question(bare) if led else None


def _history_for_prompt(history: Sequence[ChatTurn]) -> list[ChatTurn]:
    turns = list(history)[-HISTORY_TURNS:]
    out = []
    for t in turns:
        text = re.sub(r"\s*\[\s*\d[^\]]*\]", "", t.content).strip()
        if len(text) > _HISTORY_CHARS:
            text = text[:_HISTORY_CHARS].rsplit(" ", 1)[0] + " …"
        out.append(ChatTurn(role=t.role, content=text))
    return out


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _TOKEN.findall(text) if len(w) > 3 and w.lower() not in _AUX | _WH_WORDS}


def _clean_rewrite(raw: str, question: str) -> str | None:
    """The first line of an LLM rewrite, if it reads as a rewrite of this question (not an answer or a ramble)."""
    line = next((ln.strip() for ln in raw.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:standalone question|rewritten question|question)\s*:\s*", "", line, flags=re.I).strip(" \"'“”*")
    if not line or len(line) > 3 * len(question) + 200 or _MARKER_RE.search(line):
        return None
    keep = _content_words(question)
    if keep and len(keep & _content_words(line)) < 0.5 * len(keep):
        return None
    return line


def condense(question: str, history: Sequence[ChatTurn], backend: Backend) -> str | None:
    """The follow-up as a standalone question (None without history or when it already stands alone)."""
    if not history or not _last_user_question(history):
        return None
    if backend.chat_model is not None:
        chain = condense_prompt(question, _history_for_prompt(history)) | backend.chat_model | StrOutputParser()
        rewritten = _clean_rewrite(chain.invoke({}), question)
        if rewritten:
            return rewritten
        log.info("LLM rewrite rejected; using the rule-based rewrite")
    return rewrite_followup(question, history)


# ---- the chain -------------------------------------------------------------------------------------


def _relevant(passages: Sequence[Passage], floor: float) -> bool:
    if not passages:
        return False
    dense = [p.dense_score for p in passages if p.dense_score is not None]
    return not dense or max(dense) >= floor  # lexical-only retrieval gives no dense evidence to judge by


def _exact_quotes(citations: list[Citation], originals: Sequence[Passage]) -> list[Citation]:
    """Quotes re-read from the unmasked passages, so each is an exact substring of its article."""
    by_chunk = {p.chunk_id: p for p in originals}
    out = []
    for c in citations:
        p = by_chunk.get(c.chunk_id)
        out.append(c if p is None else c.model_copy(update={"quote": p.text[c.start - p.start : c.end - p.start]}))
    return out


def _generate(question: str, passages: list[Passage], backend: Backend) -> Iterator[str]:
    if backend.chat_model is not None:
        chain = qa_prompt(question, passages) | backend.chat_model | StrOutputParser()
        yield from chain.stream({})
    elif backend.engine is not None:
        text = backend.engine.answer(question, passages)
        for m in re.finditer(r".+?\](?:\s+|$)|.+$", text):
            yield m.group(0)
    else:
        raise ValueError(f"backend {backend.name!r} has neither a chat model nor an extractive engine")


def stream_answer(
    question: str,
    history: Sequence[ChatTurn] = (),
    *,
    retriever: Retriever,
    backend: Backend,
    checker: SupportChecker,
    settings: Settings,
    k: int | None = None,
    filters: SearchFilters | None = None,
    strict: bool = False,
) -> Iterator[AnswerDelta | AnswerDone]:
    """Stream answer text as it is generated, then the verified Answer (the authoritative text) as AnswerDone."""
    t0 = time.perf_counter()
    timings = Timings()
    standalone = condense(question, history, backend)
    query = standalone or question
    t1 = time.perf_counter()
    timings.condense_ms = (t1 - t0) * 1000
    passages = retriever.search(query, k=k or settings.k, filters=filters)
    t2 = time.perf_counter()
    timings.retrieve_ms = (t2 - t1) * 1000

    def done(text: str, *, abstained: bool, verified: Verified | None = None) -> AnswerDone:
        timings.total_ms = (time.perf_counter() - t0) * 1000
        return AnswerDone(
            answer=Answer(
                question=question,
                standalone_question=standalone,
                answer=text,
                sentences=verified.sentences if verified else [],
                citations=verified.citations if verified else [],
                abstained=abstained,
                backend=backend.name,
                model=backend.model,
                timings=timings,
            )
        )

    if not _relevant(passages, settings.relevance_floor):
        log.info("abstained: nothing relevant retrieved", extra={"query": query})
        text = abstention(query)
        yield AnswerDelta(text=text)
        yield done(text, abstained=True)
        return

    shown = list(passages)
    if backend.generative:
        shown = pack_passages(passages, backend.context_tokens or settings.context_tokens, settings.tokenizer)
    # Sentences that address a model ("Ignore previous instructions ...") are neither shown nor accepted as evidence.
    guarded = [mask_instructions(p) for p in shown]

    # Stream, holding back output while it could still be the CANNOT_ANSWER marker (it is never shown).
    parts: list[str] = []
    streamed = False
    probe = _marker_probe(CANNOT_ANSWER_MARKER)
    for piece in _generate(query, guarded, backend):
        parts.append(piece)
        if streamed:
            yield AnswerDelta(text=piece)
            continue
        so_far = "".join(parts)
        head = _marker_probe(so_far)
        if not so_far.strip() or (probe.startswith(head) or head.startswith(probe)):
            continue
        streamed = True
        yield AnswerDelta(text=so_far)
    text = "".join(parts)
    t3 = time.perf_counter()
    timings.generate_ms = (t3 - t2) * 1000

    if is_cannot_answer(text):
        log.info("abstained: the backend found no answer in the passages", extra={"query": query})
        message = abstention(query)
        if not streamed:
            yield AnswerDelta(text=message)
        yield done(message, abstained=True)
        return
    if not streamed:
        yield AnswerDelta(text=text)

    verified = verify(_MARKER_RE.sub("", text).strip(), guarded, checker, strict=strict)
    verified.citations = _exact_quotes(verified.citations, shown)
    timings.verify_ms = (time.perf_counter() - t3) * 1000
    if not verified.sentences or not verified.answer.strip():
        # Strict mode dropped every sentence: what stands is that nothing verified answers the question.
        yield done(abstention(query), abstained=True)
        return
    yield done(verified.answer, abstained=False, verified=verified)


def answer_question(question: str, history: Sequence[ChatTurn] = (), **kwargs: object) -> Answer:
    """stream_answer() collected: the verified Answer."""
    final: Answer | None = None
    for event in stream_answer(question, history, **kwargs):  # type: ignore[arg-type]
        if isinstance(event, AnswerDone):
            final = event.answer
    if final is None:  # pragma: no cover - stream_answer always ends with AnswerDone
        raise RuntimeError("stream_answer ended without an answer")
    return final
