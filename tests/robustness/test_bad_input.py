"""Hostile and broken input through the running API: each is a clear 4xx with the stable error shape, and the
article list is unchanged afterwards. Inputs are served by a loopback site (allowlisted) or sent directly."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from rb_helpers import ARTICLE_HTML, HostileSite, NewsdeskServer, nested_html, scripts_only_html

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

Send = Callable[[httpx.Client, HostileSite], httpx.Response]
MB = 1024 * 1024


def text(body: str) -> Send:
    return lambda c, s: c.post("/api/articles", json={"text": body})


def url(path_or_url: str) -> Send:
    return lambda c, s: c.post(
        "/api/articles",
        json={"url": path_or_url if "://" in path_or_url or ":" in path_or_url[:12] else s.url + path_or_url},
    )


def upload(name: str, data: bytes, ctype: str = "application/octet-stream") -> Send:
    return lambda c, s: c.post("/api/articles", files=[("file", (name, data, ctype))])


def raw(path: str, content: bytes, ctype: str = "application/json") -> Send:
    return lambda c, s: c.post(path, content=content, headers={"content-type": ctype})


def invalid_utf8_json() -> bytes:
    return b'{"text": "caf\xe9 \xff\xfe broken \xc3\x28 bytes", "title": "x"}'


def nested_json(depth: int) -> bytes:
    return b'{"question": "x", "history": ' + b"[" * depth + b"]" * depth + b"}"


# (id, request, allowed statuses)
CASES: list[tuple[str, Send, set[int]]] = [
    # empty / whitespace / binary / encoding
    ("empty text", text(""), {400}),
    ("whitespace text", text(" \n\t\r\n "), {400}),
    ("control characters only", text("\x00\x01\x02\x1b[31m\x7f"), {400}),
    ("symbols and digits only", text("1234 5678 -- !! ## 42 %%"), {400}),
    ("empty upload", upload("empty.txt", b"", "text/plain"), {400}),
    ("binary upload as .txt", upload("noise.txt", os.urandom(64 * 1024), "text/plain"), {400}),
    ("ELF binary as .md", upload("a.md", b"\x7fELF\x02\x01\x01" + os.urandom(8192)), {400}),
    ("invalid UTF-8 in JSON", raw("/api/articles", invalid_utf8_json()), {400}),
    ("invalid UTF-8 JSON file upload", upload("bad.json", b'{"text": "\xff\xfe\xfd\x00\x00"}'), {400}),
    ("malformed JSON upload", upload("bad.jsonl", b'{"text": "unterminated\n{"title": 3}\n'), {400}),
    ("PDF that is not a PDF", upload("fake.pdf", b"%PDF-1.7\n" + os.urandom(4096), "application/pdf"), {400}),
    # size
    (
        "20 MB text as JSON",
        lambda c, s: c.post("/api/articles", json={"text": "All work and no play. " * (20 * MB // 22)}),
        {413},
    ),
    ("20 MB text upload", upload("big.txt", b"All work and no play. " * (20 * MB // 22), "text/plain"), {413}),
    (
        "huge JSON body (40 MB)",
        raw(
            "/api/ask",
            b'{"question": "x", "history": [' + b'{"role":"user","content":"aaaa"},' * (40 * MB // 34) + b"{}]}",
        ),
        {413},
    ),
    ("deeply nested JSON", raw("/api/ask", nested_json(100_000)), {400, 422}),
    ("long question", lambda c, s: c.post("/api/ask", json={"question": "why " * 5000}), {413}),
    # issue 14: one question limit on every door, blank questions, numeric dates, JSON records sized before analysis
    ("blank question", lambda c, s: c.post("/api/ask", json={"question": " \n\t "}), {422}),
    (
        "900 KB chat message",
        lambda c, s: c.post(
            "/v1/chat/completions",
            json={"model": "newsdesk", "messages": [{"role": "user", "content": "why " * 225_000}]},
        ),
        {413},
    ),
    ("brief since -1", lambda c, s: c.post("/api/brief", json={"selection": {"since": "-1"}}), {422}),
    ("3 M-character JSON record", upload("big.json", b'{"text": "' + b"Word word. " * 300_000 + b'"}'), {413}),
    ("deeply nested JSONL upload", upload("deep.jsonl", b"[" * 100_000 + b"]" * 100_000), {400}),
    # HTML
    ("deeply nested HTML upload", upload("nested.html", nested_html(), "text/html"), {400}),
    ("script-only HTML upload", upload("scripts.html", scripts_only_html(), "text/html"), {400}),
    # unsupported types
    ("exe upload", upload("setup.exe", b"MZ\x90\x00" + os.urandom(1024)), {415}),
    ("png upload", upload("photo.png", b"\x89PNG\r\n\x1a\n" + os.urandom(1024), "image/png"), {415}),
    ("no extension upload", upload("README", b"Plain words here."), {415}),
    ("text/plain body", raw("/api/articles", b"just text", "text/plain"), {415}),
    ("form-urlencoded body", raw("/api/articles", b"text=hello", "application/x-www-form-urlencoded"), {415}),
    ("URL serving octet-stream", url("/binary"), {415}),
    ("URL serving an image", url("/image.png"), {415}),
    ("URL with unknown content-encoding", url("/bad-encoding"), {400, 415}),
    # compressed bombs and lies
    ("gzip bomb (64 MB of zeros)", url("/bomb"), {413}),
    ("gzip HTML bomb", url("/html-bomb"), {413}),
    ("corrupt gzip body", url("/corrupt-gzip"), {400}),
    ("declared 1 TB body", url("/huge-declared"), {413}),
    ("binary served as HTML", url("/binary-as-html"), {400}),
    ("empty HTML page", url("/empty"), {400}),
    ("script-only page", url("/scripts.html"), {400}),
    ("deeply nested page", url("/nested.html"), {400}),
    # malformed and non-http URLs
    ("URL without host", url("http://"), {400}),
    ("URL missing colon", url("http//example.com/a"), {400}),
    ("URL with space in host", url("http://exa mple.com/"), {400}),
    ("URL with bad port", url("http://127.0.0.1:99999/"), {400}),
    ("URL unclosed IPv6", url("http://[::1/"), {400}),
    ("empty URL", url(""), {400, 422}),
    ("ftp URL", url("ftp://127.0.0.1/file.txt"), {400}),
    ("file URL", url("file:///etc/passwd"), {400}),
    ("javascript URL", url("javascript:alert(1)"), {400}),
    ("data URL", url("data:text/html,<p>hi</p>"), {400}),
    ("gopher URL", url("gopher://127.0.0.1:70/"), {400}),
    # SSRF: private, link-local, loopback outside the allowlist
    ("private 10/8", url("http://10.0.0.1/"), {400}),
    ("private 192.168/16", url("http://192.168.1.1/admin"), {400}),
    ("private 172.16/12", url("http://172.16.0.1/"), {400}),
    ("cloud metadata", url("http://169.254.169.254/latest/meta-data/"), {400}),
    ("loopback not allowlisted", url("http://127.0.0.2/"), {400}),
    ("IPv6 loopback", url("http://[::1]/"), {400}),
    ("IPv4-mapped IPv6 loopback", url("http://[::ffff:127.0.0.2]/"), {400}),
    ("unspecified address", url("http://0.0.0.0/"), {400}),
    ("decimal-encoded 10.0.0.1", url("http://167772161/"), {400}),
    ("redirect to private", url("/to-private"), {400}),
    ("redirect to metadata", url("/to-metadata"), {400}),
    ("redirect to file:", url("/to-file"), {400}),
    # redirect loops, errors and slow servers
    ("redirect loop (self)", url("/loop"), {400}),
    ("redirect loop (ping-pong)", url("/ping"), {400}),
    ("HTTP 404 page", url("/missing"), {400}),
    ("HTTP 500 page", url("/error"), {400}),
    ("unresolvable host", url("http://no-such-host.invalid/"), {400}),
    ("slow server (no headers)", url("/slow"), {400}),
    ("dripping server", url("/drip"), {400}),
    # other routes
    ("unknown article id", lambda c, s: c.get("/api/articles/0000000000000000"), {404}),
    ("delete unknown id", lambda c, s: c.delete("/api/articles/../../etc"), {404}),
    ("search with k=0", lambda c, s: c.post("/api/search", json={"query": "x", "k": 0}), {422}),
    ("ask unknown backend", lambda c, s: c.post("/api/ask", json={"question": "x", "backend": "gpt-99"}), {422}),
    ("ask unconfigured backend", lambda c, s: c.post("/api/ask", json={"question": "x", "backend": "openai"}), {400}),
    (
        "chat unconfigured model",
        lambda c, s: c.post(
            "/v1/chat/completions", json={"model": "newsdesk/openai", "messages": [{"role": "user", "content": "x"}]}
        ),
        {404},
    ),
    ("brief bad date", lambda c, s: c.post("/api/brief", json={"selection": {"since": "yesterday-ish"}}), {422}),
    ("eval path traversal", lambda c, s: c.post("/api/eval", json={"dataset": "../../etc/passwd"}), {422}),
    ("eval unknown dataset", lambda c, s: c.post("/api/eval", json={"dataset": "nope"}), {404}),
    (
        "chat unknown model",
        lambda c, s: c.post(
            "/v1/chat/completions", json={"model": "gpt-5", "messages": [{"role": "user", "content": "x"}]}
        ),
        {404},
    ),
    (
        "chat no user turn",
        lambda c, s: c.post(
            "/v1/chat/completions", json={"model": "newsdesk", "messages": [{"role": "system", "content": "x"}]}
        ),
        {400},
    ),
]


def snapshot(c: httpx.Client) -> list[tuple[str, int]]:
    r = c.get("/api/articles")
    assert r.status_code == 200, r.text
    return sorted((a["id"], a["chunks"]) for a in r.json()["items"])


def test_every_bad_input_is_a_clear_4xx_and_changes_nothing(
    api_server: NewsdeskServer, hostile_site: HostileSite, figures: dict[str, Any]
) -> None:
    failures: list[str] = []
    statuses: dict[str, int] = {}
    with api_server.client(timeout=60) as c:
        before = snapshot(c)
        for name, send, allowed in CASES:
            r = send(c, hostile_site)
            statuses[name] = r.status_code
            try:
                error = r.json()["error"]
                shape_ok = (
                    set(error) == {"type", "message", "status"}
                    and error["status"] == r.status_code
                    and error["message"]
                )
            except (ValueError, KeyError, TypeError):
                shape_ok = False
            leaked = "Traceback" in r.text or 'File "/' in r.text
            if r.status_code not in allowed or not shape_ok or leaked:
                failures.append(f"{name}: {r.status_code} {r.text[:200]!r} (expected {sorted(allowed)})")
            after = snapshot(c)
            if after != before:
                failures.append(f"{name}: the article list changed: {set(after) ^ set(before)}")
                before = after
        healthy = c.get("/healthz").status_code == 200
    figures["bad_input"] = {
        "inputs_tried": len(CASES),
        "clear_4xx": sum(1 for name, _, allowed in CASES if statuses.get(name) in allowed),
        "server_errors": sum(1 for s in statuses.values() if s >= 500),
        "article_list_changed": sum(1 for f in failures if "article list changed" in f),
        "server_healthy_after": healthy,
    }
    assert not failures, "\n".join(failures)
    assert healthy


def test_script_laden_article_is_ingested_without_its_scripts(
    api_server: NewsdeskServer, hostile_site: HostileSite
) -> None:
    """The positive control: a real page full of scripts and handlers keeps its text and loses its code."""
    with api_server.client(timeout=60) as c:
        r = c.post("/api/articles", json={"url": f"{hostile_site.url}/article.html"})
        assert r.status_code == 201, r.text
        [info] = r.json()["added"]
        article = c.get(f"/api/articles/{info['id']}").json()
        assert "42 fishing boats" in article["text"]
        for bad in ("<script", "alert(", "onerror", "evil.invalid", "color:red"):
            assert bad not in article["text"]
        assert c.delete(f"/api/articles/{info['id']}").status_code == 200
        assert ARTICLE_HTML  # served verbatim by the hostile site


def test_requests_with_lying_lengths_do_not_hurt(api_server: NewsdeskServer) -> None:
    """Content-Length larger than the body (client gives up) and a chunked body over the limit."""
    import socket

    host, port = "127.0.0.1", api_server.port
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(
            b'POST /api/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"text":'
        )
        s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        with contextlib.suppress(OSError):
            s.recv(1024)

    def chunks() -> Any:
        yield b'{"text": "'
        for _ in range(3 * 1024):
            yield b"a" * 1024
        yield b'"}'

    with api_server.client(timeout=60) as c:
        r = c.post("/api/articles", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["type"] == "payload_too_large"
        assert c.get("/healthz").status_code == 200
        assert json.loads(c.get("/healthz").text)["articles"] >= 1
