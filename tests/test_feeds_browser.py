"""The Library tab's feeds in headless Chromium (issue 16): `python -m app.cli serve` on
a loopback port, a loopback feed site (allowlisted), follow a feed, refresh it, see every item's line and the feed's
last refresh; the scheduler is off so the button does the refresh."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.feed_site import Site, serve_site
from tests.test_web_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, WAIT_MS, shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve_site() as s:
        s.add_items(range(2))
        yield s


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.procs import free_port, server_env, start_server, stop_server

    folder = tmp_path_factory.mktemp("feeds-web")
    port = free_port()
    env = server_env(folder, port, url_allowlist='["127.0.0.1"]', feed_check_seconds="0")
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-sample"]
    proc = start_server(cmd, url + "/", folder / "server.log", timeout=300, env=env, cwd=ROOT)
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            pg.goto(server, wait_until="domcontentloaded")
            yield pg
        finally:
            browser.close()


def test_follow_a_feed_refresh_it_and_see_every_item(page: Any, site: Site) -> None:
    page.get_by_role("tab", name="Library").click()
    page.get_by_text("Follow feeds (RSS / Atom)").click()
    page.fill("#nd-feed-url textarea, #nd-feed-url input", site.base + "/rss.xml")
    page.click("#nd-feed-add")
    page.wait_for_selector(f"#nd-feeds >> text={site.base}/rss.xml", timeout=60_000)
    assert "not yet refreshed" in page.inner_text("#nd-feeds")
    page.click("#nd-feed-refresh")
    page.wait_for_selector("#nd-ingest-status >> text=2 added", timeout=WAIT_MS)
    status = page.inner_text("#nd-ingest-status")
    assert "Story 0: Ashby harbour plan" in status and "Story 1: Ashby council plan" in status
    page.wait_for_selector("#nd-feeds >> text=Ashby Gazette", timeout=30_000)
    assert "2 new" in page.inner_text("#nd-feeds")
    page.wait_for_function(
        "() => (document.querySelector('#nd-library')?.innerText || '').includes('Story 1: Ashby council plan')",
        timeout=30_000,
    )
    shot(page, "feeds_01_refreshed")

    page.click("#nd-feed-refresh")  # unchanged feed: a 304, nothing added
    page.wait_for_selector("#nd-ingest-status >> text=unchanged (1 request)", timeout=WAIT_MS)
    assert "0 added" in page.inner_text("#nd-ingest-status")
    assert site.hits["/a/0.html"] == 1
