"""Fixtures of the robustness suite: one shared Newsdesk server subprocess and a figures recorder.

scripts/reliability_report.py sets RELIABILITY_FIGURES_OUT; each scenario records what it tried and what held, and
the recorder writes them there as JSON at the end of the session (docs/reliability.md is rendered from that file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rb_helpers import SEED_FILE, HostileSite, NewsdeskServer

FIGURES_ENV = "RELIABILITY_FIGURES_OUT"


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, Any]]:
    """scenario -> {figure: value}; written to $RELIABILITY_FIGURES_OUT (if set) when the session ends."""
    out = os.environ.get(FIGURES_ENV)
    data: dict[str, Any] = {}
    yield data
    if out:
        path = Path(out)
        merged = json.loads(path.read_text()) if path.exists() else {}
        merged.update(data)
        path.write_text(json.dumps(merged, indent=2, sort_keys=True))


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsdeskServer]:
    """One real Newsdesk (extractive backend, embedded Chroma) serving the API, with the sample article indexed."""
    workdir = tmp_path_factory.mktemp("newsdesk-api")
    # Only the extractive engine: the fuzzer may ask for any backend, and an in-process LLM would make every such
    # case take seconds. With no GGUF (and no OpenAI settings) those requests are a quick 400/404.
    server = NewsdeskServer(workdir, gguf_path=str(workdir / "no-model.gguf"))
    server.start()
    try:
        with server.client() as c:
            r = c.post("/api/articles", files=[("file", (SEED_FILE.name, SEED_FILE.read_bytes(), "text/plain"))])
            assert r.status_code in (200, 201), r.text
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def hostile_site() -> Iterator[HostileSite]:
    with HostileSite() as site:
        yield site
