"""The `extractive` engine: no LLM; quotes the passage sentences that best answer the question (offline default)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.answer.engine import DEFAULT_CONCURRENCY
from app.answer.extractive import ExtractiveEngine
from app.models import ChatTurn, Passage
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

_SENTENCE_WITH_MARKER = re.compile(r".+?\](?:\s+|$)|.+$")


@dataclass
class ExtractiveAnswers:
    """Engine adapter over ExtractiveEngine: its picked sentences, one [n]-marked sentence per streamed piece."""

    selector: ExtractiveEngine
    name: str = "extractive"
    model: str = "extractive"
    label: str = "extractive (offline)"
    passage_budget: int | None = None
    chat_model: BaseChatModel | None = None
    max_concurrency: int = DEFAULT_CONCURRENCY
    max_tokens: int | None = None
    shared_window: bool = False

    def draft(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        text = self.selector.answer(question, passages)
        for m in _SENTENCE_WITH_MARKER.finditer(text):
            yield m.group(0)

    def rewrite(self, question: str, history: Sequence[ChatTurn]) -> str | None:
        return None  # the rule-based rewrite is the extractive engine's only one


def build(settings: Settings, embeddings: Embeddings | None = None) -> ExtractiveAnswers:
    if embeddings is None:
        from app.store.embeddings import make_embeddings

        embeddings = make_embeddings(settings)
    return ExtractiveAnswers(ExtractiveEngine(embeddings, settings), model=f"extractive/{settings.embedding_model}")
