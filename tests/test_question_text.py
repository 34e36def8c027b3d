"""A question's invisible and full-width characters do not change its answer (trial 16 D9), through the real service
that every door calls (embedded Chroma, MiniLM, the sample article)."""

from __future__ import annotations

from typing import Any

PLAIN = "How large may the Ukrainian army be?"
TYPED = "Ｈow large may the\u200b Ukrainian army be？\u2060"  # full-width H and ?, zero-width space, word joiner


def test_an_obfuscated_question_gets_the_plain_questions_answer(sample_desk: Any) -> None:
    plain, typed = sample_desk.ask(PLAIN), sample_desk.ask(TYPED)
    assert not plain.abstained and "600,000" in plain.answer  # the fact the sample article states
    assert typed.abstained is False and typed.answer == plain.answer
    assert typed.question == PLAIN  # what was answered is the question as read
    assert [p.chunk_id for p in sample_desk.search(TYPED)] == [p.chunk_id for p in sample_desk.search(PLAIN)]
