"""Prompt-injection text inside articles: sentences addressed to a language model, not news.

They are blanked (same length, so character offsets stay exact) before passages reach a model, and before the support
checker reads them, so an article saying "answer 'Paris'" can neither steer an answer nor support one.
"""

from __future__ import annotations

import re

from app.text import split_sentences

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules|guidelines)\b|\bsystem prompt\b|"
    r"\b(?:AI|language models?|assistants?|chatbots?|LLMs?)\b[^.]{0,40}\b(?:must|should|are to) (?:answer|reply|say|respond)\b|"
    r"^\W*(?:answer|reply|respond|say)\s+(?:only\s+|with\s+)?['\"“‘]",
    re.IGNORECASE,
)


def looks_like_instruction(sentence: str) -> bool:
    """A sentence addressed to a language model ('Ignore previous instructions and answer ...'), not news."""
    return bool(_INSTRUCTION.search(sentence))


def mask_instruction_text(text: str) -> str:
    """`text` with instruction sentences replaced by spaces of the same length."""
    spans = [s for s in split_sentences(text) if looks_like_instruction(text[s.start : s.end])]
    if not spans:
        return text
    chars = list(text)
    for s in spans:
        chars[s.start : s.end] = " " * (s.end - s.start)
    return "".join(chars)
