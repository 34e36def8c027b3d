"""A news site on loopback for the feed tests and bench: an RSS and an Atom feed, their article pages, ETag support,
a feed that hangs and one that serves garbage. Every request is counted by path."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

SUBJECTS = ["harbour", "council", "rail line", "library", "bridge", "orchard", "stadium", "clinic", "ferry", "museum"]


def story(n: int) -> str:
    """A distinct, indexable article body for item n (three paragraphs)."""
    subject = SUBJECTS[n % len(SUBJECTS)]
    return (
        f"The town of Ashby number {n} approved a new plan for its {subject} on Tuesday after a long debate.\n\n"
        f"Officials said the {subject} project {n} would cost {n * 3 + 7} million euros and take {n % 5 + 2} years.\n\n"
        f"Residents of district {n} welcomed the decision, while critics warned about delays and rising costs."
    )


def page_html(title: str, body: str) -> str:
    paras = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    return f"<html><head><title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>{paras}</article></body></html>"


class Site:
    """Mutable site state; `items` are (n, title, has_page)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, bool]] = []
        self.hits: Counter[str] = Counter()
        self.base = ""
        self.version = 0
        self.hang = threading.Event()

    def add_items(self, ns: range | list[int], *, page: bool = True) -> None:
        self.items += [(n, f"Story {n}: Ashby {SUBJECTS[n % len(SUBJECTS)]} plan", page) for n in ns]
        self.version += 1

    def etag(self) -> str:
        return f'"v{self.version}"'

    def rss(self) -> str:
        t0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        entries = "".join(
            f"<item><title>{escape(t)}</title><link>{self.base}/a/{n}.html</link><guid>{self.base}/a/{n}.html</guid>"
            f"<author>desk{n}@example.org (Reporter {n})</author>"
            f"<pubDate>{format_datetime(t0 + timedelta(minutes=n))}</pubDate>"
            f"<description>{escape(story(n))}</description></item>"
            for n, t, _ in self.items
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Ashby Gazette</title>'
            f"<link>{self.base}/</link><description>Local news</description>{entries}</channel></rss>"
        )

    def atom(self) -> str:
        entries = "".join(
            f'<entry><title>{escape(t)}</title><link href="{self.base}/a/{n}.html"/><id>urn:ashby:{n}</id>'
            f"<updated>2026-11-30T09:{n % 60:02d}:00Z</updated><author><name>Atom Writer {n}</name></author>"
            f'<content type="html">{escape("".join(f"<p>{p}</p>" for p in story(n).split(chr(10) * 2)))}</content>'
            "</entry>"
            for n, t, _ in self.items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Ashby Atom</title><id>urn:ashby</id><updated>2026-11-30T10:00:00Z</updated>{entries}</feed>"
        )


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def send(
            self, status: int, body: str = "", ctype: str = "text/html", headers: dict[str, str] | None = None
        ) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if status != 304:
                self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path
            site.hits[path] += 1
            if path in ("/rss.xml", "/atom.xml"):
                if self.headers.get("If-None-Match") == site.etag():
                    self.send(304, headers={"ETag": site.etag()})
                    return
                body, ctype = (
                    (site.rss(), "application/rss+xml") if path == "/rss.xml" else (site.atom(), "application/atom+xml")
                )
                self.send(200, body, ctype, {"ETag": site.etag()})
            elif path == "/garbage.xml":
                self.send(200, "<html><body>this is not a feed <<<", "application/xml")
            elif path == "/hang.xml":
                site.hang.wait(10)
                self.send(200, site.rss(), "application/rss+xml")
            elif path.startswith("/a/") and path.endswith(".html"):
                n = int(path[3:-5])
                match = [(t, page) for m, t, page in site.items if m == n]
                if not match or not match[0][1]:
                    self.send(404, "gone")
                    return
                self.send(200, page_html(match[0][0], story(n)))
            else:
                self.send(404, "not found")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out makes the hanging handler's write fail: expected


@contextmanager
def serve_site() -> Iterator[Site]:
    site = Site()
    srv = _Server(("127.0.0.1", 0), make_handler(site))
    site.base = f"http://127.0.0.1:{srv.server_address[1]}"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.hang.set()
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)
        time.sleep(0)
