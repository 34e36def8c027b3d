"""The web app end to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright; never `playwright install`).

Covers: asking about the sample article (streamed answer, clickable citation, source with the highlighted quote, a
follow-up), a briefing with its Markdown download, uploading an article and asking about it, two sessions with separate
histories, an evaluation run, readable errors — and that every request the page makes goes to the loopback server.
Screenshots of each view go to $NEWSDESK_ARTIFACTS_DIR/screenshots (default artifacts/screenshots)."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from app.answer.engines import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
# Read at import: the autouse fixture in conftest.py clears NEWSDESK_* variables for each test.
ARTIFACTS = Path(os.environ.get("NEWSDESK_ARTIFACTS_DIR") or ROOT / "artifacts")
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
SAMPLE_TEXT = (ROOT / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt").read_text(encoding="utf-8")
SAMPLE_TITLE = "Zelenskyy Cautious on US Plan, EU Rejects Concessions"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WAIT_MS = 240_000  # bounded waits for answers on a loaded 2-core machine

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Session:
    """One browser context (= one user) with every request it made."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.url = url

    def open(self) -> Any:
        self.page.goto(self.url, wait_until="domcontentloaded")
        self.page.wait_for_selector("#nd-question textarea", timeout=60_000)
        self.page.wait_for_function(
            "() => /\\d+ articles? ·/.test(document.querySelector('#nd-status')?.innerText || '')", timeout=60_000
        )
        return self.page

    def external_requests(self) -> list[str]:
        out = []
        for u in self.requests:
            parsed = urlparse(u)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in LOOPBACK:
                out.append(u)
        return out


@pytest.fixture
def session(browser: Any, web_server: str) -> Iterator[Session]:
    s = Session(browser, web_server)
    try:
        yield s
    finally:
        s.context.close()
    assert s.requests, "no request was recorded"
    assert s.external_requests() == [], "the page requested non-loopback URLs"


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def bot_count(page: Any) -> int:
    return int(page.locator("#nd-chat .bot-row").count())


def ask(page: Any, question: str) -> dict[str, float]:
    """Type a question, press Ask; wait for the streamed text and then the verified answer. Returns timings (s)."""
    before = bot_count(page)
    page.fill("#nd-question textarea", question)
    t0 = time.perf_counter()
    page.click("#nd-ask")
    page.wait_for_function(
        """n => { const rows = document.querySelectorAll('#nd-chat .bot-row');
                  if (rows.length <= n) return false;
                  const r = rows[rows.length - 1]; return !!(r.querySelector('.nd-streaming, .nd-meta')); }""",
        arg=before, timeout=WAIT_MS,
    )  # fmt: skip
    first = time.perf_counter() - t0
    page.wait_for_function(
        "n => { const rows = document.querySelectorAll('#nd-chat .bot-row'); return rows.length > n && !!rows[rows.length - 1].querySelector('.nd-meta'); }",
        arg=before,
        timeout=WAIT_MS,
    )
    done = time.perf_counter() - t0
    return {"first_text_s": round(first, 3), "answer_s": round(done, 3)}


def last_answer(page: Any) -> Any:
    return page.locator("#nd-chat .bot-row").last


def open_citation(page: Any, cite: Any) -> tuple[Any, str]:
    """Click a [n] and return the source card it points at and the highlighted quote."""
    target = cite.get_attribute("href").lstrip("#")
    cite.click()
    card = page.locator(f"#{target}")
    card.wait_for(state="visible", timeout=30_000)
    page.wait_for_function(
        "id => { const r = document.getElementById(id).getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0; }",
        arg=target,
        timeout=10_000,
    )
    mark = card.locator("mark").first
    return card, squash(mark.inner_text())


def assert_in_paragraph(card: Any, quote: str, article_text: str) -> None:
    """The highlighted quote is exact article text and is shown inside its whole paragraph."""
    assert quote, "no highlighted quote"
    paragraph = next((squash(line) for line in article_text.splitlines() if quote in squash(line)), None)
    assert paragraph is not None, f"quote is not article text: {quote!r}"
    context = squash(card.locator("blockquote").inner_text())
    assert quote in context
    assert context == paragraph or squash(context.strip("… ")) in paragraph, (context, paragraph)


def test_ask_the_sample_article_and_open_the_cited_source(session: Session) -> None:
    page = session.open()
    assert "Answering with" in page.inner_text("#nd-status")
    shot(page, "01_ask_empty")

    first = ask(page, "How large may Ukraine's army be under the 28-point plan?")
    answer = last_answer(page)
    assert "600,000" in answer.inner_text()
    cites = answer.locator("a.nd-cite")
    assert cites.count() >= 1
    card, quote = open_citation(page, cites.first)
    assert_in_paragraph(card, quote, SAMPLE_TEXT)
    assert SAMPLE_TITLE in card.inner_text()
    shot(page, "02_ask_answer_with_source")

    follow = ask(page, "What would it receive in exchange?")
    assert page.locator("#nd-chat .user-row").count() == 2
    followed = last_answer(page).inner_text()
    assert "security guarantees" in followed or "The indexed articles don" in followed

    # Citations of the earlier answer still open that answer's sources.
    card, old_quote = open_citation(page, page.locator("#nd-chat .bot-row").first.locator("a.nd-cite").first)
    assert_in_paragraph(card, old_quote, SAMPLE_TEXT)
    assert card.get_attribute("id").startswith("nd-src-a1-")

    ask(page, "What did Kremlin spokesman Dmitry Peskov say about consultations?")
    answer = last_answer(page)
    card, quote = open_citation(page, answer.locator("a.nd-cite").first)
    assert_in_paragraph(card, quote, SAMPLE_TEXT)
    assert "Peskov" in card.locator("blockquote").inner_text()
    shot(page, "03_ask_follow_up")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timing = {"first_question": first, "follow_up": follow}
    (ARTIFACTS / "web_time_to_first_answer.json").write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
    print(f"time to first answer on the sample article: {timing}")


def test_example_question_runs_on_click(session: Session) -> None:
    page = session.open()
    page.locator("#nd-chat").get_by_text("How did EU foreign ministers react to the plan?").click()
    page.wait_for_selector("#nd-chat .bot-row .nd-meta", timeout=WAIT_MS)
    assert "How did EU foreign ministers react to the plan?" in page.inner_text("#nd-chat .user-row")
    assert last_answer(page).locator("a.nd-cite").count() >= 1


def test_unanswerable_question_is_a_clear_abstention(session: Session) -> None:
    page = session.open()
    ask(page, "What is the population of Mars according to NASA?")
    answer = last_answer(page)
    assert answer.locator(".nd-abstain").count() == 1
    assert "The indexed articles don" in answer.inner_text()


def test_briefing_with_citations_and_markdown_download(session: Session, tmp_path: Path) -> None:
    page = session.open()
    page.get_by_role("tab", name="Briefing").click()
    page.click("#nd-brief-articles input")
    page.get_by_role("option", name=re.compile("Zelenskyy")).first.click()
    page.get_by_label("Short").check()
    page.click("#nd-brief")
    page.wait_for_selector(".nd-briefing h2", timeout=WAIT_MS)
    briefing = page.locator(".nd-briefing")
    assert briefing.locator("a.nd-cite").count() >= 1
    card, quote = open_citation(page, briefing.locator("a.nd-cite").first)
    assert_in_paragraph(card, quote, SAMPLE_TEXT)
    shot(page, "04_briefing")

    with page.expect_download(timeout=30_000) as info:
        page.click("#nd-download")
    saved = tmp_path / "briefing.md"
    info.value.save_as(saved)
    markdown = saved.read_text(encoding="utf-8")
    headline = squash(page.inner_text(".nd-briefing h2"))
    assert headline in squash(markdown) and "[1]" in markdown


def test_upload_an_article_then_find_it_and_ask_about_it(session: Session, tmp_path: Path) -> None:
    note = tmp_path / "tallinn_harbour.md"
    note.write_text(
        "# Tallinn dock workers end harbour strike\n\n"
        "Dock workers in Tallinn ended a five-day harbour strike on Tuesday after the port authority agreed to a "
        "7 percent pay rise, union leader Mari Kask said.\n\n"
        "Ferries to Helsinki resumed their normal timetable on Wednesday morning.\n",
        encoding="utf-8",
    )
    page = session.open()
    page.get_by_role("tab", name="Library").click()
    page.set_input_files("#nd-upload input[type=file]", str(note))
    page.wait_for_selector("#nd-upload >> text=tallinn_harbour.md", timeout=WAIT_MS)
    page.click("#nd-add")
    page.wait_for_selector("#nd-ingest-status >> text=Added", timeout=WAIT_MS)
    page.wait_for_selector("#nd-library >> text=Tallinn dock workers end harbour strike", timeout=30_000)
    assert SAMPLE_TITLE in page.inner_text("#nd-library")
    shot(page, "05_library")

    page.get_by_role("tab", name="Ask").click()
    ask(page, "How big a pay rise did the Tallinn dock workers get?")
    answer = last_answer(page)
    assert "7 percent" in answer.inner_text()
    card, quote = open_citation(page, answer.locator("a.nd-cite").first)
    assert "Tallinn dock workers end harbour strike" in card.inner_text()
    assert "7 percent" in card.locator("blockquote").inner_text()
    assert_in_paragraph(card, quote, note.read_text(encoding="utf-8"))
    shot(page, "06_ask_uploaded_article")


def test_two_sessions_keep_separate_histories(browser: Any, web_server: str) -> None:
    a, b = Session(browser, web_server), Session(browser, web_server)
    try:
        pa, pb = a.open(), b.open()
        pa.fill("#nd-question textarea", "What did the Kremlin say about consultations?")
        pb.fill("#nd-question textarea", "How did EU foreign ministers react to the plan?")
        pa.click("#nd-ask")
        pb.click("#nd-ask")
        for p in (pa, pb):
            p.wait_for_function("() => !!document.querySelector('#nd-chat .bot-row .nd-meta')", timeout=WAIT_MS)
        chat_a, chat_b = pa.inner_text("#nd-chat"), pb.inner_text("#nd-chat")
        assert "Kremlin" in chat_a and "EU foreign ministers" not in chat_a
        assert "EU foreign ministers" in chat_b and "Kremlin say" not in chat_b
        assert pa.locator("#nd-chat .user-row").count() == 1 and pb.locator("#nd-chat .user-row").count() == 1
        assert a.external_requests() == [] and b.external_requests() == []
    finally:
        a.context.close()
        b.context.close()


def test_evaluation_run_shows_metrics_and_chart(session: Session, tmp_path: Path) -> None:
    dataset = tmp_path / "mini_eval.jsonl"
    dataset.write_text(
        '{"id": "m1", "question": "To what size must Ukraine limit its army?", "answers": ["600,000"], '
        '"evidence": ["Ukraine must limit the size of its army to 600,000 troops"], "answerable": true}\n'
        '{"id": "m2", "question": "Who is the Kremlin spokesman?", "answers": ["Dmitry Peskov"], '
        '"evidence": ["Kremlin spokesman Dmitry Peskov"], "answerable": true}\n'
        '{"id": "m3", "question": "What is the population of Mars?", "answers": [], "evidence": [], "answerable": false}\n',
        encoding="utf-8",
    )
    page = session.open()
    page.get_by_role("tab", name="Evaluate").click()
    page.set_input_files("#nd-eval-upload input[type=file]", str(dataset))
    page.wait_for_selector("#nd-eval-upload >> text=mini_eval.jsonl", timeout=WAIT_MS)
    page.click("#nd-eval")
    page.wait_for_selector("#nd-eval-table >> text=Citation precision", timeout=WAIT_MS)
    page.wait_for_selector("#nd-eval-chart img", timeout=30_000)
    table = page.inner_text("#nd-eval-table")
    assert "Answer accuracy" in table and "extractive" in table
    assert "report.md" in re.sub(r"\s+", "", page.inner_text("#nd-eval-files"))
    shot(page, "07_evaluate")


def test_errors_are_readable_messages(session: Session) -> None:
    page = session.open()
    page.get_by_role("tab", name="Library").click()
    page.click("#nd-add")
    toast = page.get_by_text("Nothing to add: upload a file, enter a URL or paste an article.")
    toast.wait_for(timeout=30_000)
    assert "Traceback" not in page.inner_text("body")


def choose_engine(page: Any, label: str) -> None:
    page.click("#nd-backend input")
    page.get_by_role("option", name=label).click()


def test_unconfigured_engine_is_a_readable_warning_and_reverts(session: Session) -> None:
    page = session.open()
    choose_engine(page, "OpenAI-compatible server")
    page.get_by_text("openai is not available").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#nd-backend input').value === 'Extractive (offline)'", timeout=30_000
    )
    assert "extractive (offline)" in page.inner_text("#nd-status")
    assert "Traceback" not in page.inner_text("body")


@pytest.mark.llm
def test_llamacpp_answers_stream_token_by_token(session: Session) -> None:
    page = session.open()
    choose_engine(page, REGISTRY["llamacpp"].title)  # the picker shows the registry's titles
    page.wait_for_function("() => /llama\\.cpp/.test(document.querySelector('#nd-status').innerText)", timeout=WAIT_MS)
    page.fill("#nd-question textarea", "How large may Ukraine's army be under the 28-point plan?")
    t0 = time.perf_counter()
    page.click("#nd-ask")
    page.wait_for_selector("#nd-chat .nd-streaming", timeout=WAIT_MS)  # partial text before verification
    first_token = time.perf_counter() - t0
    page.wait_for_selector("#nd-chat .bot-row .nd-meta", timeout=WAIT_MS)
    done = time.perf_counter() - t0
    answer = last_answer(page)
    assert answer.locator(".nd-streaming").count() == 0
    assert "SmolLM2" in answer.inner_text() or answer.locator(".nd-abstain").count() == 1
    shot(page, "08_ask_llamacpp")
    path = ARTIFACTS / "web_time_to_first_answer.json"
    timing = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    timing["llamacpp"] = {"first_text_s": round(first_token, 3), "answer_s": round(done, 3)}
    path.write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
