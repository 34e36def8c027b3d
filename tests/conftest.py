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
        if key.startswith("NEWSDESK_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))
    yield


@pytest.fixture(scope="session")
def embeddings():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2, loaded once."""
    from app.embeddings import make_embeddings
    from app.settings import Settings

    return make_embeddings(Settings())
