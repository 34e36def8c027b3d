"""Processes and inputs for the robustness suite: a Newsdesk server subprocess, a `chroma run` subprocess, a hostile
loopback web site, and article generators. Everything binds 127.0.0.1 on free ports and every wait is bounded."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.procs import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
SEED_FILE = ROOT / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"


def wait_until(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout}s")


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        TOKENIZERS_PARALLELISM="false",
        PYTHONUNBUFFERED="1",
    )
    return env


class NewsdeskServer:
    """`python -m app.cli serve --api-only` (with `web=True`: API and web app) as a subprocess on a free loopback port,
    restartable on the same port/index."""

    def __init__(self, workdir: Path, *, web: bool = False, **settings: str) -> None:
        self.web = web
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = _base_env()
        self.env.update(
            {
                "NEWSDESK_INDEX_DIR": str(workdir / "index"),
                "NEWSDESK_URL_ALLOWLIST": json.dumps(["127.0.0.1"]),
                "NEWSDESK_URL_TIMEOUT": "2",
                "NEWSDESK_LOG_LEVEL": "WARNING",
            }
        )
        self.env.update({f"NEWSDESK_{k.upper()}": v for k, v in settings.items()})
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def start(self, timeout: float = 240.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the life of the process
        cmd = [
            str(VENV_BIN / "python"),
            "-m",
            "app.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *([] if self.web else ["--api-only"]),
            "--no-sample",
        ]
        self.env["GRADIO_TEMP_DIR"] = str(self.workdir / "gradio")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1

        def ready() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"newsdesk server exited early; log:\n{self.log_tail()}")
            try:
                return httpx.get(f"{self.url}/healthz", timeout=2.0).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, timeout, f"newsdesk server on {self.url} answering /healthz", interval=0.3)

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None

    def client(self, timeout: float = 180.0, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, **kw)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


class ChromaProcess:
    """A real `chroma run` on a free loopback port; stop/kill and start again on the same port and data path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.path.parent / f"chroma-{self.port}.log", "ab")  # noqa: SIM115
        cmd = [
            str(VENV_BIN / "chroma"),
            "run",
            "--path",
            str(self.path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=_base_env())

        def ready() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError("chroma run exited early")
            try:
                return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, timeout, "chroma heartbeat")

    def stop(self, kill: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None

    def restart(self, down_seconds: float = 1.0, kill: bool = False) -> None:
        self.stop(kill=kill)
        time.sleep(down_seconds)
        self.start()
        self.restarts += 1


# ---- a hostile web site on loopback ---------------------------------------------------------------
ARTICLE_HTML = """<!doctype html><html><head><title>Harbour reopens after storm</title>
<script>alert('x')</script><style>body{color:red}</style></head><body>
<nav>Home | World | Sport</nav><article><h1>Harbour reopens after storm</h1>
<p>The harbour of Port Ellis reopened on Tuesday after a three-day closure caused by the storm, the port authority said.</p>
<p>Harbour master Ines Vargas said 42 fishing boats had returned safely and that repairs to the north pier would take two weeks.</p>
<p>Local businesses welcomed the reopening but warned that losses from the closure would run into thousands of pounds.</p>
</article><script src="https://evil.invalid/x.js"></script><img src=x onerror="alert(1)"></body></html>"""


def scripts_only_html() -> bytes:
    scripts = "".join(f"<script>var a{i} = '{'x' * 200}'; document.write(a{i});</script>" for i in range(2000))
    return f'<html><head>{scripts}</head><body onload="alert(1)">{scripts}<iframe src=javascript:alert(1)></iframe></body></html>'.encode()


def nested_html(depth: int = 20000) -> bytes:
    return ("<html><body>" + "<div>" * depth + "</div>" * depth + "</body></html>").encode()


def gzip_bomb(size: int) -> bytes:
    """A gzip body that inflates to `size` bytes of zeros (about 1000:1)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


class HostileSite:
    """A ThreadingHTTPServer on loopback with pages that misbehave in every way a fetcher must survive."""

    def __init__(self, bomb_bytes: int = 64 * 1024 * 1024) -> None:
        self.bomb = gzip_bomb(bomb_bytes)
        self.html_bomb = gzip.compress(b"<html><body><p>" + b"a" * bomb_bytes + b"</p></body></html>", compresslevel=9)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: bytes = b"", ctype: str = "text/html", **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", headers.pop("length", str(len(body))))
                for k, v in headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def do_GET(self) -> None:
                routes = {
                    "/article.html": lambda: self._send(200, ARTICLE_HTML.encode(), "text/html; charset=utf-8"),
                    "/bomb": lambda: self._send(200, site.bomb, "text/html", Content_Encoding="gzip"),
                    "/html-bomb": lambda: self._send(200, site.html_bomb, "text/html", Content_Encoding="gzip"),
                    "/loop": lambda: self._send(302, Location="/loop"),
                    "/ping": lambda: self._send(302, Location="/pong"),
                    "/pong": lambda: self._send(302, Location="/ping"),
                    "/to-private": lambda: self._send(302, Location="http://10.255.255.1/secret"),
                    "/to-metadata": lambda: self._send(301, Location="http://169.254.169.254/latest/meta-data/"),
                    "/to-file": lambda: self._send(302, Location="file:///etc/passwd"),
                    "/binary": lambda: self._send(200, os.urandom(4096), "application/octet-stream"),
                    "/image.png": lambda: self._send(200, b"\x89PNG\r\n\x1a\n" + os.urandom(2048), "image/png"),
                    "/binary-as-html": lambda: self._send(200, os.urandom(4096), "text/html"),
                    "/missing": lambda: self._send(404, b"not here"),
                    "/error": lambda: self._send(500, b"boom"),
                    "/empty": lambda: self._send(200, b"", "text/html"),
                    "/scripts.html": lambda: self._send(200, scripts_only_html()),
                    "/nested.html": lambda: self._send(200, nested_html()),
                    "/huge-declared": lambda: self._send(200, b"<p>tiny</p>", length=str(10**12)),
                    "/bad-encoding": lambda: self._send(200, b"abc", "text/html", Content_Encoding="br-zstd-x"),
                    "/corrupt-gzip": lambda: self._send(
                        200, b"\x1f\x8b\x08\x00garbage-not-gzip" * 10, "text/html", Content_Encoding="gzip"
                    ),
                }
                if self.path == "/slow":
                    time.sleep(6)  # longer than the server's url_timeout (2 s)
                    self._send(200, ARTICLE_HTML.encode())
                elif self.path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    try:
                        for _ in range(20):  # 1 byte every 0.3 s: each read is fast, the whole is not
                            self.wfile.write(b"a")
                            self.wfile.flush()
                            time.sleep(0.3)
                    except OSError:
                        pass
                elif self.path in routes:
                    routes[self.path]()
                else:
                    self._send(404, b"no route")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- articles ---------------------------------------------------------------------------------------
_HOBBIES = [
    "sourdough baking",
    "beekeeping",
    "origami",
    "birdwatching",
    "pottery",
    "chess openings",
    "kite flying",
    "stamp collecting",
    "rock climbing",
    "watercolour painting",
]
_TOWNS = ["Ambleford", "Brindle", "Castlemoor", "Dunwick", "Eastleigh Vale", "Farrowby", "Glenmarch", "Hollin"]


def unrelated_article(i: int, *, tag: str = "load") -> dict[str, str]:
    """A short hobby-club notice: vocabulary disjoint from the Ukraine sample and the questions asked about it."""
    hobby, town = _HOBBIES[i % len(_HOBBIES)], _TOWNS[(i // len(_HOBBIES)) % len(_TOWNS)]
    code = f"{tag}{i:04d}"
    text = (
        f"The {town} {hobby} club met on a rainy evening to plan its spring season, notice {code}.\n\n"
        f"Members brought {i % 17 + 3} new projects and voted to hold an open day at the library in {town}.\n\n"
        f"The club secretary thanked volunteers and reminded everyone that fees for {hobby} classes stay unchanged."
    )
    return {"text": text, "title": f"{town} {hobby} club notice {code}", "source": "club-bulletin"}
