"""The Ask tab's conversations in headless Chromium (issue 17): saved across a reload (browser localStorage), listed,
reopened and deleted; a copy button per answer; Esc stops a running answer and Retry asks it again; the Markdown
export carries the sources as /api gives them; Enter sends, [n] citations are reachable by keyboard, controls are named.

One server for the module: `newsdesk serve`'s app (API + web, app.serve.server.build_app) in this process over a real
Newsdesk (embedded Chroma, MiniLM, the extractive engine and support checker) holding the sample article. The only
scripted part is a gate that holds the next answer after its first words, so stopping it is not a race."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.answer.render import answer_markdown
from app.models import Answer, AnswerDelta, AnswerEvent
from app.services import Newsdesk
from app.settings import Settings
from tests.conftest import SEED_FILE
from tests.fakes import serve_in_thread
from tests.test_web_browser import WAIT_MS, Session, ask, browser, last_answer, open_citation, shot  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HOLD_SECONDS = 60
"""Bound on how long a held answer waits to be stopped: on timeout it goes on, and the test fails instead of hanging."""
ARMY = "How large may Ukraine's army be under the 28-point plan?"
PESKOV = "What did Kremlin spokesman Dmitry Peskov say about consultations?"
EU = "How did EU foreign ministers react to the plan?"


class HoldDesk(Newsdesk):
    """A real Newsdesk whose next answer, once `hold` is set, shows its first words and then waits for `release`."""

    def __init__(self, settings: Settings, embeddings: object) -> None:
        super().__init__(settings, embeddings=embeddings)  # type: ignore[arg-type]
        self.hold = threading.Event()
        self.release = threading.Event()

    def stream_ask(self, question: str, **options: Any) -> Iterator[AnswerEvent]:  # type: ignore[override]
        if self.hold.is_set():
            self.hold.clear()
            yield AnswerDelta(text="Reading the passages")
            self.release.wait(HOLD_SECONDS)
        yield from super().stream_ask(question, **options)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embeddings: object) -> Iterator[tuple[str, HoldDesk]]:
    from app.serve.server import build_app

    folder = tmp_path_factory.mktemp("web-chat")
    settings = Settings(_env_file=None, index_dir=folder / "index", host="127.0.0.1")  # type: ignore[call-arg]
    desk = HoldDesk(settings, embeddings)
    assert not desk.ingest([SEED_FILE]).errors
    app = build_app(settings, desk=desk, ensure_sample=False, feeds=False)
    with serve_in_thread(app, lifespan="on") as url:
        yield url, desk


@pytest.fixture
def session(browser: Any, served: tuple[str, HoldDesk]) -> Iterator[Session]:  # noqa: F811
    s = Session(browser, served[0])
    try:
        yield s
    finally:
        s.context.close()
    assert s.external_requests() == [], "the page requested non-loopback URLs"


def send_with_enter(page: Any, question: str) -> None:
    """Type a question and press Enter (no click); wait for its verified answer."""
    before = page.locator("#nd-chat .bot-row .nd-meta").count()
    page.fill("#nd-question textarea", question)
    page.press("#nd-question textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#nd-chat .bot-row .nd-meta').length > n", arg=before, timeout=WAIT_MS
    )


def reload(session: Session) -> Any:
    """Load the page again and wait until the saved conversations are restored (the list is filled on load)."""
    page = session.open()
    page.wait_for_function(f"() => document.querySelectorAll({LABELS!r}).length > 0", timeout=30_000)
    return page


LABELS = "#nd-history label:has(input[type=radio])"


def history_labels(page: Any) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in page.locator(LABELS).all_inner_texts()]


def wait_answers(page: Any, n: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('#nd-chat .bot-row .nd-meta').length === n", arg=n, timeout=30_000
    )


def test_conversations_survive_a_reload_and_can_be_reopened_and_deleted(session: Session) -> None:
    page = session.open()
    send_with_enter(page, ARMY)  # Enter sends
    assert "600,000" in last_answer(page).inner_text()
    send_with_enter(page, "What would it receive in exchange?")
    page = reload(session)
    wait_answers(page, 2)  # the open conversation came back, answers verified as before
    assert page.locator("#nd-chat .user-row").count() == 2 and "600,000" in page.inner_text("#nd-chat")
    card, quote = open_citation(page, page.locator("#nd-chat .bot-row").first.locator("a.nd-cite").first)
    assert "600,000" in quote and card.get_attribute("id").startswith("nd-src-a1-")  # its sources too
    labels = history_labels(page)
    assert len(labels) == 1 and labels[0].startswith(ARMY[:40]) and "2 questions" in labels[0]

    page.click("#nd-new")
    wait_answers(page, 0)
    send_with_enter(page, PESKOV)
    page.wait_for_function(f"() => document.querySelectorAll({LABELS!r}).length === 2", timeout=30_000)
    page = reload(session)
    wait_answers(page, 1)  # the last open conversation reopens
    assert "Peskov" in page.inner_text("#nd-chat .user-row") and history_labels(page)[0].startswith("What did Kremlin")
    shot(page, "09_ask_saved_conversations")

    page.locator(LABELS).filter(has_text=ARMY[:30]).click()  # reopen the first
    wait_answers(page, 2)
    assert ARMY in page.inner_text("#nd-chat")
    send_with_enter(page, "What did EU foreign ministers say?")  # a follow-up continues the reopened conversation
    page.wait_for_function(
        "() => /3 questions/.test(document.querySelector('#nd-history label')?.innerText || '')", timeout=30_000
    )

    page.click("#nd-delete")
    wait_answers(page, 0)
    page.wait_for_function(f"() => document.querySelectorAll({LABELS!r}).length === 1", timeout=30_000)
    page = reload(session)
    labels = history_labels(page)
    assert len(labels) == 1 and labels[0].startswith("What did Kremlin")  # the deletion was saved
    assert page.locator("#nd-chat .bot-row").count() == 0  # nothing was open when the page closed


def test_copy_button_copies_the_answer_with_its_sources(session: Session) -> None:
    session.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = session.open()
    ask(page, ARMY)
    button = last_answer(page).get_by_role("button", name="Copy this answer with its sources")
    button.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('button.nd-copy')].some(b => b.innerText === 'Copied')", timeout=10_000
    )
    copied = page.evaluate("() => navigator.clipboard.readText()")
    first_sentence = last_answer(page).locator(".nd-sent").first.inner_text().strip()
    unmarked = re.sub(r"\s*\[\d+\]", "", copied)
    assert unmarked.startswith(first_sentence) and "600,000 troops" in copied and "[1]" in copied  # as shown, [n] kept
    assert "**Sources**" in copied and "newsdesk://article/" in copied and "> “" in copied  # with its sources


def test_escape_stops_a_running_answer_and_retry_asks_it_again(session: Session, served: tuple[str, HoldDesk]) -> None:
    desk = served[1]
    page = session.open()
    desk.release.clear()
    desk.hold.set()
    page.fill("#nd-question textarea", PESKOV)
    page.press("#nd-question textarea", "Enter")
    page.wait_for_selector("#nd-chat .nd-streaming", timeout=WAIT_MS)  # its first words are showing
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => !document.querySelector('#nd-chat .nd-streaming, #nd-chat .nd-pending')", timeout=30_000
    )
    assert page.locator("#nd-chat .user-row").count() == 0  # the unfinished turn is gone...
    assert page.input_value("#nd-question textarea") == PESKOV  # ...and the question is back in the box
    desk.release.set()  # the held worker goes on; its words reach nobody
    page.wait_for_timeout(1500)
    assert page.locator("#nd-chat .bot-row").count() == 0  # a stopped answer never arrives later

    page.click("#nd-retry")
    wait_answers(page, 1)
    assert "Peskov" in last_answer(page).inner_text() and page.input_value("#nd-question textarea") == ""
    desk.release.clear()
    desk.hold.set()
    page.click("#nd-retry")  # retry the answered question: its answer is replaced, not added
    page.wait_for_selector("#nd-chat .nd-streaming", timeout=WAIT_MS)
    assert page.locator("#nd-chat .user-row").count() == 1 and page.locator("#nd-chat .nd-meta").count() == 0
    desk.release.set()
    wait_answers(page, 1)
    assert page.locator("#nd-chat .user-row").count() == 1 and "Peskov" in last_answer(page).inner_text()


def test_export_is_markdown_with_the_sources_the_api_gives(
    session: Session, served: tuple[str, HoldDesk], tmp_path: Path
) -> None:
    page = session.open()
    assert page.locator("#nd-export").is_disabled()  # nothing to export yet
    ask(page, ARMY)
    ask(page, EU)
    page.wait_for_function("() => !document.querySelector('#nd-export').disabled", timeout=30_000)
    with page.expect_download(timeout=30_000) as info:
        page.click("#nd-export")
    assert info.value.suggested_filename.startswith("conversation-how-large-may-ukraine")
    saved = tmp_path / "conversation.md"
    info.value.save_as(saved)
    markdown = saved.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {ARMY}") and f"## 1. {ARMY}" in markdown and f"## 2. {EU}" in markdown
    # The same question through the HTTP API renders to the same Markdown: text, verdict, sources and quotes.
    request = urllib.request.Request(
        f"{served[0]}/api/ask",
        data=json.dumps({"question": ARMY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=WAIT_MS / 1000) as response:
        api_answer = Answer.model_validate(json.load(response))
    section = markdown.split(f"## 1. {ARMY}\n\n", 1)[1].split("\n\n## 2.", 1)[0]
    assert section.strip() == answer_markdown(api_answer).strip()
    assert "**Sources**" in section and "> “" in section


def test_keyboard_reaches_citations_and_every_control_is_named(session: Session) -> None:
    page = session.open()
    ask(page, ARMY)
    cite = last_answer(page).locator("a.nd-cite").first
    assert cite.get_attribute("aria-label") == "Source 1"
    cite.focus()
    assert page.evaluate("() => document.activeElement.classList.contains('nd-cite')")  # focusable
    page.keyboard.press("Enter")
    page.wait_for_function("() => (document.activeElement.id || '').startsWith('nd-src-a1-1')", timeout=10_000)
    assert page.locator("#nd-src-a1-1 mark").count() == 1

    tab = page.locator("#nd-chat").locator("xpath=ancestor::*[@role='tabpanel'][1]")
    snapshot = tab.aria_snapshot()
    unnamed = [
        line.strip()
        for line in snapshot.splitlines()
        if re.match(r"\s*- (button|textbox|radio|link|combobox|checkbox|radiogroup|group|log)\b(?!\s+\")", line)
    ]
    assert unnamed == [], snapshot
    for name in ("Ask", "Stop", "Retry", "New conversation", "Delete conversation", "Export Markdown"):
        assert tab.get_by_role("button", name=name, exact=True).count() == 1, name
    assert tab.get_by_role("textbox", name="Question").count() == 1
