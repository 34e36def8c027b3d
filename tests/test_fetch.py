"""URL fetching against a loopback http.server: SSRF guard, redirects, limits, timeouts, content types."""

from __future__ import annotations

import gzip
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app.ingest.fetch import blocked_reason, fetch_url, is_allowlisted, load_url, parse_url
from app.ingest.loaders import LoadError, iter_load
from app.settings import Settings

DATA = Path(__file__).resolve().parent / "data"
SEED = Path(__file__).resolve().parents[1] / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"
STOP = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def send(
        self, status: int, body: bytes = b"", ctype: str = "text/plain", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send(302, b"", headers={"Location": location})

    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.server.hosts.append(self.headers.get("Host"))  # type: ignore[attr-defined]
        routes = {
            "/article.html": lambda: self.send(200, (DATA / "article.html").read_bytes(), "text/html; charset=utf-8"),
            "/news.txt": lambda: self.send(200, SEED.read_bytes(), "text/plain; charset=utf-8"),
            "/feed.json": lambda: self.send(
                200,
                json.dumps([{"title": "Feed Item", "text": "A feed story.", "published": "2025-02-01"}]).encode(),
                "application/json",
            ),
            "/latin1.txt": lambda: self.send(
                200,
                "Titre\n\nLe café était très bon à côté de l'hôtel.".encode("latin-1"),
                "text/plain; charset=iso-8859-1",
            ),
            "/gzip.html": lambda: self.send(
                200, gzip.compress((DATA / "article.html").read_bytes()), "text/html", {"Content-Encoding": "gzip"}
            ),
            "/bomb": lambda: self.send(
                200, gzip.compress(b"A" * 5_000_000), "text/plain", {"Content-Encoding": "gzip"}
            ),
            "/brotli": lambda: self.send(200, b"xx", "text/plain", {"Content-Encoding": "br"}),
            "/big": lambda: self.send(200, b"word " * 20_000, "text/plain"),
            "/image.png": lambda: self.send(200, b"\x89PNG\r\n\x1a\n", "image/png"),
            "/missing": lambda: self.send(404, b"not found"),
            "/to-article": lambda: self.redirect("/article.html"),
            "/to-private": lambda: self.redirect("http://10.0.0.1/secret"),
            "/to-metadata": lambda: self.redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-file": lambda: self.redirect("file:///etc/passwd"),
            "/loop": lambda: self.redirect("/loop"),
            "/no-location": lambda: self.send(302, b""),
        }
        if self.path in routes:
            routes[self.path]()
        elif self.path == "/unsized":  # no Content-Length: body ends when the connection closes
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for _ in range(100):
                self.wfile.write(b"x" * 1000)
        elif self.path == "/slow":  # headers never come within the timeout
            STOP.wait(10)
            self.send(200, b"late", "text/plain")
        elif self.path == "/dribble":  # headers at once, then a byte every 0.2 s (each read is quick)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                if STOP.wait(0.2):
                    break
                self.wfile.write(b"x")
                self.wfile.flush()
        else:
            self.send(404)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (timeouts, size caps) make the handler's writes fail; expected here


@pytest.fixture(scope="module")
def server() -> Iterator[QuietServer]:
    STOP.clear()
    srv = QuietServer(("127.0.0.1", 0), Handler)
    srv.paths = []  # type: ignore[attr-defined]
    srv.hosts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    STOP.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def base(server: QuietServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", url_allowlist=["127.0.0.1"], url_timeout=5)


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fails any outgoing TCP connection: the guard must refuse before connecting."""
    attempts: list[object] = []

    def refuse(address: object, *args: object, **kwargs: object) -> None:
        attempts.append(address)
        raise AssertionError(f"tried to connect to {address}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


# --- Pure checks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.5", "private"),
        ("169.254.169.254", "private"),  # link-local, also in Python's private list
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "non-global"),  # carrier-grade NAT
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1", "private"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_blocked_reason(ip: str, reason: str | None) -> None:
    assert blocked_reason(ipaddress.ip_address(ip)) == reason


def test_allowlist_by_host_ip_and_network() -> None:
    ip = ipaddress.ip_address("10.1.2.3")
    assert is_allowlisted("intranet.local", ip, ["intranet.local"])
    assert is_allowlisted("x", ip, ["10.1.2.3"])
    assert is_allowlisted("x", ip, ["10.0.0.0/8"])
    assert not is_allowlisted("x", ip, ["127.0.0.1", "other.local", "not a network"])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/file", "only http and https URLs are supported, not 'ftp'"),
        ("file:///etc/passwd", "only http and https URLs are supported, not 'file'"),
        ("javascript:alert(1)", "only http and https URLs are supported"),
        ("http://", "malformed URL: no host"),
        ("http:///path", "malformed URL: no host"),
        ("http://[::1", "malformed URL"),
        ("http://exa mple.com/", "malformed URL: invalid host"),
        ("http://example.org:99999/", "malformed URL: invalid port 99999"),
        ("example.org/no-scheme", "only http and https URLs are supported, not 'no scheme'"),
    ],
)
def test_malformed_urls(url: str, message: str) -> None:
    with pytest.raises(LoadError) as info:
        parse_url(url)
    assert info.value.input == url
    assert info.value.message.startswith(message)


# --- SSRF guard -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://localhost:9/",
        "http://2130706433/",  # 127.0.0.1 as a decimal number: resolved, then refused
    ],
)
def test_private_addresses_refused_without_connecting(tmp_path: Path, url: str, no_connect: list[object]) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    with pytest.raises(LoadError, match="refusing to fetch from a") as info:
        fetch_url(url, settings)
    assert info.value.input == url
    assert no_connect == []


def test_hostname_resolving_to_private_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_connect: list[object]
) -> None:
    def fake_getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[tuple]:
        assert host == "evil.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80))]  # fmt: skip

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(LoadError, match=r"private address \(10\.0\.0\.5\)"):
        fetch_url("http://evil.example/", Settings(index_dir=tmp_path / "index"))
    assert no_connect == []


def test_loopback_refused_then_allowed(tmp_path: Path, base: str) -> None:
    with pytest.raises(LoadError, match="loopback"):
        fetch_url(f"{base}/news.txt", Settings(index_dir=tmp_path / "index"))
    fetched = fetch_url(f"{base}/news.txt", Settings(index_dir=tmp_path / "index", url_allow_private=True))
    assert fetched.body == SEED.read_bytes()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/to-private", r"refusing to fetch from a private address \(10\.0\.0\.1\)"),
        ("/to-metadata", r"refusing to fetch from a private address \(169\.254\.169\.254\)"),
        ("/to-file", "only http and https URLs are supported, not 'file'"),
        ("/loop", r"too many redirects \(more than 3\)"),
        ("/no-location", "HTTP 302 redirect without a Location header"),
    ],
)
def test_bad_redirects(tmp_path: Path, base: str, server: QuietServer, path: str, message: str) -> None:
    settings = Settings(index_dir=tmp_path / "index", url_allowlist=["127.0.0.1"], url_max_redirects=3)
    before = len(server.paths)  # type: ignore[attr-defined]
    with pytest.raises(LoadError, match=message) as info:
        fetch_url(base + path, settings)
    assert info.value.input == base + path
    if path == "/loop":
        assert server.paths[before:] == ["/loop"] * 4  # type: ignore[attr-defined]


# --- Fetching and parsing -------------------------------------------------------------------------------------------


def test_fetch_html_follows_relative_redirect(base: str, server: QuietServer, settings: Settings) -> None:
    fetched = fetch_url(f"{base}/to-article", settings)
    assert fetched.url == f"{base}/article.html"
    assert (fetched.content_type, fetched.encoding) == ("text/html", "utf-8")
    assert server.hosts[-1] == base.removeprefix("http://")  # type: ignore[attr-defined]
    [article] = load_url(f"{base}/to-article", settings)
    assert article.title == "Harbor Bridge Reopens After Repairs"
    assert article.url == f"{base}/article.html"
    assert article.source == "The Coastal Gazette"
    assert article.published == datetime(2025, 3, 14)


def test_load_url_news_text_json_and_charset(base: str, settings: Settings) -> None:
    [news] = load_url(f"{base}/news.txt", settings)
    assert news.title == "Zelenskyy Cautious on US Plan, EU Rejects Concessions"
    assert news.published == datetime(2025, 11, 21, 10, 22)
    assert "Related Reads" not in news.text
    [item] = load_url(f"{base}/feed.json", settings)
    assert (item.title, item.published) == ("Feed Item", datetime(2025, 2, 1))
    [latin] = load_url(f"{base}/latin1.txt", settings)
    assert latin.text == "Le café était très bon à côté de l'hôtel."
    assert latin.source == "127.0.0.1"


def test_gzip_body_is_decompressed(base: str, settings: Settings) -> None:
    fetched = fetch_url(f"{base}/gzip.html", settings)
    assert fetched.body == (DATA / "article.html").read_bytes()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/big", "response is 100,000 bytes, over the 50,000-byte limit (max_url_bytes)"),
        ("/unsized", "response is over the 50,000-byte limit (max_url_bytes)"),
        ("/bomb", "decompressed response is over the max_url_bytes limit"),
        ("/image.png", "unsupported content type 'image/png' (supported: application/json"),
        ("/missing", "HTTP 404 Not Found"),
        ("/brotli", "unsupported content encoding 'br'"),
    ],
)
def test_fetch_limits_and_errors(tmp_path: Path, base: str, path: str, message: str) -> None:
    settings = Settings(index_dir=tmp_path / "index", url_allowlist=["127.0.0.1"], max_url_bytes=50_000)
    with pytest.raises(LoadError) as info:
        fetch_url(base + path, settings)
    assert info.value.input == base + path
    assert info.value.message.startswith(message), info.value.message


@pytest.mark.parametrize("path", ["/slow", "/dribble"])
def test_slow_server_times_out(tmp_path: Path, base: str, path: str) -> None:
    settings = Settings(index_dir=tmp_path / "index", url_allowlist=["127.0.0.1"], url_timeout=1)
    started = time.monotonic()
    with pytest.raises(LoadError, match=r"timed out after 1s"):
        fetch_url(base + path, settings)
    # Bounded by the 1 s deadline, far below what the server would take (10 s / 20 s); generous for busy CI.
    assert time.monotonic() - started < 5


def test_iter_load_mixes_urls_and_files(tmp_path: Path, base: str, settings: Settings) -> None:
    good = tmp_path / "local.txt"
    good.write_text("Local Title\n\nLocal body.")
    inputs = [f"{base}/article.html", f"{base}/image.png", str(good), "http://10.0.0.1/"]
    results = list(iter_load(inputs, settings))
    assert [inp for inp, _ in results] == inputs
    assert [type(r).__name__ for _, r in results] == ["list", "LoadError", "list", "LoadError"]


# --- HTTPS: the request goes to the checked IP, but TLS verifies the host name ------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=newsdesk.test",
         "-addext", "subjectAltName=DNS:newsdesk.test"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = QuietServer(("127.0.0.1", 0), Handler)
    srv.paths = []  # type: ignore[attr-defined]
    srv.hosts = []  # type: ignore[attr-defined]
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv.server_address[1], cert
    srv.shutdown()
    srv.server_close()


def test_https_pins_ip_and_verifies_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tls_server: tuple[int, Path]
) -> None:
    port, cert = tls_server
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: str, *args: object, **kwargs: object) -> list[tuple]:
        if host in ("newsdesk.test", "other.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    settings = Settings(index_dir=tmp_path / "index", url_allowlist=["newsdesk.test", "other.test"])
    # A caller's client with default pooling: fetch_url must still not reuse the first TLS connection.
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), trust_env=False) as client:
        fetched = fetch_url(f"https://newsdesk.test:{port}/news.txt", settings, client=client)
        assert fetched.url == f"https://newsdesk.test:{port}/news.txt"
        assert fetched.body == SEED.read_bytes()
        # Same IP, but the certificate is not for other.test: TLS must check the name, not the IP.
        with pytest.raises(LoadError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            fetch_url(f"https://other.test:{port}/news.txt", settings, client=client)


def test_callers_client_cannot_follow_redirects_past_the_guard(base: str, settings: Settings) -> None:
    with (
        httpx.Client(follow_redirects=True, trust_env=False) as client,
        pytest.raises(LoadError, match=r"redirected to http://10\.0\.0\.1/secret: refusing"),
    ):
        fetch_url(f"{base}/to-private", settings, client=client)
