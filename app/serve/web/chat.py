"""The Ask tab (issue 17): a streamed, verified chat whose conversations the browser keeps across reloads (listed,
reopened, deleted), with stop, retry, a copy button per answer and a Markdown export with the sources.

Layout and events are built by ask_tab(); callbacks are ChatHandlers methods. Conversations live in the browser's
localStorage through gr.BrowserState as questions and Answer JSON (app.serve.web.conversations), re-rendered here."""

# No `from __future__ import annotations`: gradio reads the callbacks' annotations at runtime (gr.SelectData).
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from app import limits
from app.answer.render import answer_markdown
from app.errors import NewsdeskError
from app.ingest.formats import LoadError
from app.ingest.loaders import load_path
from app.models import Answer, AnswerDelta, AnswerDone, ChatTurn
from app.resources import sample_corpus_dir, static_dir
from app.serve.web import conversations as convs
from app.serve.web import format as fmt
from app.serve.web.handlers import _error, _info, _readable, _warning
from app.services import Newsdesk
from app.settings import Settings

log = logging.getLogger(__name__)
STATIC_DIR = static_dir()
STORAGE_KEY = "newsdesk-conversations"
"""localStorage key of the saved conversations; fixed so they outlive a server restart."""
STORAGE_SECRET = "newsdesk-web-chat"
"""gr.BrowserState encrypts in the browser with a secret sent in the page config, so it hides nothing from the page's
user; a fixed one keeps conversations readable after a restart (a random one per process would lose them)."""
EXAMPLE_QUESTIONS = [
    "What does the US plan require Ukraine to give up?",
    "How large may Ukraine's army be under the 28-point plan?",
    "How did EU foreign ministers react to the plan?",
    "What did the Kremlin say about consultations?",
]
CHAT_HEIGHT_PX = 540
"""Tall enough for an answer and its follow-up on a laptop screen without scrolling the page."""
QUESTION_MAX_LINES = 4
PLACEHOLDER = (
    "<div class='nd-empty'><strong>Ask the newsroom's archive.</strong><br>Answers quote the articles and every "
    "citation is checked. Try the sample article:</div>"
)
PLACEHOLDER_NO_SAMPLE = (
    "<div class='nd-empty'><strong>Ask the newsroom's archive.</strong><br>Answers quote the articles and every "
    "citation is checked.</div>"
)
"""The empty chat without the sample article (`serve --no-sample`, or it was removed): no questions about it."""


@dataclass
class Conversation:
    """One browser tab's open conversation: what is answered so far, and the question being answered (or stopped)."""

    id: str = field(default_factory=convs.new_id)
    saved: convs.SavedConversation | None = None
    pending: str | None = None

    @property
    def turns(self) -> list[ChatTurn]:
        return self.saved.chat_turns() if self.saved else []

    @property
    def answers(self) -> list[Answer]:
        return [t.answer for t in self.saved.turns] if self.saved else []


def new_conversation() -> Conversation:
    """A fresh conversation (gr.State calls this once per browser session)."""
    return Conversation()


def scope_of(turn: int) -> str:
    """The citation scope of the turn-th answer: its message index in the chat (a1, a3, ...)."""
    return f"a{2 * turn + 1}"


def copy_button(answer: Answer) -> str:
    """A button copying the answer as Markdown with its sources (gradio's own copy button would copy our HTML)."""
    text = fmt.esc(answer_markdown(answer)).replace("\n", "&#10;")  # entities only: the chat's renderer keeps it
    return (
        f'<button type="button" class="nd-copy" data-nd-copy="{text}" aria-label="Copy this answer with its sources">'
        "Copy</button>"
    )


def answer_message(answer: Answer, turn: int) -> dict[str, str]:
    return {"role": "assistant", "content": fmt.answer_html(answer, scope_of(turn)) + copy_button(answer)}


def render(conv: Conversation) -> list[dict[str, str]]:
    """The chat messages of a conversation, re-rendered from its questions and Answers."""
    messages: list[dict[str, str]] = []
    for i, t in enumerate(conv.saved.turns if conv.saved else []):
        messages += [{"role": "user", "content": fmt.user_html(t.question)}, answer_message(t.answer, i)]
    return messages


class ChatHandlers:
    """The Ask tab's callbacks, bound to one Newsdesk."""

    def __init__(self, desk: Newsdesk, settings: Settings) -> None:
        self.desk = desk
        self.settings = settings
        self._export_dir: Path | None = None

    # ---- helpers -------------------------------------------------------------
    def sample_indexed(self) -> bool:
        """Whether the bundled sample article is in the index (the example questions are about it)."""
        try:
            sample = load_path(sample_corpus_dir(), self.settings)
            return any(self.desk.get_article(a.id) is not None for a in sample)
        except (NewsdeskError, LoadError, OSError) as e:
            log.info("cannot tell whether the sample is indexed", extra={"error": str(e)})
            return False

    def intro(self) -> Any:
        """The empty chat's invitation, on each page load: the sample's example questions only when it is indexed."""
        if self.sample_indexed():
            return gr.update(placeholder=PLACEHOLDER, examples=[{"text": q} for q in EXAMPLE_QUESTIONS])
        return gr.update(placeholder=PLACEHOLDER_NO_SAMPLE, examples=None)

    def _panel(self, conv: Conversation, turn: int | None = None) -> str:
        answers = conv.answers
        if not answers:
            return fmt.sources_panel(None, {}, "none")
        turn = len(answers) - 1 if turn is None else turn
        answer = answers[turn]
        return fmt.sources_panel(answer, self.desk.cited_articles(answer.citations), scope_of(turn))

    def _export(self, conv: Conversation) -> Any:
        """The export button, holding this conversation's Markdown (disabled while there is nothing to export)."""
        if conv.saved is None or not conv.saved.turns:
            return gr.DownloadButton(value=None, interactive=False)
        if self._export_dir is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="newsdesk-chat-"))
        path = self._export_dir / convs.export_name(conv.saved)
        path.write_text(convs.to_markdown(conv.saved), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

    @staticmethod
    def _history(store: convs.SavedConversations) -> Any:
        return gr.Radio(choices=convs.listing(store), value=store.current)

    def _show(self, conv: Conversation, store: convs.SavedConversations) -> tuple[Any, ...]:
        """chat, conv, sources, history, export, saved: the page showing `conv` open."""
        return render(conv), conv, self._panel(conv), self._history(store), self._export(conv), convs.dump(store)

    # ---- page load, open, delete, new ----------------------------------------
    @_readable("Restoring your conversations")
    def restore(self, stored: Any) -> tuple[Any, ...]:
        """On page load: the saved list, and the conversation that was open reopened."""
        store = convs.load(stored)
        current = store.get(store.current)
        conv = Conversation(id=current.id, saved=current) if current else Conversation()
        return self._show(conv, store)

    @_readable("Opening the conversation")
    def open(self, conv_id: str | None, stored: Any) -> tuple[Any, ...]:
        store = convs.load(stored)
        found = store.get(conv_id)
        if found is None:
            raise _error("That conversation is no longer saved in this browser.")
        store = store.model_copy(update={"current": found.id})
        return (*self._show(Conversation(id=found.id, saved=found), store), "")

    @_readable("Deleting the conversation")
    def delete(self, conv: Conversation, stored: Any) -> tuple[Any, ...]:
        store = convs.load(stored)
        if store.get(conv.id) is None:
            raise _error("This conversation is not saved yet: ask a question first, or open one from the list.")
        store = convs.delete(store, conv.id)
        _info("Conversation deleted from this browser.")
        return (*self._show(Conversation(), store), "")

    def new(self, stored: Any) -> tuple[Any, ...]:
        store = convs.load(stored).model_copy(update={"current": None})
        return (*self._show(Conversation(), store), "")

    # ---- ask, stop, retry ------------------------------------------------------
    @_readable("Answering")
    def respond(self, question: str, conv: Conversation, backend: str, stored: Any) -> Iterator[tuple[Any, ...]]:
        """Stream the draft, then show the verified answer and save the conversation in the browser.

        Outputs: chat, conv, sources, question, saved, history, export."""
        keep = (gr.skip(),) * 3  # saved, history, export
        if not (question or "").strip():
            _warning("Type a question first.")
            yield render(conv), conv, gr.skip(), "", *keep
            return
        try:
            question = limits.check_question(question, self.settings)  # the limit every door shares
            # The history came back from the browser's storage: held to the limit /api and /v1 hold history to.
            limits.check_message_sizes([t.content for t in conv.turns], self.settings)
        except limits.QuestionTooLong as e:
            _warning(str(e))
            yield render(conv), conv, gr.skip(), gr.skip(), *keep
            return
        before = render(conv)
        asking = replace(conv, pending=question)  # what stop and retry act on while the answer runs
        messages = [*before, {"role": "user", "content": fmt.user_html(question)}, _streaming("")]
        yield messages, asking, gr.skip(), "", *keep
        streamed, answer = "", None
        try:
            for event in self.desk.stream_ask(question, history=conv.turns, backend=backend or None):
                if isinstance(event, AnswerDelta):
                    streamed += event.text
                    messages[-1] = _streaming(streamed)
                    yield messages, asking, gr.skip(), "", *keep
                elif isinstance(event, AnswerDone):
                    answer = event.answer
        except Exception:
            yield before, conv, gr.skip(), question, *keep  # drop the pending turn, give the question back
            raise
        if answer is None:
            raise NewsdeskError("The answer engine stopped without an answer.")
        store = convs.load(stored)
        record = convs.with_turn(conv.saved, question, answer, conv_id=conv.id)
        done = Conversation(id=conv.id, saved=record)
        store = convs.upsert(store, record)
        yield render(done), done, self._panel(done), "", convs.dump(store), self._history(store), self._export(done)

    def stop(self, conv: Conversation) -> tuple[Any, ...]:
        """After the running answer is cancelled: drop its pending turn and give the question back (Retry asks it)."""
        if conv.pending is None:
            return gr.skip(), gr.skip(), gr.skip()
        _info("Stopped. The question is back in the box; Retry asks it again.")
        return render(conv), conv, conv.pending

    @_readable("Retrying")
    def retry(self, conv: Conversation) -> tuple[Any, ...]:
        """Put the last question back to be asked again: the stopped one, else the last answered (its answer dropped)."""
        if conv.pending is not None:
            base, question = replace(conv, pending=None), conv.pending
        elif conv.saved and conv.saved.turns:
            question = conv.saved.turns[-1].question
            kept = conv.saved.model_copy(update={"turns": conv.saved.turns[:-1]})
            base = Conversation(id=conv.id, saved=kept)
        else:
            raise _error("Nothing to retry yet: ask a question first.")
        return render(base), base, question

    # ---- small events ------------------------------------------------------------
    def select_message(self, conv: Conversation, evt: gr.SelectData) -> Any:
        """Clicking a message shows its answer's sources."""
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not (isinstance(index, int | str) and str(index).isdigit()) or int(index) // 2 >= len(conv.answers):
            return gr.skip()
        return self._panel(conv, int(index) // 2)

    @staticmethod
    def example(evt: gr.SelectData) -> str:
        return str(evt.value.get("text", "")) if isinstance(evt.value, dict) else str(evt.value or "")


def _streaming(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": fmt.streaming_html(text)}


def ask_tab(desk: Newsdesk, settings: Settings, backend: gr.Dropdown, demo: gr.Blocks) -> None:
    """Saved conversations on the left, the chat in the middle, the cited passages of the selected answer on the right."""
    c = ChatHandlers(desk, settings)
    with gr.Tab("Ask", id="ask"):
        conv = gr.State(new_conversation)
        stored = gr.BrowserState(convs.dump(convs.SavedConversations()), storage_key=STORAGE_KEY, secret=STORAGE_SECRET)
        with gr.Row():
            with gr.Column(scale=2, min_width=200, elem_classes="nd-history-col"):
                new_btn = gr.Button("New conversation", size="sm", variant="secondary", elem_id="nd-new")
                history = gr.Radio([], label="Saved conversations", info="Kept in this browser", elem_id="nd-history")
                delete_btn = gr.Button("Delete conversation", size="sm", variant="stop", elem_id="nd-delete")
            with gr.Column(scale=7):
                chat = gr.Chatbot(
                    height=CHAT_HEIGHT_PX,
                    label="Conversation",
                    show_label=False,
                    elem_id="nd-chat",
                    sanitize_html=False,
                    layout="panel",
                    feedback_options=None,
                    buttons=[],  # gradio's copy buttons copy our HTML; each answer carries its own (copy_button)
                    latex_delimiters=[],
                    placeholder=PLACEHOLDER_NO_SAMPLE,  # the page load shows the examples if the sample is indexed
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        placeholder="Ask about the indexed articles…  (Enter sends, Esc stops)",
                        label="Question",
                        show_label=False,
                        scale=8,
                        elem_id="nd-question",
                        max_lines=QUESTION_MAX_LINES,
                    )
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="nd-ask")
                with gr.Row(elem_classes="nd-chat-actions"):
                    stop_btn = gr.Button("Stop", size="sm", variant="stop", scale=0, min_width=90, elem_id="nd-stop")
                    retry_btn = gr.Button("Retry", size="sm", scale=0, min_width=90, elem_id="nd-retry")
                    export = gr.DownloadButton(
                        "Export Markdown", size="sm", scale=0, min_width=150, interactive=False, elem_id="nd-export"
                    )
                gr.HTML(
                    '<div class="nd-hint">Follow-up questions use the conversation; conversations are kept in this '
                    "browser. Click a number (or Tab to it and press Enter) to see its source.</div>",
                    js_on_load=(STATIC_DIR / "newsdesk-chat.js").read_text(encoding="utf-8"),
                )
            with gr.Column(scale=5):
                sources = gr.HTML(
                    fmt.sources_panel(None, {}, "none"),
                    elem_id="nd-sources",
                    js_on_load=(STATIC_DIR / "newsdesk.js").read_text(encoding="utf-8"),
                )
    private: dict[str, Any] = {"api_visibility": "private"}
    shown = [chat, conv, sources, history, export, stored]
    ask: dict[str, Any] = {
        "fn": c.respond,
        "inputs": [question, conv, backend, stored],
        "outputs": [chat, conv, sources, question, stored, history, export],
        **private,
    }
    again = {"fn": c.retry, "inputs": [conv], "outputs": [chat, conv, question], **private}
    runs = [
        question.submit(**ask),
        ask_btn.click(**ask),
        chat.example_select(c.example, outputs=[question], **private).then(**ask),
        retry_btn.click(**again).success(**ask),
    ]
    stop_btn.click(c.stop, inputs=[conv], outputs=[chat, conv, question], cancels=runs, **private)
    chat.select(c.select_message, inputs=[conv], outputs=[sources], **private)
    history.input(c.open, inputs=[history, stored], outputs=[*shown, question], **private)
    delete_btn.click(c.delete, inputs=[conv, stored], outputs=[*shown, question], **private)
    new_btn.click(c.new, inputs=[stored], outputs=[*shown, question], **private)
    chat.clear(c.new, inputs=[stored], outputs=[*shown, question], **private)
    demo.load(c.restore, inputs=[stored], outputs=shown, **private).then(c.intro, outputs=[chat], **private)
