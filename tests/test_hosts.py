"""DNS rebinding (trial 16, D8): the server answers only Host names it is meant to be reached by, on every door.

A page at rebind.evil.example that points its own name at 127.0.0.1 is "same origin" with itself, so the Origin guard
lets its POSTs through; only the Host header gives it away.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.errors import NewsdeskError
from app.serve.hosts import allowed_hosts
from app.settings import Settings
from tests.fakes import FakeDesk

ROOT = Path(__file__).resolve().parents[1]
EVIL = "rebind.evil.example"
TEXT = "The harbour in Kessel reopened on Monday after storm repairs costing 4 million euros were finished."


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(_env_file=None, index_dir=tmp_path / "index", **kw)  # type: ignore[call-arg,arg-type]


def test_a_loopback_bind_answers_only_loopback_names(tmp_path: Path) -> None:
    assert allowed_hosts(_settings(tmp_path)) == ["localhost", "127.0.0.1", "[::1]"]
    assert allowed_hosts(_settings(tmp_path, host="::1")) == ["localhost", "127.0.0.1", "[::1]"]
    assert "127.0.0.2" in allowed_hosts(_settings(tmp_path, host="127.0.0.2"))


def test_allowed_hosts_adds_names_for_a_deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOWED_HOSTS", '["News.Example.org:443", "*.example.net", "2001:db8::1"]')
    hosts = allowed_hosts(Settings(_env_file=None))  # type: ignore[call-arg]
    assert hosts == ["localhost", "127.0.0.1", "[::1]", "news.example.org", "*.example.net", "[2001:db8::1]"]
    monkeypatch.delenv("NEWSDESK_ALLOWED_HOSTS")
    # A public bind needs a credential on every door (check_bind); without a list it answers any name.
    assert allowed_hosts(_settings(tmp_path, host="0.0.0.0")) == ["*"]
    public = allowed_hosts(_settings(tmp_path, host="0.0.0.0", allowed_hosts=["news.example.org"]))
    assert public == ["localhost", "127.0.0.1", "[::1]", "news.example.org"]
    with pytest.raises(NewsdeskError, match="wildcard"):
        allowed_hosts(_settings(tmp_path, allowed_hosts=["news.*.org"]))


def test_the_setting_is_honoured_by_the_served_app(tmp_path: Path) -> None:
    """build_app (what `newsdesk serve` runs) with NEWSDESK_ALLOWED_HOSTS: listed and loopback names in, others out."""
    from app.serve.server import build_app

    settings = _settings(tmp_path, allowed_hosts=["news.example.org"])
    app = build_app(settings, desk=FakeDesk(settings), ensure_sample=False, web=False, feeds=False)
    for host in ("news.example.org", "news.example.org:8443", "localhost:7860", "127.0.0.1"):
        assert TestClient(app, base_url=f"http://{host}").get("/api/articles").status_code == 200, host
    for host in (EVIL, "example.org", "news.example.org.evil.example"):
        assert TestClient(app, base_url=f"http://{host}").get("/api/articles").status_code == 400, host


# ---- a real `newsdesk serve` (API + web app) on loopback ------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`python -m app.cli serve --no-sample` on a free loopback port (the page is served while the models load)."""
    from tests.procs import free_port, server_env, start_server, stop_server

    folder = tmp_path_factory.mktemp("hosts-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--no-sample", "--port", str(port)]
    proc = start_server(cmd, url + "/", folder / "server.log", timeout=300, env=server_env(folder, port), cwd=ROOT)
    try:
        yield url, port
    finally:
        stop_server(proc)


def _asset(url: str) -> str:
    """A static file the web app's page loads (its JavaScript), as a path."""
    page = httpx.get(url + "/", timeout=30).text
    match = re.search(r"""(?:src|href)=["'](?:\./|/)?((?:gradio_api/)?assets/[^"']+\.js)""", page)
    assert match, "no script asset in the web app's page"
    return "/" + match.group(1)


@pytest.mark.e2e
@pytest.mark.slow
def test_a_rebinding_host_gets_400_at_every_door(served: tuple[str, int]) -> None:
    url, port = served
    doors = ["/", "/config", "/gradio_api/info", _asset(url), "/api/articles", "/v1/models", "/healthz", "/docs"]
    for path in doors:
        good = httpx.get(url + path, timeout=60)
        assert good.status_code == 200, (path, good.status_code)
        for host in (f"{EVIL}:{port}", EVIL, f"127.0.0.1.{EVIL}:{port}"):
            bad = httpx.get(url + path, headers={"Host": host}, timeout=60)
            assert bad.status_code == 400, (path, host, bad.status_code)
            assert "library" not in bad.text.lower() and "gradio" not in bad.text.lower()

    before = httpx.get(url + "/api/articles", timeout=60).json()["items"]
    rebound = {"Host": f"{EVIL}:{port}", "Origin": f"http://{EVIL}:{port}"}  # the trial's POST: Origin matches Host
    post = httpx.post(url + "/api/articles", headers=rebound, json={"text": TEXT, "title": "rebind"}, timeout=60)
    assert post.status_code == 400
    web_post = httpx.post(url + "/gradio_api/upload", headers=rebound, files={"files": ("a.txt", TEXT)}, timeout=60)
    assert web_post.status_code == 400
    assert httpx.get(url + "/api/articles", timeout=60).json()["items"] == before


@pytest.mark.e2e
@pytest.mark.slow
def test_loopback_names_are_answered_with_any_port(served: tuple[str, int]) -> None:
    url, port = served
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost", "LOCALHOST:80"):
        for path in ("/", "/api/articles", "/v1/models"):
            r = httpx.get(url + path, headers={"Host": host}, timeout=60)
            assert r.status_code == 200, (host, path, r.status_code)
    page = httpx.get(url + "/", headers={"Host": f"localhost:{port}"}, timeout=60)
    assert "gradio" in page.text.lower()
    upload = httpx.post(
        url + "/gradio_api/upload", files={"files": ("a.txt", TEXT)}, timeout=60
    )  # the web app's upload
    assert upload.status_code == 200 and upload.json()[0].endswith("a.txt"), upload.text
