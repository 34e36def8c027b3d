"""The answer-level verdict, for every engine: does the answer hold an item of the asked type that meets the question's
anchors, in a sentence whose citation is supported? Per-sentence support says "quoted correctly"; this says "answers
what was asked". An answer that fails it is declined, with the closest passage shown for what it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.models import AnswerCheck, AnswerSentence, Citation, Passage
from app.retrieve.constraints import Fit, Scope, fit
from app.retrieve.question import QuestionAnalysis
from app.text import split_sentences

CONTEXT_SENTENCES = 3  # sentences before a quote (same paragraph) that can carry its year or subject ('he said')


@dataclass(frozen=True)
class Closest:
    """The best supported sentence of a declined answer, and why it does not answer."""

    sentence: AnswerSentence
    citation: Citation
    fit: Fit


def scope_of(citation: Citation, passages: Sequence[Passage]) -> Scope:
    """What precedes a quote in its passage (same paragraph), and its article's title and year."""
    passage = next((p for p in passages if p.chunk_id == citation.chunk_id), None)
    year = str(citation.published.year) if citation.published else None
    if passage is None:
        return Scope(title=citation.title, published_year=year)
    local = max(0, citation.start - passage.start)
    head = passage.text[:local]
    paragraph = head[head.rfind("\n") + 1 :]
    before = tuple(paragraph[s.start : s.end] for s in split_sentences(paragraph))[-CONTEXT_SENTENCES:]
    return Scope(before=before, title=passage.title or citation.title, published_year=year)


def check_answer(
    analysis: QuestionAnalysis,
    sentences: Sequence[AnswerSentence],
    citations: Sequence[Citation],
    passages: Sequence[Passage],
) -> tuple[AnswerCheck, Closest | None]:
    """The verdict, and (when it fails) the closest supported sentence to show instead."""
    by_n = {c.n: c for c in citations}
    anchors = [a.text for a in analysis.anchors]
    closest: Closest | None = None
    for sentence in sentences:
        if not sentence.supported:
            continue
        for n in sentence.citations:
            citation = by_n.get(n)
            if citation is None:
                continue
            verdict = fit(analysis, citation.quote, scope_of(citation, passages))
            if verdict.ok:
                check = AnswerCheck(answers_question=True, answer_type=analysis.answer_type, anchors=anchors,
                                    found=verdict.found)  # fmt: skip
                return check, None
            if closest is None:
                closest = Closest(sentence, citation, verdict)
    if closest is None:
        reason = "no sentence of the answer is supported by its citation"
    else:
        reason = closest.fit.reason(analysis.answer_type)
    return AnswerCheck(answers_question=False, answer_type=analysis.answer_type, anchors=anchors, reason=reason), closest
