"""An in-process llama.cpp model (llama-cpp-python) as a LangChain chat model.

langchain-community has a ChatLlamaCpp, but pulling that package in for one adapter is not worth it: this class
implements `_generate` and `_stream` over `Llama.create_chat_completion`, which applies the GGUF's own chat template.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def to_llama_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages -> the OpenAI-style dicts llama-cpp-python expects (text content only)."""
    out: list[dict[str, str]] = []
    for m in messages:
        role = _ROLES.get(m.type)
        if role is None:
            raise ValueError(f"llama.cpp chat: unsupported message type {m.type!r}")
        out.append({"role": role, "content": m.text})
    return out


class LlamaCppChat(BaseChatModel):
    """Chat over a loaded `llama_cpp.Llama`. One generation at a time: a Llama context is not thread-safe."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llama: Any
    model_name: str = "gguf"
    max_tokens: int = 300
    temperature: float = 0.0
    repeat_penalty: float = 1.1  # the tiny default model loops without it
    seed: int = 0
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _params(self, stop: list[str] | None) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "repeat_penalty": self.repeat_penalty,
            "seed": self.seed,
            "stop": stop or [],
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            self.llama.reset()  # no KV-cache reuse: the same prompt gives the same text, streamed or not
            out = self.llama.create_chat_completion(messages=to_llama_messages(messages), **self._params(stop))
        choice = out["choices"][0]
        text = choice["message"].get("content") or ""
        info = {"finish_reason": choice.get("finish_reason"), "model_name": self.model_name}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text), generation_info=info)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            self.llama.reset()  # as in _generate
            stream = self.llama.create_chat_completion(
                messages=to_llama_messages(messages), stream=True, **self._params(stop)
            )
            for part in stream:
                delta = part["choices"][0].get("delta", {}).get("content")
                if not delta:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager is not None:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
