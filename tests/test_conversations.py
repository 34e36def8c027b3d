"""Saved web-chat conversations (issue 17), without a browser: the stored list (load, save, delete, limits), the
Markdown export and copy text (the same rendering as /v1's Sources footer and the CLI's verdict line), and the Ask
tab's callbacks over a scripted Newsdesk (ask, save, reload, stop, retry, reopen, delete)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from app import cli
from app.answer.render import answer_markdown, check_line, sources_footer
from app.models import Answer, AnswerCheck, AnswerSentence, Citation
from app.serve.api import openai_compat as oc
from app.serve.web import chat
from app.serve.web import conversations as convs
from app.settings import Settings
from tests.fakes import FakeDesk

SAMPLE = Path(__file__).resolve().parents[1] / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"
WHEN = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)


def citation(n: int = 1, **kw: Any) -> Citation:
    base: dict[str, Any] = dict(n=n, article_id="a" * 16, title="Plan [draft]", source="Wire", chunk_id="c:0",
                                quote="Ukraine must limit its army to 600,000 troops", start=10, end=56,
                                published=datetime(2025, 11, 21, tzinfo=UTC))  # fmt: skip
    return Citation(**{**base, **kw})


def answer(question: str = "How large may the army be?", **kw: Any) -> Answer:
    base: dict[str, Any] = dict(
        question=question,
        answer="Ukraine must limit its army to 600,000 troops [1]. It would get guarantees [2].",
        sentences=[AnswerSentence(text="Ukraine must limit its army to 600,000 troops.", citations=[1], supported=True),
                   AnswerSentence(text="It would get guarantees.", citations=[2], supported=False,
                                  reason="no cited passage says so")],
        citations=[citation(1), citation(2, url="https://example.org/story", quote="security guarantees", start=80, end=99)],
        check=AnswerCheck(answers_question=True, answer_type="quantity", found="600,000"),
        backend="extractive", model="extractive",
    )  # fmt: skip
    return Answer(**{**base, **kw})


def conversation(n_turns: int = 2, conv_id: str = "c1") -> convs.SavedConversation:
    turns = [convs.SavedTurn(question=f"Question {i}?", answer=answer(f"Question {i}?")) for i in range(n_turns)]
    return convs.SavedConversation(id=conv_id, title="Question 0?", created=WHEN, updated=WHEN, turns=turns)


# ---- one rendering for every door ------------------------------------------------------------------------------------
def test_answer_markdown_is_the_v1_text_the_cli_verdict_and_the_v1_sources_with_quotes() -> None:
    a = answer()
    md = answer_markdown(a)
    assert md.startswith(a.answer + "\n\n")  # the text /v1 sends, [n] markers included
    assert check_line(a.check) in md and cli.check_line is check_line  # type: ignore[arg-type]  # the CLI's words
    footer_lines = sources_footer(a.citations).split("\n\n**Sources**\n\n")[1].splitlines()
    assert oc.sources_footer is sources_footer  # /v1 renders its footer with the same function
    for line in footer_lines:  # each /v1 footer line, then the exact quote under it
        assert line in md
    assert "1. [Plan \\[draft\\]](newsdesk://article/aaaaaaaaaaaaaaaa#10-56) — Wire, 2025-11-21" in md
    assert "2. [Plan \\[draft\\]](https://example.org/story)" in md
    assert "   > “Ukraine must limit its army to 600,000 troops”" in md
    assert "- *unverified:* It would get guarantees. (no cited passage says so)" in md
    assert "*1/2 sentences verified · answers the question: yes (quantity: 600,000) · extractive*" in md


def test_export_has_every_question_and_its_answer_with_sources() -> None:
    conv = conversation(2)
    md = convs.to_markdown(conv, exported=WHEN)
    assert md.startswith("# Question 0?\n\n*Newsdesk conversation · 2 questions · exported 2026-12-06 10:30 UTC*\n")
    assert md.count("**Sources**") == 2 and "## 1. Question 0?" in md and "## 2. Question 1?" in md
    assert answer_markdown(conv.turns[1].answer).rstrip() in md
    assert convs.export_name(conv) == "conversation-question-0-c1.md"


def test_export_escapes_markdown_in_questions() -> None:
    conv = conversation(1)
    conv.turns[0].question = "# Why [click](javascript:x) *now*?\nsecond line"
    md = convs.to_markdown(conv)
    assert "## 1. \\# Why \\[click\\](javascript:x) \\*now\\*? second line" in md


# ---- the stored list ---------------------------------------------------------------------------------------------------
def test_store_round_trips_and_drops_what_it_cannot_read() -> None:
    store = convs.upsert(convs.SavedConversations(), conversation(1, "c1"))
    raw = convs.dump(store)
    assert convs.load(raw) == store
    raw["conversations"].append({"id": "bad", "title": 3})  # tampered: dropped, the good one kept
    assert [c.id for c in convs.load(raw).conversations] == ["c1"]
    assert convs.load({"version": 99, "conversations": raw["conversations"]}) == convs.SavedConversations()
    assert convs.load("not a dict") == convs.SavedConversations()
    assert convs.load(None).conversations == []


def test_upsert_puts_the_latest_first_and_replaces_its_earlier_version() -> None:
    store = convs.SavedConversations()
    for cid in ("a", "b", "c"):
        store = convs.upsert(store, conversation(1, cid))
    store = convs.upsert(store, conversation(3, "a"))
    assert [c.id for c in store.conversations] == ["a", "c", "b"] and store.current == "a"
    assert len(store.get("a").turns) == 3  # type: ignore[union-attr]
    store = convs.delete(store, "c")
    assert [c.id for c in store.conversations] == ["a", "b"] and store.current is None


def test_the_list_is_bounded_by_count_and_size(monkeypatch: pytest.MonkeyPatch) -> None:
    store = convs.SavedConversations()
    for i in range(convs.MAX_SAVED_CONVERSATIONS + 5):
        store = convs.upsert(store, conversation(1, f"c{i}"))
    assert len(store.conversations) == convs.MAX_SAVED_CONVERSATIONS
    assert store.conversations[0].id == f"c{convs.MAX_SAVED_CONVERSATIONS + 4}"  # the oldest went
    one = len(conversation(1).model_dump_json())
    monkeypatch.setattr(convs, "STORE_BUDGET_CHARS", one * 3 + 10)
    store = convs.upsert(store, conversation(1, "new"))
    assert [c.id for c in store.conversations][:1] == ["new"] and len(store.conversations) == 3
    monkeypatch.setattr(convs, "STORE_BUDGET_CHARS", 1)
    assert [c.id for c in convs.upsert(store, conversation(1, "huge")).conversations] == ["huge"]  # newest kept


def test_listing_and_titles() -> None:
    store = convs.upsert(convs.SavedConversations(), conversation(2, "c1"))
    assert convs.listing(store) == [("Question 0? · 2 questions · 6 Dec 2026", "c1")]
    long = "What did the foreign ministers of the European Union say about the proposed peace plan on Tuesday?"
    title = convs.title_for(long)
    assert title.endswith("…") and len(title) <= convs.TITLE_CHARS + 1 and long.startswith(title[:-1])
    assert convs.title_for("  a\n b ") == "a b"


# ---- what the page renders ---------------------------------------------------------------------------------------------
class _Buttons(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.copy: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "button" and "data-nd-copy" in found:
            self.copy.append(found["data-nd-copy"] or "")


def test_copy_button_carries_the_markdown_intact_on_one_line() -> None:
    a = answer(answer='Quote "with" <b>tags</b> & *stars* [1].\n\nSecond paragraph.')
    button = chat.copy_button(a)
    assert "\n" not in button and "<b>" not in button  # one HTML line: the chat's Markdown renderer leaves it whole
    parsed = _Buttons()
    parsed.feed(button)
    assert parsed.copy == [answer_markdown(a)]


def test_reopened_messages_are_rendered_and_escaped_from_the_stored_answers() -> None:
    conv = conversation(1)
    conv.turns[0].question = "<img src=x onerror=alert(1)>?"
    messages = chat.render(chat.Conversation(id="c1", saved=conv))
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "<img" not in messages[0]["content"] and html.unescape(messages[0]["content"]) == conv.turns[0].question
    assert 'href="#nd-src-a1-1"' in messages[1]["content"] and "nd-copy" in messages[1]["content"]


# ---- the callbacks over a scripted Newsdesk -----------------------------------------------------------------------------
@pytest.fixture
def handlers(tmp_path: Path) -> chat.ChatHandlers:
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    desk = FakeDesk(settings)
    assert not desk.ingest_uploads([(SAMPLE.name, SAMPLE.read_bytes())]).errors
    return chat.ChatHandlers(desk, settings)


def ask(h: chat.ChatHandlers, question: str, conv: chat.Conversation, stored: Any) -> tuple[Any, ...]:
    *_, last = h.respond(question, conv, "extractive", stored)
    return last


def test_an_answer_is_saved_and_a_reload_reopens_it(handlers: chat.ChatHandlers) -> None:
    stored = convs.dump(convs.SavedConversations())
    messages, conv, panel, box, stored, history, export = ask(
        handlers, "How large may Ukraine's army be?", chat.Conversation(), stored
    )
    assert box == "" and len(messages) == 2 and "600,000" in messages[1]["content"] and "nd-src-a1-1" in panel
    messages, conv, _, _, stored, history, export = ask(handlers, "What did Peskov say?", conv, stored)
    assert len(conv.turns) == 4 and history.choices[0][1] == conv.id and history.value == conv.id
    text = Path(export.value["path"]).read_text(encoding="utf-8")
    assert text.count("## ") == 2 and "**Sources**" in text

    chat_again, conv_again, panel_again, history_again, _, _ = handlers.restore(stored)  # a reload
    assert chat_again == messages and conv_again.id == conv.id and "nd-src-a3-1" in panel_again
    assert history_again.value == conv.id
    assert handlers.select_message(conv_again, _select(0)) == handlers._panel(conv_again, 0)


def _select(index: int) -> Any:
    import gradio as gr

    return gr.SelectData(None, {"index": index, "value": ""})


def test_stop_gives_the_question_back_and_retry_asks_it(handlers: chat.ChatHandlers) -> None:
    stored = convs.dump(convs.SavedConversations())
    _, conv, _, _, stored, _, _ = ask(handlers, "How large may Ukraine's army be?", chat.Conversation(), stored)
    running = handlers.respond("What did Peskov say?", conv, "extractive", stored)
    _, pending, *_ = next(running)  # the first yield: the question shown, the answer pending
    assert pending.pending == "What did Peskov say?"
    running.close()  # what gradio's cancel does to the generator
    messages, after_stop, box = handlers.stop(pending)
    assert box == "What did Peskov say?" and len(messages) == 2  # the pending turn is gone
    messages, base, box = handlers.retry(after_stop)
    assert box == "What did Peskov say?" and base.pending is None and len(messages) == 2
    # With nothing stopped, retry re-asks the last answered question without its answer.
    messages, base, box = handlers.retry(conv)
    assert box == "How large may Ukraine's army be?" and messages == [] and base.id == conv.id
    with pytest.raises(Exception, match="Nothing to retry"):
        handlers.retry(chat.Conversation())
    import gradio as gr

    assert handlers.stop(chat.Conversation()) == (gr.skip(),) * 3  # idle (Esc with nothing running): nothing changes


def test_open_and_delete_saved_conversations(handlers: chat.ChatHandlers) -> None:
    stored = convs.dump(convs.SavedConversations())
    _, first, _, _, stored, _, _ = ask(handlers, "How large may Ukraine's army be?", chat.Conversation(), stored)
    _, _, _, _, _, stored, _ = handlers.new(stored)
    assert convs.load(stored).current is None
    _, second, _, _, stored, history, _ = ask(handlers, "What did Peskov say?", chat.Conversation(), stored)
    assert [cid for _, cid in history.choices] == [second.id, first.id]
    messages, opened, _, history, _, stored, _ = handlers.open(first.id, stored)
    assert opened.id == first.id and "Ukraine" in re.sub("<[^>]+>", "", messages[0]["content"])
    assert convs.load(stored).current == first.id
    _, fresh, _, history, export, stored, _ = handlers.delete(opened, stored)
    assert [cid for _, cid in history.choices] == [second.id] and fresh.saved is None
    assert export.interactive is False
    with pytest.raises(Exception, match="no longer saved"):
        handlers.open(first.id, stored)


def test_a_saved_history_is_held_to_the_message_limit_every_door_applies(handlers: chat.ChatHandlers) -> None:
    record = conversation(1)
    record.turns[0].question = "x" * (handlers.settings.max_question_chars + 1)  # tampered storage
    stored = convs.dump(convs.upsert(convs.SavedConversations(), record))
    _, conv, *_ = handlers.restore(stored)
    calls = len(handlers.desk.calls)  # type: ignore[attr-defined]
    with pytest.warns(UserWarning, match="characters long; the limit is"):
        messages, same, *_ = ask(handlers, "How large may Ukraine's army be?", conv, stored)
    assert same is conv and len(messages) == 2 and len(handlers.desk.calls) == calls  # type: ignore[attr-defined]


def test_the_chat_stylesheet_spells_no_colour_of_its_own() -> None:
    """Dark mode keeps working: the chat's CSS takes every colour from the palettes in newsdesk.css."""
    css = (Path(chat.STATIC_DIR) / "newsdesk-chat.css").read_text(encoding="utf-8")
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(", css) == []
    assert "var(--nd-" in css


def test_example_questions_only_when_the_sample_is_indexed(handlers: chat.ChatHandlers, tmp_path: Path) -> None:
    """D11: `serve --no-sample` (or the sample removed) leaves no questions about the Ukraine sample in the Ask tab."""
    shown = handlers.intro()
    assert shown["placeholder"] == chat.PLACEHOLDER and [e["text"] for e in shown["examples"]] == chat.EXAMPLE_QUESTIONS
    settings = Settings(_env_file=None, index_dir=tmp_path / "empty")  # type: ignore[call-arg]
    bare = chat.ChatHandlers(FakeDesk(settings), settings).intro()
    assert bare["examples"] is None and bare["placeholder"] == chat.PLACEHOLDER_NO_SAMPLE
    assert "sample" not in bare["placeholder"]
    [sample_id] = list(handlers.desk.docs)  # type: ignore[attr-defined]
    handlers.desk.remove(sample_id)
    assert handlers.intro()["examples"] is None


# ---- D5: one Markdown-escaping rule at every renderer ----------------------------------------------------------------
HOSTILE = dict(
    title="<img src=x onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))",
    source="<svg onload=alert(4)> & co",
    quote="<iframe src=//evil> quoted",
    url='https://news.example/a b"><script>alert(5)</script>',
)


def _no_markup(md: str) -> None:
    for raw in ("<img", "<script", "<svg", "<iframe", '">'):
        assert raw not in md, (raw, md)
    assert not re.search(r"(?<!\\)\]\(javascript", md)  # an escaped "\](" is text, not a link


def test_every_markdown_renderer_escapes_html_and_link_brackets_from_articles() -> None:
    from app.brief.render import _md, render_markdown
    from app.markdown import md_inline
    from app.models import Briefing, BriefingPoint

    hostile = citation(1, **HOSTILE)
    a = answer(citations=[hostile], answer="The plan <b onmouseover=x>caps</b> the army [1].")
    conv = convs.SavedConversation(
        id="c9", title=HOSTILE["title"], created=WHEN, updated=WHEN,
        turns=[convs.SavedTurn(question=HOSTILE["quote"], answer=a)],
    )  # fmt: skip
    for md in (sources_footer(a.citations), answer_markdown(a), convs.to_markdown(conv, exported=WHEN)):
        _no_markup(md)
    footer = sources_footer(a.citations)
    assert (
        "[&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;\\[x\\](javascript:alert(3))]"
        in footer
    )
    assert "&lt;svg onload=alert(4)&gt; &amp; co" in footer
    assert "https://news.example/a%20b%22%3E%3Cscript%3Ealert%285%29%3C/script%3E" in footer
    assert "&lt;b onmouseover=x&gt;caps&lt;/b&gt;" in answer_markdown(a)
    b = Briefing(
        headline=HOSTILE["title"],
        summary=BriefingPoint(text=""),
        key_points=[BriefingPoint(text=HOSTILE["quote"], citations=[1])],
        citations=[hostile],
        sources=[],
        backend="extractive",
        model="extractive",
        length="short",
    )
    _no_markup(render_markdown(b))
    assert _md is md_inline  # briefings use the same helper as answers, /v1 and the web chat
