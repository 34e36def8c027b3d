"""Shared fixtures. All disk state goes to tmp_path; models load once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point every NEWSDESK_ path at tmp_path so no test touches the user's index."""
    for key in list(os.environ):
        if key.startswith("NEWSDESK_") or key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):  # fallbacks
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSDESK_EMBEDDING_ONNX_DIR", str(_onnx_cache_dir(tmp_path)))
    yield


def _onnx_cache_dir(tmp_path: Path) -> Path:
    """One ONNX export cache per test session (issue 18): exported once, not per test, and not in the user's cache."""
    return tmp_path.parent / "onnx-cache"  # tmp_path is <session basetemp>/<test>


@pytest.fixture(scope="session")
def embeddings():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2, loaded once."""
    from app.settings import Settings
    from app.store.embeddings import make_embeddings

    return make_embeddings(Settings())


# ---- index fixtures (store, ingest, retrieval, server-mode tests) ----------------------------------------------------


@pytest.fixture
def sample_article():  # type: ignore[no-untyped-def]
    """The bundled sample article, loaded the way `newsdesk ingest` loads it."""
    from app.ingest.loaders import load_path
    from app.settings import Settings

    return load_path(SEED_FILE, Settings())[0]


@pytest.fixture(scope="session")
def make_articles():  # type: ignore[no-untyped-def]
    """make_articles(n, seed=0) -> deterministic synthetic news Articles (bench.corpus), with url and published."""
    from datetime import datetime

    from app.text import build_article
    from bench.corpus import articles

    def make(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
        return [
            build_article(
                str(r["title"]),
                str(r["text"]),
                source=str(r["source"]),
                url=str(r["url"]),
                published=datetime.fromisoformat(str(r["published"])),
            )
            for r in articles(n, seed)
        ]

    return make


class ChromaServer:
    """A real `chroma run` subprocess on a free loopback port; restartable on the same port and data path."""

    def __init__(self, path: Path) -> None:
        from tests.procs import free_port

        self.port = free_port()
        self.path = path
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None  # type: ignore[var-annotated]

    def start(self, timeout: float = 60.0) -> None:
        from tests.procs import start_server

        exe = ROOT / ".venv" / "bin" / "chroma"
        self.proc = start_server(
            [str(exe), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            f"{self.url}/api/v2/heartbeat",
            self.path.parent / f"chroma-{self.port}.log",
            timeout=timeout,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )

    def stop(self) -> None:
        from tests.procs import stop_server

        stop_server(self.proc)
        self.proc = None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One Chroma server for the session's server-mode tests (each test uses its own collection prefix)."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- web app (tests/test_web_browser.py, tests/test_web_client.py) ----------------------------------------------------


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`newsdesk serve` (`python -m app.cli serve`: API + web app) on a free loopback port over a fresh index
    holding the sample article; yields its base URL."""
    import sys

    from tests.procs import free_port, server_env, start_server, stop_server

    folder = tmp_path_factory.mktemp("web-server")
    port = free_port()
    env = server_env(folder, port)
    url = f"http://127.0.0.1:{port}"
    # Cold start loads the embedding model and ingests the sample article.
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    proc = start_server(cmd, url + "/", folder / "server.log", timeout=300, env=env, cwd=ROOT)
    try:
        yield url
    finally:
        stop_server(proc)


# ---- grounded Q&A (tests/test_extractive.py, test_qa.py, test_injection.py, test_openai_server.py) ----------------
QA_QUESTIONS = ROOT / "tests" / "data" / "qa_questions.jsonl"


@pytest.fixture(scope="session")
def qa_questions() -> list[dict]:  # type: ignore[type-arg]
    """Hand-written questions on the sample article: answers, evidence quotes, unanswerable ones."""
    import json

    return [json.loads(line) for line in QA_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def sample_desk(tmp_path_factory: pytest.TempPathFactory, embeddings):  # type: ignore[no-untyped-def]
    """A Newsdesk over a fresh embedded index holding the sample article, ingested the way `newsdesk ingest` does."""
    from app.services import Newsdesk
    from app.settings import Settings

    settings = Settings(_env_file=None, index_dir=tmp_path_factory.mktemp("qa-index") / "index")  # type: ignore[call-arg]
    desk = Newsdesk(settings, embeddings=embeddings)
    report = desk.ingest([SEED_FILE])
    assert len(report.added) == 1 and not report.errors
    return desk
