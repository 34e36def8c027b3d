"""Chroma clients and collection settings: embedded (PersistentClient on the index folder) or a `chroma run` server."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from app.process import deferred, modules_stood_in
from app.settings import Settings

OTLP_TRACE_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"
"""chromadb imports OpenTelemetry's gRPC span exporter at its top (0.08 s of a cold `ask`: grpc and protobuf) and
calls it only when a Chroma setting names a collector, which Newsdesk never sets: it is imported if ever called."""


def _overrides_marking_only() -> ModuleType:
    """The `overrides` package with its `override`/`overrides` decorators marking methods, as EnforceOverrides needs,
    without checking each method's signature against its base class's at class definition: a check for chromadb's
    own development that took 0.2 s of a cold `ask` over chromadb's 124 decorated methods. Nothing else changes: the
    real decorators wrap nothing unless asked to check at run time, which chromadb never asks."""
    import overrides as real

    module = ModuleType("overrides")
    module.__dict__.update(vars(real))

    def override(method: Any = None, **_: Any) -> Any:
        def mark(function: Any) -> Any:
            function.__override__ = True
            return function

        return mark if method is None else mark(method)

    module.override = module.overrides = override  # type: ignore[attr-defined]
    return module


# chromadb without what it loads at its top for other users (issue 18). Every module of app.store imports chromadb
# after this one, so this is where the process imports it.
with modules_stood_in(
    {
        OTLP_TRACE_EXPORTER: deferred(OTLP_TRACE_EXPORTER, "OTLPSpanExporter"),
        "overrides": _overrides_marking_only(),
    }
):
    import chromadb
    from chromadb.api import ClientAPI
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import ChromaError as ChromaError  # re-exported: app.store names chromadb's errors from here

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

CHROMA_SERVER_PORT = 8000  # `chroma run`'s default port, used when NEWSDESK_CHROMA_URL names none

CHUNKS_HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200}
"""Chroma's defaults (100/100) let a batch-built graph miss a top-2 neighbour among 1,400 clustered news chunks under
load (tests/test_retrieval.py, 200 distractors); twice the beam keeps exact top-k there. New collections only."""
ARTICLES_SYNC_THRESHOLD = 64
"""HNSW sync_threshold of the articles collection (Chroma's default: 1000). Every Chroma write re-reads the write-ahead
log since the collection's vector index was last persisted, so with the default each record upsert read all writes of
up to 1,000 articles (their chunks included) and slowed down as an ingest went on (docs/performance.md). The records'
vectors are a constant placeholder, so persisting that index is cheap."""
ARTICLES_HNSW = {"sync_threshold": ARTICLES_SYNC_THRESHOLD, "batch_size": ARTICLES_SYNC_THRESHOLD}


def make_client(settings: Settings) -> ClientAPI:
    """An HttpClient when settings.chroma_url is set, else a PersistentClient on settings.index_dir."""
    if settings.chroma_url:
        url = urlsplit(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        ssl = url.scheme == "https"
        port = url.port or (443 if ssl else CHROMA_SERVER_PORT)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=port, ssl=ssl, settings=_chroma_settings()
            )
        except ValueError as e:  # chromadb words a refused connection as a ValueError raised from httpx.ConnectError
            if isinstance(e.__context__, ConnectionError | httpx.TransportError):
                raise ConnectionError(str(e)) from e  # the store retries it, then reports the store unavailable
            raise
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return persistent_client(settings.index_dir)


def persistent_client(path: Path) -> ClientAPI:
    """An embedded Chroma client on an index folder (telemetry off)."""
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def _chroma_settings() -> ChromaSettings:
    """Every Chroma client Newsdesk makes: telemetry off (nothing leaves the machine)."""
    return ChromaSettings(anonymized_telemetry=False)


def is_http(client: Any) -> bool:
    """Whether an injected client talks to a server (so calls are retried across restarts)."""
    server = getattr(client, "_server", None)
    return type(server).__name__ in {"FastAPI", "AsyncFastAPI"} or "http" in type(server).__module__.lower()


def open_vectors(client: ClientAPI, name: str, embeddings: Embeddings, metadata: dict[str, Any]) -> Chroma:
    """langchain-chroma's vector store over a chunks collection, opened (or created) with Newsdesk's settings."""
    from langchain_chroma import Chroma  # imported when used: it loads LangChain's runnables and langsmith (issue 18)

    return Chroma(
        collection_name=name,
        embedding_function=embeddings,
        client=client,
        collection_metadata=metadata,
        collection_configuration={"hnsw": CHUNKS_HNSW},  # type: ignore[arg-type]  # a TypedDict in chromadb's stubs
    )


def open_chunks(client: ClientAPI, name: str, metadata: dict[str, Any]) -> Collection:
    """The collection `open_vectors` wraps, opened with the very call `Chroma(...)` makes, without importing LangChain:
    reads and writes use the collection itself (issue 18)."""
    return client.get_or_create_collection(
        name=name,
        embedding_function=None,
        metadata=metadata,
        configuration={"hnsw": CHUNKS_HNSW},  # type: ignore[arg-type]  # a TypedDict in chromadb's stubs
    )
