"""The answer-level verdict, for every engine: does the answer hold an item of the asked type that meets the question's
anchors, in a sentence whose citation is supported? Per-sentence support says "quoted correctly"; this says "answers
what was asked". An answer that fails it is declined, with the closest passage shown for what it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app import nlp
from app.chunks import entities
from app.models import AnswerCheck, AnswerSentence, Citation, Passage, reason_words
from app.retrieve.constraints import Fit, Scope, TermRule, fit, passage_scope, same_article
from app.retrieve.question import QuestionAnalysis

VERDICT_TERMS: TermRule = "nouns"  # the asked thing must be named; its verb may be paraphrased


@dataclass(frozen=True)
class Closest:
    """The best supported sentence of a declined answer, and why it does not answer."""

    sentence: AnswerSentence
    citation: Citation
    fit: Fit


def scope_of(citation: Citation, passage: Passage | None, passages: Sequence[Passage] = ()) -> Scope:
    """What surrounds a quote in its passage, the other retrieved passages of its article, its title and year."""
    if passage is None:
        year = str(citation.published.year) if citation.published else None
        return Scope(title=citation.title, published_year=year)
    local = max(0, citation.start - passage.start)
    title = passage.title or citation.title
    article = same_article(passage, passages)
    return passage_scope(
        passage.text, local, local + len(citation.quote), title=title, published=citation.published, article=article
    )


def quote_entities(citation: Citation, passage: Passage | None) -> tuple[nlp.Entity, ...]:
    """The quote's entities: stored with its chunk at ingest, else found now (an index from before they were stored)."""
    stored = entities.decode(passage.entities, passage.text) if passage is not None else None
    if stored is None or passage is None:
        return nlp.entities(citation.quote)
    local = citation.start - passage.start
    return entities.within(stored, local, local + len(citation.quote))


def check_answer(
    analysis: QuestionAnalysis,
    sentences: Sequence[AnswerSentence],
    citations: Sequence[Citation],
    passages: Sequence[Passage],
) -> tuple[AnswerCheck, Closest | None]:
    """The verdict, and (when it fails) the closest supported sentence to show instead."""
    by_n = {c.n: c for c in citations}
    anchors = list(dict.fromkeys(a.text for a in analysis.anchors))  # a polar predicate may also be a term
    closest: Closest | None = None
    for sentence in sentences:
        if not sentence.supported:
            continue
        for n in sentence.citations:
            citation = by_n.get(n)
            if citation is None:
                continue
            passage = next((p for p in passages if p.chunk_id == citation.chunk_id), None)
            verdict = fit(
                analysis,
                citation.quote,
                scope_of(citation, passage, passages),
                entities=quote_entities(citation, passage),
                terms=VERDICT_TERMS,
            )
            if verdict.ok:
                check = AnswerCheck(answers_question=True, answer_type=analysis.answer_type, anchors=anchors,
                                    found=verdict.found)  # fmt: skip
                return check, None
            if closest is None:
                closest = Closest(sentence, citation, verdict)
    if closest is None:
        reason = "no sentence of the answer is supported by its citation"
        why = next((reason_words(s.reason) for s in sentences if s.citations and s.reason), "")
        reason += f" ({why})" if why else ""  # what the checker found: "contrary verb: 'kept' vs 'relinquished'"
    else:
        reason = closest.fit.reason(analysis.answer_type)
    return AnswerCheck(
        answers_question=False, answer_type=analysis.answer_type, anchors=anchors, reason=reason
    ), closest
