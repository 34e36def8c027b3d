"""The engine registry: a name -> the module that builds it. A new engine is one module with `build` plus one line here.

Modules are imported only when their engine is asked for, so an unused engine's packages are never loaded.
`make_engine` never falls back to another engine: one that is asked for and cannot be built is an error.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

from app.answer.engine import Engine, EngineUnavailable


class EngineSpec(NamedTuple):
    module: str
    """Module with `build(settings, embeddings) -> Engine`."""
    title: str
    """Name shown in the web app's engine pickers."""


if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from app.settings import Settings

REGISTRY: dict[str, EngineSpec] = {
    "extractive": EngineSpec("app.answer.engines.extractive", "Extractive (offline)"),
    "openai": EngineSpec("app.answer.engines.openai", "OpenAI-compatible server"),
    "llamacpp": EngineSpec("app.answer.engines.llamacpp", "Local GGUF via llama.cpp"),
}
ENGINE_NAMES: tuple[str, ...] = tuple(REGISTRY)


def make_engine(name: str, settings: Settings, embeddings: Embeddings | None = None) -> Engine:
    """Build the named engine. Unknown or unconfigured engines raise EngineUnavailable; there is no silent fallback."""
    if name not in REGISTRY:
        raise EngineUnavailable(f"unknown backend {name!r}; choose one of: {', '.join(ENGINE_NAMES)}")
    module = importlib.import_module(REGISTRY[name].module)
    engine: Engine = module.build(settings, embeddings)
    return engine


def check_engine_name(name: str) -> str:
    """`name` if an engine is registered under it (a validator for request bodies and options)."""
    if name not in REGISTRY:
        raise ValueError(f"unknown backend {name!r}; choose one of: {', '.join(ENGINE_NAMES)}")
    return name


__all__ = ["ENGINE_NAMES", "REGISTRY", "Engine", "EngineSpec", "EngineUnavailable", "check_engine_name", "make_engine"]
