"""The `openai` engine: OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) via langchain-openai."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from app.answer.engine import ChatEngine, EngineUnavailable
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

# Local OpenAI-compatible servers ignore the key, but the SDK requires one.
PLACEHOLDER_KEY = "not-needed"


def build(settings: Settings, embeddings: Embeddings | None = None) -> ChatEngine:
    from langchain_openai import ChatOpenAI

    base_url = settings.openai_base_url
    if settings.openai_api_key is None and not base_url:
        raise EngineUnavailable(
            "backend 'openai' is not configured: set NEWSDESK_OPENAI_API_KEY (OpenAI) or NEWSDESK_OPENAI_BASE_URL "
            "(an OpenAI-compatible server such as vLLM, Ollama or llama.cpp's server)"
        )
    api_key = settings.openai_api_key or SecretStr(PLACEHOLDER_KEY)
    # langchain-openai sends `max_completion_tokens`; several compatible servers (llama.cpp's Python server, older
    # Ollama) only read `max_tokens` and would otherwise generate to the end of their window.
    extra_body = {"max_tokens": settings.max_answer_tokens} if base_url else None
    chat = ChatOpenAI(
        model=settings.openai_model,
        base_url=base_url,
        api_key=api_key,
        temperature=settings.temperature,
        max_completion_tokens=settings.max_answer_tokens,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
        streaming=True,
        extra_body=extra_body,
    )
    where = f"OpenAI-compatible server at {base_url}" if base_url else "the OpenAI API"
    return ChatEngine(
        name="openai",
        model=settings.openai_model,
        label=f"{settings.openai_model} via {where}",
        chat_model=chat,
        passage_budget=settings.context_tokens,
        max_tokens=settings.max_answer_tokens,
    )
