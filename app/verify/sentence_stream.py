"""Verify a streaming draft one sentence at a time, numbering citations exactly as `verify` does over the whole."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.models import AnswerSentenceVerified, Citation, Passage
from app.verify.citations import cited_sentences, verify
from app.verify.support import SupportChecker

_LOCAL_MARKER = re.compile(r"\[(\d{1,3})\]")
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass
class SentenceStream:
    """Feed it the draft so far; it returns each sentence once a later one has begun (or the draft ended), verified.

    A sentence is settled when the next one starts: its [n] markers come right after it. Citation numbers follow first
    use across the answer, so the [n] of a streamed sentence is final.
    """

    passages: Sequence[Passage]
    checker: SupportChecker
    strict: bool = False
    emitted: list[AnswerSentenceVerified] = field(default_factory=list)
    _next: int = 0
    _citations: dict[tuple[str, int, int], Citation] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The answer streamed so far."""
        return "".join(e.text for e in self.emitted)

    @property
    def citations(self) -> list[Citation]:
        return list(self._citations.values())

    def feed(self, draft: str, *, final: bool = False) -> list[AnswerSentenceVerified]:
        stripped, spans = cited_sentences(draft)
        settled = len(spans) if final else len(spans) - 1
        out: list[AnswerSentenceVerified] = []
        for i in range(self._next, max(settled, self._next)):
            start, end, numbers = spans[i]
            gap = _BLANK_RUN.sub("\n\n", stripped[spans[i - 1][1] : start]) if self.emitted or out else ""
            event = self._verify(stripped[start:end] + "".join(f"[{n}]" for n in numbers), gap)
            if event is not None:
                out.append(event)
        self._next = max(settled, self._next)
        self.emitted += out
        return out

    def _verify(self, sentence: str, gap: str) -> AnswerSentenceVerified | None:
        checked = verify(sentence, list(self.passages), self.checker, strict=self.strict)
        if not checked.answer:
            return None  # filler, or dropped in strict mode
        renumber: dict[int, int] = {}
        first_used: list[Citation] = []
        for c in checked.citations:
            key = (c.chunk_id, c.start, c.end)
            if key not in self._citations:
                self._citations[key] = c.model_copy(update={"n": len(self._citations) + 1})
                first_used.append(self._citations[key])
            renumber[c.n] = self._citations[key].n
        text = _LOCAL_MARKER.sub(lambda m: f"[{renumber.get(int(m.group(1)), int(m.group(1)))}]", checked.answer)
        sentence_verdict = None
        if checked.sentences:
            s = checked.sentences[0]
            sentence_verdict = s.model_copy(update={"citations": [renumber.get(n, n) for n in s.citations]})
        return AnswerSentenceVerified(text=gap + text, sentence=sentence_verdict, citations=first_used)
