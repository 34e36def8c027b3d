"""Server mode: the store over a real `chroma run` server, across a server restart.

The add/search/remove contract itself runs against the server in test_store.py (parametrized over both modes).
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from app.ingest.loaders import load_text
from app.models import Article
from app.retrieve.hybrid import HybridRetriever
from app.settings import Settings
from app.store.chroma import ChromaStore, StoreUnavailable
from app.store.ingest import Ingestor

pytestmark = [pytest.mark.server, pytest.mark.slow]

CRANES = "Dock workers in Rotterdam voted to end the harbour crane strike on Friday after a pay deal."


@pytest.fixture
def settings(chroma_server, tmp_path: Path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(chroma_url=chroma_server.url, collection=f"t{uuid.uuid4().hex[:10]}", index_dir=tmp_path / "index")


def test_hybrid_search_over_the_server_keeps_lexical_in_memory(
    settings: Settings, embeddings, sample_article: Article
) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore(settings, embeddings)
    assert store.server_mode
    Ingestor(store, settings).ingest_articles([sample_article])
    retriever = HybridRetriever(store, embeddings, settings)
    passages = retriever.search("Which city did Gerasimov say was captured?", 3)
    assert any("Kupiansk" in p.text for p in passages)
    assert retriever.lexical.cache_dir is None and not (settings.index_dir / "lexical").exists()


def test_injected_http_client_is_server_mode(chroma_server, settings: Settings, embeddings) -> None:  # type: ignore[no-untyped-def]
    host, port = chroma_server.url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port), settings=ChromaSettings(anonymized_telemetry=False))
    assert ChromaStore(settings.model_copy(update={"chroma_url": None}), embeddings, client=client).server_mode


def test_store_recovers_across_a_server_restart(
    chroma_server, settings: Settings, embeddings, sample_article: Article
) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore(settings, embeddings)
    ingestor = Ingestor(store, settings)
    ingestor.ingest_articles([sample_article])
    retriever = HybridRetriever(store, embeddings, settings)
    before = [p.chunk_id for p in retriever.search("Peskov consultations", 3)]

    chroma_server.stop()
    restarter = threading.Timer(1.5, chroma_server.start)
    restarter.start()
    try:
        t0 = time.monotonic()
        assert [a.id for a in store.list_articles()] == [sample_article.id]  # waits for the server, then answers
        assert time.monotonic() - t0 >= 1.0
    finally:
        restarter.join(timeout=90)
    assert chroma_server.proc is not None and chroma_server.proc.poll() is None

    assert [p.chunk_id for p in retriever.search("Peskov consultations", 3)] == before
    cranes = load_text(CRANES, title="Cranes")
    assert [a.id for a in ingestor.ingest_articles([cranes]).added] == [cranes.id]
    assert retriever.search("harbour crane strike", 1)[0].article_id == cranes.id
    assert store.remove_article(cranes.id) and store.count_articles() == 1


def test_unreachable_server_fails_with_a_clear_error(chroma_server, settings: Settings, embeddings) -> None:  # type: ignore[no-untyped-def]
    store = ChromaStore(settings.model_copy(update={"chroma_retry_seconds": 1.0}), embeddings)
    chroma_server.stop()
    try:
        with pytest.raises(StoreUnavailable, match="unreachable"):
            store.count_articles()
    finally:
        chroma_server.start()
    assert store.count_articles() == 0


def test_a_server_down_at_start_fails_with_a_clear_error(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    """No server on the port when the store opens (chromadb's client raises a ValueError there, not a connection
    error): retried for the configured time, then the same one-line StoreUnavailable, which the CLI's main() prints as
    one error line with exit 1 (tests/test_cli_conventions.py), not a traceback."""
    import socket

    from typer.testing import CliRunner

    from app import cli

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    down = Settings(_env_file=None, index_dir=tmp_path / "i", chroma_url=url, chroma_retry_seconds=0.5)  # type: ignore[call-arg]
    with pytest.raises(StoreUnavailable, match="unreachable"):
        ChromaStore(down, embeddings)
    env = {"NEWSDESK_CHROMA_URL": url, "NEWSDESK_CHROMA_RETRY_SECONDS": "0.5", "NEWSDESK_INDEX_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli.cli, ["articles"], env=env)
    assert isinstance(result.exception, StoreUnavailable) and "unreachable" in str(result.exception)
