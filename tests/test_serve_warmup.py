"""Issue 18: `serve` answers at once and warms up in the background: /healthz says "warming" (503, Retry-After) until
the models are loaded; requests that need them wait (bounded), then get a 503 with Retry-After."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.serve import server
from app.settings import Settings
from tests.fakes import FakeDesk


def _warming_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_seconds: float
) -> tuple[TestClient, threading.Event]:
    gate = threading.Event()  # the warm-up finishes when the test opens it
    monkeypatch.setattr(server, "warm_up", lambda desk: gate.wait(30))
    monkeypatch.setattr(server, "WARM_UP_WAIT_SECONDS", wait_seconds)
    settings = Settings(index_dir=tmp_path / "index")
    app = server.build_app(settings, desk=FakeDesk(settings), ensure_sample=False, web=False, background=True)
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False), gate


def test_health_says_warming_until_the_models_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, gate = _warming_app(tmp_path, monkeypatch, wait_seconds=0.2)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["status"] == "warming"
    assert int(health.headers["Retry-After"]) > 0
    busy = client.get("/api/articles")  # needs the store: waits 0.2 s, then a clear 503
    assert busy.status_code == 503 and busy.json()["error"]["type"] == "warming"
    assert int(busy.headers["Retry-After"]) > 0
    gate.set()
    assert client.app.state.api.ready.wait(10)  # type: ignore[attr-defined]
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/api/articles").status_code == 200


def test_a_request_during_warm_up_waits_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, gate = _warming_app(tmp_path, monkeypatch, wait_seconds=30)
    statuses: list[int] = []
    waiting = threading.Thread(target=lambda: statuses.append(client.get("/api/articles").status_code))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and statuses == []  # held while the models load
    gate.set()
    waiting.join(30)
    assert statuses == [200]
