"""Streamed sentences held until the answer answers the question (issue 13, every door that cannot unsend text).

A client reading verified sentences as they settle (/v1 streaming, the CLI) cannot take text back. Each sentence is
verified as it settles, but the answer-level verdict (`answer_check.check_answer`: an item of the asked type meeting the
question's anchors, with a supported citation) can only pass once such a sentence has come. So settled sentences are
held until the answer so far passes it, then released with everything after; an answer that never passes is declined
without any of its sentences having been shown. The verdict passes as soon as one sentence fits, so once released,
nothing the final verdict decides takes a sentence back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.models import AnswerSentence, AnswerSentenceVerified, Citation, Passage
from app.retrieve.question import QuestionAnalysis
from app.verify.answer_check import check_answer


@dataclass
class AnswerGate:
    """Feed it each batch of settled sentences; it returns what may be shown now."""

    analysis: QuestionAnalysis
    passages: Sequence[Passage]
    answered: bool = False
    held: list[AnswerSentenceVerified] = field(default_factory=list)
    _sentences: list[AnswerSentence] = field(default_factory=list)
    _citations: list[Citation] = field(default_factory=list)

    def offer(self, events: Iterable[AnswerSentenceVerified]) -> list[AnswerSentenceVerified]:
        """Hold the newly settled sentences; all held ones once the answer so far answers the question."""
        added = False
        for event in events:
            self.held.append(event)
            self._citations += event.citations
            if event.sentence is not None:
                self._sentences.append(event.sentence)
                added = True
        if not self.answered and added:
            check, _ = check_answer(self.analysis, self._sentences, self._citations, self.passages)
            self.answered = check.answers_question
        return self.release() if self.answered else []

    def release(self) -> list[AnswerSentenceVerified]:
        """What is held, now to be shown (the final verdict passed)."""
        out, self.held = self.held, []
        return out
