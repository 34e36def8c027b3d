"""The Briefing tab with several outlets' reports of one story (issue 15), in headless Chromium: a disputed item names
each side with its outlet, date and exact words, and its citation opens the quoted source. Screenshot:
$NEWSDESK_ARTIFACTS_DIR/screenshots/05_briefing_disputed.png. Its own server: the corpus would change what the shared
one answers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_browser import WAIT_MS, Session, browser, open_citation, shot, squash  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "evals" / "briefings" / "bridge"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`newsdesk serve` over an index holding the four outlets' reports of the bridge story."""
    from tests.procs import free_port, server_env, start_server, stop_server

    folder = tmp_path_factory.mktemp("web-corpus")
    port = free_port()
    env = server_env(folder, port)
    files = [str(p) for p in sorted(CORPUS.glob("*.json"))]
    subprocess.run([sys.executable, "-m", "app.cli", "ingest", *files], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    proc = start_server([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], url + "/",
                        folder / "server.log", timeout=300, env=env, cwd=ROOT)  # fmt: skip
    try:
        yield url
    finally:
        stop_server(proc)


def test_briefing_tab_shows_a_disputed_item_side_by_side(browser: Any, corpus_server: str) -> None:  # noqa: F811
    s = Session(browser, corpus_server)
    try:
        page = s.open()
        page.get_by_role("tab", name="Briefing").click()
        page.click("#nd-brief")  # no selection: the whole library, i.e. the four outlets
        page.wait_for_selector(".nd-briefing h2", timeout=WAIT_MS)
        dispute = page.locator(".nd-dispute").filter(has_text="60 million").first
        dispute.wait_for(state="visible", timeout=30_000)
        text = squash(dispute.inner_text())
        assert "42 million" in text and "60 million" in text
        for outlet in ("Portwell Herald (4 Mar)", "Coastal Times (4 Mar)", "Metro Wire (5 Mar)"):
            assert outlet in text, text
        assert "“The repair bill for the bridge will reach £60 million”" in text
        side = dispute.locator(".nd-side").filter(has_text="Coastal Times")
        card, quote = open_citation(page, side.locator("a.nd-cite").first)
        assert card.is_visible()
        assert "£60 million" in quote
        dispute.scroll_into_view_if_needed()
        shot(page, "05_briefing_disputed")
        assert page.locator(".nd-briefing .nd-agree").count() >= 1  # 'reported by k of 4 sources'
    finally:
        s.context.close()
    assert s.external_requests() == [], "the page requested non-loopback URLs"
