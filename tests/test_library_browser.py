"""The Library tab at scale in headless Chromium (issue 19): the real web app (build_app: API + Gradio) over a real
embedded index of 120 generated articles, served on loopback in this process. Search, filter by source, sort, page,
open an article, then remove several behind the confirmation that counts them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.services import Newsdesk
from app.settings import Settings
from app.store.catalogue import ArticleQuery
from tests.fakes import serve_in_thread
from tests.test_library import HashEmbeddings, reference_match, write
from tests.test_web_browser import CHROMIUM, CHROMIUM_ARGS, shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

N = 120
WAIT = 60_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, make_articles: Any) -> Iterator[tuple[str, Newsdesk, list[Any]]]:
    from app.serve.server import build_app

    folder = tmp_path_factory.mktemp("library-web")
    settings = Settings(_env_file=None, index_dir=folder / "index")  # type: ignore[call-arg]
    desk = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    articles = make_articles(N, seed=21)
    write(desk, articles)
    app = build_app(settings, desk=desk, ensure_sample=False)
    with serve_in_thread(app, lifespan="on") as url:  # lifespan: the Gradio queue starts there
        yield url, desk, articles


@pytest.fixture(scope="module")
def page(served: tuple[str, Newsdesk, list[Any]]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            pg = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
            pg.goto(served[0], wait_until="domcontentloaded")
            pg.get_by_role("tab", name="Library").click()
            yield pg
        finally:
            browser.close()


def count_text(page: Any) -> str:
    return str(page.inner_text("#nd-lib-count"))


def wait_count(page: Any, pattern: str) -> None:
    page.wait_for_function(
        "p => new RegExp(p).test(document.querySelector('#nd-lib-count')?.innerText || '')", arg=pattern, timeout=WAIT
    )


def shows(page: Any, ids: list[str]) -> bool:
    """The table shows these rows in this order (the rendered ones: the table draws only what is in view)."""
    seen = re.findall(r"\b[0-9a-f]{16}\b", page.inner_text("#nd-library"))
    return len(seen) >= 5 and seen == ids[: len(seen)]


def test_first_view_is_one_page_with_the_total(page: Any, served: tuple[str, Newsdesk, list[Any]]) -> None:
    _, desk, _ = served
    wait_count(page, f"Articles 1–25 of {N}")
    first = desk.library(ArticleQuery(limit=25)).items
    page.wait_for_function(
        "t => (document.querySelector('#nd-library')?.innerText || '').includes(t)", arg=first[0].id, timeout=WAIT
    )
    assert shows(page, [a.id for a in first])
    shot(page, "library-first-page")


def test_next_page_then_search_then_source_filter(page: Any, served: tuple[str, Newsdesk, list[Any]]) -> None:
    _, desk, articles = served
    page.click("#nd-lib-next")
    wait_count(page, f"Articles 26–50 of {N}")
    assert shows(page, [a.id for a in desk.library(ArticleQuery(limit=25, offset=25)).items])

    word = "protesters"
    want = sum(reference_match(a, word) for a in articles)
    page.fill("#nd-lib-search textarea, #nd-lib-search input", word)
    page.press("#nd-lib-search textarea, #nd-lib-search input", "Enter")
    wait_count(page, f"of {want} matching")

    source = Counter(a.source for a in articles).most_common(1)[0][0]
    both = sum(reference_match(a, word) and a.source == source for a in articles)
    page.click("#nd-lib-source input")
    page.get_by_role("option", name=re.compile(re.escape(source))).first.click()
    wait_count(page, f"of {both} matching")
    shown = desk.library(ArticleQuery(q=word, source=source, limit=25)).items
    assert shows(page, [a.id for a in shown]) if len(shown) >= 5 else True
    shot(page, "library-search-and-source")


def test_row_opens_the_article_with_its_passages(page: Any, served: tuple[str, Newsdesk, list[Any]]) -> None:
    _, desk, articles = served
    source = Counter(a.source for a in articles).most_common(1)[0][0]
    first = desk.library(ArticleQuery(q="protesters", source=source, limit=1)).items[0]
    page.locator(f"#nd-library >> text={first.id} >> visible=true").first.click()
    page.wait_for_selector("#nd-lib-article .nd-passage", timeout=WAIT)
    view = page.locator("#nd-lib-article")
    assert view.locator(".nd-passage").count() == 2  # the test index writes two passages per article
    assert first.title in view.inner_text() and "Passages" in view.inner_text()


def test_bulk_remove_confirms_with_counts(page: Any, served: tuple[str, Newsdesk, list[Any]]) -> None:
    _, desk, _ = served
    total_before = desk.library(ArticleQuery(limit=0)).total
    page.get_by_text("Select articles to remove").click()
    boxes = page.locator("#nd-lib-select input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#nd-lib-remove")
    page.wait_for_selector("#nd-lib-confirm-text", timeout=WAIT)
    assert "Remove 2 articles and their 4 passages" in page.inner_text("#nd-lib-confirm-text")
    assert desk.library(ArticleQuery(limit=0)).total == total_before, "nothing goes before the confirmation"
    page.click("#nd-lib-confirm")
    page.wait_for_function(
        f"() => /{total_before - 2:,} articles? ·/.test(document.querySelector('#nd-status')?.innerText || '')",
        timeout=WAIT,
    )
    assert desk.library(ArticleQuery(limit=0)).total == total_before - 2
    shot(page, "library-after-bulk-remove")
