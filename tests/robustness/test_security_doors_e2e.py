"""Issue 14: every door tried as an attacker would, on a real server with the web app mounted.

Two servers: one with NEWSDESK_API_TOKEN set (its web app needs a login), one with no credential (a developer's loopback
server, the one a foreign page can post to). Each attack must be refused with a clear 4xx and the library must not
change; tests/test_security_doors.py has one focused test per door.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rb_helpers import SEED_FILE, NewsdeskServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOKEN = "robustness-token"
EVIL = "http://evil.example"
PASTED = "Dock workers in Rotterdam voted to end the harbour crane strike on Friday after a pay deal was agreed."


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NewsdeskServer, NewsdeskServer]]:
    locked = NewsdeskServer(tmp_path_factory.mktemp("locked"), web=True, api_token=TOKEN, backend="extractive")
    open_ = NewsdeskServer(tmp_path_factory.mktemp("open"), web=True, backend="extractive")
    try:
        for server in (locked, open_):
            server.start()
            with server.client() as c:
                files = [("file", (SEED_FILE.name, SEED_FILE.read_bytes(), "text/plain"))]
                r = c.post("/api/articles", files=files, headers={"Authorization": f"Bearer {TOKEN}"})
                assert r.status_code in (200, 201), r.text
        yield locked, open_
    finally:
        locked.stop()
        open_.stop()


def _attacks(secret: Path) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(server, door, method, path, request kwargs): each used to be answered 200/201 before issue 14."""
    file_data = {"path": str(secret), "meta": {"_type": "gradio.FileData"}}
    gradio = lambda *data: {"json": {"data": list(data)}}  # noqa: E731
    long_q = "Who? " * 1000
    return [
        ("locked", "web: ingest a server file", "POST", "/gradio_api/call/ingest", gradio([file_data], "", "", "")),
        ("locked", "web: ingest pasted text", "POST", "/gradio_api/call/ingest", gradio(None, "", "T", PASTED)),
        ("locked", "web: evaluation", "POST", "/gradio_api/call/eval", gradio("", None, ["extractive"], 3)),
        ("locked", "web: ask", "POST", "/gradio_api/call/ask", gradio("Who?", "", [])),
        ("locked", "web: read a file", "GET", f"/gradio_api/file={secret}", {}),
        ("locked", "web: config", "GET", "/config", {}),
        ("locked", "web: upload", "POST", "/gradio_api/upload", {"files": {"files": ("a.txt", b"x", "text/plain")}}),
        ("open", "csrf: multipart article", "POST", "/api/articles",
         {"files": {"file": ("evil.txt", PASTED.encode(), "text/plain")}, "headers": {"Origin": EVIL}}),
        ("open", "csrf: JSON article via Referer", "POST", "/api/articles",
         {"json": {"text": PASTED}, "headers": {"Referer": f"{EVIL}/x"}}),
        ("open", "csrf: web ingest", "POST", "/gradio_api/call/ingest",
         {**gradio(None, "", "T", PASTED), "headers": {"Origin": EVIL}}),
        ("open", "size: /v1 message of 900 KB", "POST", "/v1/chat/completions",
         {"json": {"model": "newsdesk", "messages": [{"role": "user", "content": "Who won? " * 100_000}]}}),
        ("open", "size: /v1 history message", "POST", "/v1/chat/completions",
         {"json": {"model": "newsdesk", "messages": [{"role": "user", "content": long_q},
                                                     {"role": "user", "content": "Who?"}]}}),
        ("open", "size: /api/ask history", "POST", "/api/ask",
         {"json": {"question": "Who?", "history": [{"role": "user", "content": long_q}]}}),
        ("open", "blank question", "POST", "/api/ask", {"json": {"question": " \n\t "}}),
        ("open", "date: since -1", "POST", "/api/brief", {"json": {"selection": {"since": "-1"}}}),
        ("open", "date: until as a number", "POST", "/api/search", {"json": {"query": "x", "filters": {"until": 5}}}),
        ("open", "upload: 3 M-character JSON record", "POST", "/api/articles",
         {"files": {"file": ("big.json", json.dumps({"text": "Word word. " * 300_000}).encode(), "application/json")}}),
        ("open", "upload: deeply nested JSONL", "POST", "/api/articles",
         {"files": {"file": ("deep.jsonl", b"[" * 100_000 + b"]" * 100_000, "application/json")}}),
    ]  # fmt: skip


def test_every_door_refuses_its_attack(
    servers: tuple[NewsdeskServer, NewsdeskServer], tmp_path: Path, figures: dict[str, Any]
) -> None:
    locked, open_ = servers
    secret = tmp_path / "memo.txt"
    secret.write_text("The vault code of the harbour master is 7741-ZETA.")
    by_name = {"locked": locked, "open": open_}
    before = {name: httpx.get(f"{s.url}/api/articles", timeout=30).json() for name, s in by_name.items()}
    results: dict[str, int] = {}
    for server, door, method, path, kwargs in _attacks(secret):
        with by_name[server].client(timeout=120) as c:
            r = c.request(method, path, **kwargs)
        results[door] = r.status_code
        assert 400 <= r.status_code < 500, (door, r.status_code, r.text[:300])
        if r.headers.get("content-type", "").startswith("application/json") and path.startswith(("/api", "/v1")):
            assert "RecursionError" not in r.text and "Traceback" not in r.text
    after = {name: httpx.get(f"{s.url}/api/articles", timeout=30).json() for name, s in by_name.items()}
    docs = httpx.get(f"{open_.url}/docs", timeout=30).text
    figures["security_doors"] = {
        "attacks_tried": len(results),
        "refused_with_4xx": sum(400 <= s < 500 for s in results.values()),
        "server_errors": sum(s >= 500 for s in results.values()),
        "article_list_changed": int(after != before),
        "docs_external_urls": docs.count("https://"),
        "status_by_door": results,
    }
    assert after == before
    assert "https://" not in docs
