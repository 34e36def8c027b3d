"""The one interface every answer engine implements, and the chat-model engine shared by the LLM backends.

Callers hold an `Engine` and never ask which one: they call `draft` for answer text with [n] markers and `rewrite`
for a standalone follow-up. Engines that can write free text (LLM briefings, rewrites) expose a LangChain chat model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from app.errors import NewsdeskError
from app.models import ChatTurn, Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4  # parallel map calls of an LLM briefing against a server; servers queue what they cannot serve


class EngineUnavailable(NewsdeskError):
    """The requested engine cannot be built (unknown name, missing key/URL, model file or package)."""


@runtime_checkable
class Engine(Protocol):
    """An answer engine: drafts an answer from numbered passages; the verify stage checks every sentence of it."""

    name: str
    """Registry name (`extractive`, `openai`, `llamacpp`)."""
    model: str
    """The model behind it, as reported in answers and eval reports."""
    label: str
    """A human-readable description for the UI."""
    passage_budget: int | None
    """Tokens of passages the engine reads (packed with tiktoken); None: every retrieved passage, unpacked."""
    chat_model: BaseChatModel | None
    """A LangChain chat model for free-text tasks (LLM briefings, follow-up rewrites); None for engines that quote."""
    max_concurrency: int
    """How many calls may run at once (1 for an in-process model)."""
    max_tokens: int | None
    """The engine's completion cap, when it has one (briefing prompts size their output to it)."""
    shared_window: bool
    """Prompt and reply share one fixed context window (in-process model): a reply's limit cannot be raised."""

    def draft(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Answer text with [n] markers (n = 1-based position in `passages`), streamed; CANNOT_ANSWER or "" declines."""
        ...

    def rewrite(self, question: str, history: Sequence[ChatTurn]) -> str | None:
        """A standalone version of a follow-up question, or None to fall back to the rule-based rewrite."""
        ...


@dataclass
class ChatEngine:
    """An engine over any LangChain chat model (OpenAI-compatible server, in-process llama.cpp, a test fake)."""

    name: str
    model: str
    label: str
    chat_model: BaseChatModel
    passage_budget: int | None = None
    max_concurrency: int = DEFAULT_CONCURRENCY
    max_tokens: int | None = None
    shared_window: bool = False

    def draft(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        # Imported here: LangChain's runnables pull in langsmith (about 0.7 s), which a quoting engine never needs.
        from langchain_core.output_parsers import StrOutputParser

        from app.answer.prompts import qa_prompt

        chain = qa_prompt(question, list(passages)) | self.chat_model | StrOutputParser()
        yield from chain.stream({})

    def rewrite(self, question: str, history: Sequence[ChatTurn]) -> str | None:
        from langchain_core.output_parsers import StrOutputParser

        from app.answer.followup import clean_rewrite, history_for_prompt
        from app.answer.prompts import condense_prompt

        chain = condense_prompt(question, history_for_prompt(history)) | self.chat_model | StrOutputParser()
        rewritten = clean_rewrite(chain.invoke({}), question)
        if rewritten is None:
            log.info("LLM rewrite rejected; using the rule-based rewrite")
        return rewritten


def with_sampling(engine: Engine, *, temperature: float | None = None, max_tokens: int | None = None) -> Engine:
    """The engine with one request's temperature / reply cap; engines without a chat model (extractive) ignore both.

    An in-process model shares one window between prompt and reply, so its cap can be lowered, never raised.
    """
    if not isinstance(engine, ChatEngine) or (temperature is None and max_tokens is None):
        return engine
    if max_tokens is not None and engine.shared_window and engine.max_tokens is not None:
        max_tokens = min(max_tokens, engine.max_tokens)
    update: dict[str, object] = {}
    fields = type(engine.chat_model).model_fields
    if temperature is not None and "temperature" in fields:
        update["temperature"] = temperature
    if max_tokens is not None and "max_tokens" in fields:
        update["max_tokens"] = max_tokens
        extra_body = getattr(engine.chat_model, "extra_body", None)
        if isinstance(extra_body, dict) and "max_tokens" in extra_body:  # servers that only read max_tokens
            update["extra_body"] = {**extra_body, "max_tokens": max_tokens}
    chat_model = engine.chat_model.model_copy(update=update)
    return replace(
        engine, chat_model=chat_model, max_tokens=max_tokens if max_tokens is not None else engine.max_tokens
    )
