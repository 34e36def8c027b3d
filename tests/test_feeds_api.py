"""/api/feeds and the serve-time scheduler (issue 16) over a real loopback feed site, the real fetcher, model and an
embedded Chroma index; the API through FastAPI's TestClient (lifespan included)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.serve.api.app import create_api
from app.serve.feed_scheduler import FeedScheduler, attach_feed_scheduler
from app.services import Newsdesk
from app.settings import Settings
from bench.feed_site import Site, serve_site

WAIT_SECONDS = 30
"""Upper bound of every wait for the background thread."""


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        yield s


@pytest.fixture
def desk(tmp_path: Path, embeddings) -> Newsdesk:  # type: ignore[no-untyped-def]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        index_dir=tmp_path / "index",
        url_allowlist=["127.0.0.1"],
        url_timeout=3,
        feed_check_seconds=0.05,
    )
    return Newsdesk(settings, embeddings=embeddings)


def _until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_api_add_refresh_list_remove(site: Site, desk: Newsdesk) -> None:
    site.add_items(range(3))
    client = TestClient(create_api(desk))
    url = site.base + "/rss.xml"
    r = client.post("/api/feeds", json={"url": url, "every_seconds": 900})
    assert r.status_code == 201 and r.json()["every_seconds"] == 900 and "seen" not in r.json()
    assert client.post("/api/feeds", json={"url": "file:///etc/passwd"}).status_code == 400
    r = client.post("/api/feeds/refresh", json={})
    assert r.status_code == 201
    [result] = r.json()
    assert result["status"] == "ok" and len(result["report"]["added"]) == 3 and result["requests"] == 4
    r = client.post("/api/feeds/refresh", json={"url": url})
    assert r.status_code == 200 and r.json()[0]["status"] == "not-modified" and r.json()[0]["requests"] == 1
    listed = client.get("/api/feeds").json()
    assert [(f["title"], f["last_status"], f["last_added"]) for f in listed] == [("Ashby Gazette", "not-modified", 0)]
    assert client.post("/api/feeds/refresh", json={"url": site.base + "/nope.xml"}).status_code == 404
    assert client.delete("/api/feeds", params={"url": url}).status_code == 200
    assert client.delete("/api/feeds", params={"url": url}).status_code == 404
    assert len(client.get("/api/articles").json()["items"]) == 3


def test_api_ingest_reports_duplicates(site: Site, desk: Newsdesk) -> None:
    client = TestClient(create_api(desk))
    text = "The harbour of Ashby reopened on Monday after repairs. Ships returned the same afternoon, officials said."
    first = client.post("/api/articles", json={"text": text, "title": "Harbour reopens"})
    assert first.status_code == 201
    again = client.post("/api/articles", json={"text": text, "title": "Harbour reopens (wire copy)"})
    assert again.status_code == 200
    body = again.json()
    assert body["added"] == [] and body["duplicates"][0]["duplicate_of"] == first.json()["added"][0]["id"]


def test_serve_refreshes_due_feeds_in_the_background_without_blocking_answers(site: Site, desk: Newsdesk) -> None:
    site.add_items(range(2))
    desk.feed_add(site.base + "/hang.xml")  # hangs until the fetch times out: the scheduler is busy meanwhile
    desk.feed_add(site.base + "/atom.xml")
    app = create_api(desk)
    scheduler = attach_feed_scheduler(app, desk)
    assert isinstance(scheduler, FeedScheduler)
    with TestClient(app) as client:
        _until(lambda: site.hits["/hang.xml"] >= 1, "the scheduler to fetch the hanging feed")
        t0 = time.monotonic()
        assert client.get("/api/articles").status_code == 200  # answered while the refresh waits on the feed
        assert client.get("/api/feeds").status_code == 200
        assert time.monotonic() - t0 < desk.settings.url_timeout  # not queued behind the hanging fetch
        _until(lambda: len(desk.articles()) == 2, "the atom feed's items to be indexed")
        _until(lambda: desk.feeds.get(site.base + "/hang.xml").last_status == "error", "the hanging feed's error")  # type: ignore[union-attr]
    assert scheduler._thread is None  # stopped with the app
    errors = {f["url"]: f["last_error"] for f in TestClient(create_api(desk)).get("/api/feeds").json()}
    assert "timed out" in errors[site.base + "/hang.xml"] and errors[site.base + "/atom.xml"] is None
