"""The grounded answer, one code path for every engine: standalone question -> retrieve -> draft -> cite -> verify.

The engine streams its draft (LLM tokens, or the extractive engine's chosen sentences); the draft is shown as it comes,
then every sentence is checked against the passages it cites and the verified Answer replaces it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from app.answer.abstention import MARKER_PATTERN, abstention, is_cannot_answer, marker_probe
from app.answer.followup import standalone_question
from app.answer.prompts import mask_instructions, pack_passages
from app.models import (
    CANNOT_ANSWER_MARKER,
    Answer,
    AnswerCheck,
    AnswerDelta,
    AnswerDone,
    AnswerEvent,
    AnswerSentence,
    AnswerSentenceVerified,
    ChatTurn,
    Citation,
    Passage,
    SearchFilters,
    Timings,
)
from app.retrieve.question import analyse
from app.settings import Settings
from app.verify.answer_check import Closest, check_answer
from app.verify.answer_gate import AnswerGate
from app.verify.citations import Verified, verify
from app.verify.sentence_stream import SentenceStream

if TYPE_CHECKING:
    from app.answer.engine import Engine
    from app.verify.support import SupportChecker

log = logging.getLogger(__name__)

_MARKER_PROBE = marker_probe(CANNOT_ANSWER_MARKER)


class Retriever(Protocol):
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]: ...


def _relevant(passages: Sequence[Passage], floor: float) -> bool:
    if not passages:
        return False
    dense = [p.dense_score for p in passages if p.dense_score is not None]
    return not dense or max(dense) >= floor  # lexical-only retrieval gives no dense evidence to judge by


def exact_quotes(citations: list[Citation], originals: Sequence[Passage]) -> list[Citation]:
    """Quotes re-read from the unmasked passages, so each is an exact substring of its article."""
    by_chunk = {p.chunk_id: p for p in originals}
    out = []
    for c in citations:
        p = by_chunk.get(c.chunk_id)
        out.append(c if p is None else c.model_copy(update={"quote": p.text[c.start - p.start : c.end - p.start]}))
    return out


def passages_for(engine: Engine, passages: Sequence[Passage], settings: Settings) -> list[Passage]:
    """What the engine reads: packed to its token budget, if it has one."""
    if engine.passage_budget is None:
        return list(passages)
    return pack_passages(list(passages), engine.passage_budget, settings.tokenizer)


@dataclass
class _Draft:
    """The engine's text as it streams; output is held back while it could still be the CANNOT_ANSWER marker."""

    parts: list[str] = field(default_factory=list)
    streamed: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def feed(self, piece: str) -> str | None:
        """The text to show now, if any."""
        self.parts.append(piece)
        if self.streamed:
            return piece
        so_far = self.text
        head = marker_probe(so_far)
        if not so_far.strip() or _MARKER_PROBE.startswith(head) or head.startswith(_MARKER_PROBE):
            return None
        self.streamed = True
        return so_far


@dataclass
class _Run:
    """One question's bookkeeping: timings and the Answer it ends with."""

    question: str
    standalone: str | None
    engine: Engine
    t0: float = field(default_factory=time.perf_counter)
    timings: Timings = field(default_factory=Timings)

    def lap(self, since: float) -> tuple[float, float]:
        now = time.perf_counter()
        return now, (now - since) * 1000

    def done(
        self, text: str, *, abstained: bool, verified: Verified | None = None, check: AnswerCheck | None = None
    ) -> AnswerDone:
        self.timings.total_ms = (time.perf_counter() - self.t0) * 1000
        return AnswerDone(
            answer=Answer(
                question=self.question,
                standalone_question=self.standalone,
                answer=text,
                sentences=verified.sentences if verified else [],
                citations=verified.citations if verified else [],
                abstained=abstained,
                check=check,
                backend=self.engine.name,
                model=self.engine.model,
                timings=self.timings,
            )
        )


def stream_answer(
    question: str,
    history: Sequence[ChatTurn] = (),
    *,
    retriever: Retriever,
    engine: Engine,
    checker: SupportChecker,
    settings: Settings,
    k: int | None = None,
    filters: SearchFilters | None = None,
    strict: bool = False,
    sentences: bool = False,
) -> Iterator[AnswerEvent]:
    """Stream answer text as it is generated, then the verified Answer (the authoritative text) as AnswerDone.

    With `sentences`, each draft sentence is also verified as soon as the next one begins and sent as an
    AnswerSentenceVerified with its final [n] (for clients that cannot replace streamed text, such as /v1 chat).
    """
    run = _Run(question, standalone_question(question, history, engine), engine)
    query = run.standalone or question
    t1, run.timings.condense_ms = run.lap(run.t0)
    passages = retriever.search(query, k=k or settings.k, filters=filters)
    t2, run.timings.retrieve_ms = run.lap(t1)

    if not _relevant(passages, settings.relevance_floor):
        log.info("abstained: nothing relevant retrieved", extra={"query": query})
        text = abstention(query)
        yield AnswerDelta(text=text)
        yield run.done(text, abstained=True)
        return

    shown = passages_for(engine, passages, settings)
    # Sentences that address a model ("Ignore previous instructions ...") are neither shown nor accepted as evidence.
    guarded = [mask_instructions(p) for p in shown]
    draft = _Draft()
    live = SentenceStream(guarded, checker, strict=strict) if sentences else None
    # A client reading settled sentences cannot unsend them: they wait until the answer answers the question.
    gate = AnswerGate(analyse(query), shown) if live is not None and settings.answer_check else None
    for piece in engine.draft(query, guarded):
        if (visible := draft.feed(piece)) is not None:
            yield AnswerDelta(text=visible)
            if live is not None:
                yield from _settled(live, draft.text, shown, gate=gate)
    t3, run.timings.generate_ms = run.lap(t2)

    if is_cannot_answer(draft.text):
        log.info("abstained: the engine found no answer in the passages", extra={"query": query})
        message = abstention(query)
        if not draft.streamed:
            yield AnswerDelta(text=message)
        yield run.done(message, abstained=True)
        return
    if not draft.streamed:
        yield AnswerDelta(text=draft.text)
    if live is not None:
        yield from _settled(live, draft.text, shown, final=True, gate=gate)

    verified = verify(MARKER_PATTERN.sub("", draft.text).strip(), guarded, checker, strict=strict)
    verified.citations = exact_quotes(verified.citations, shown)
    _, run.timings.verify_ms = run.lap(t3)
    if not verified.sentences or not verified.answer.strip():
        # Strict mode dropped every sentence: what stands is that nothing verified answers the question.
        yield run.done(abstention(query), abstained=True)
        return
    if not settings.answer_check:
        yield run.done(verified.answer, abstained=False, verified=verified)
        return
    check, closest = check_answer(
        gate.analysis if gate else analyse(query), verified.sentences, verified.citations, shown
    )
    if not check.answers_question:
        log.info("declined: the answer does not answer the question", extra={"query": query, "reason": check.reason})
        declined = decline(query, check, closest, verified)
        yield run.done(declined.answer, abstained=True, verified=declined, check=check)
        return
    if gate is not None:
        yield from gate.release()  # held sentences of an answer the whole-answer verdict accepts
    yield run.done(verified.answer, abstained=False, verified=verified, check=check)


def _settled(
    live: SentenceStream, draft: str, shown: Sequence[Passage], *, final: bool = False, gate: AnswerGate | None = None
) -> Iterator[AnswerSentenceVerified]:
    events = [
        event.model_copy(update={"citations": exact_quotes(event.citations, shown)})
        for event in live.feed(MARKER_PATTERN.sub("", draft).strip(), final=final)
    ]
    yield from (events if gate is None else gate.offer(events))


def decline(query: str, check: AnswerCheck, closest: Closest | None, verified: Verified) -> Verified:
    """'The indexed articles don't say who won in 2021. The closest passage is about 2019, not 2021: “…” [1].' With no
    supported sentence at all, the draft's sentences stay listed with their verdicts (all unsupported) for inspection."""
    text = abstention(query)
    if closest is None:
        return Verified(answer=text, sentences=verified.sentences, citations=verified.citations)
    citation = closest.citation.model_copy(update={"n": 1})
    quote = " ".join(citation.quote.split())
    because = f" is about {check.reason.removeprefix('it is about ')}" if check.reason.startswith("it is about") else ""
    because = because or (f" {check.reason.removeprefix('it ')}" if check.reason.startswith("it ") else "")
    note = f"The closest passage{because}: “{quote}” [1]"
    sentence = AnswerSentence(text=quote, citations=[1], supported=True, score=closest.sentence.score,
                              reason=closest.sentence.reason)  # fmt: skip
    return Verified(answer=f"{text} {note}", sentences=[sentence], citations=[citation])


def final_answer(events: Iterator[AnswerEvent]) -> Answer:
    """The Answer a stream of answer events ends with (`final_answer(stream_answer(...))` collects one answer)."""
    final = [e.answer for e in events if isinstance(e, AnswerDone)]
    if not final:
        raise RuntimeError("an answer stream ended without an answer")
    return final[-1]
