"""Saved web-chat conversations (kept in the browser's localStorage through gr.BrowserState) and their Markdown export.

Pure: no gradio, no I/O. The browser holds questions and the verified Answers as JSON, never rendered HTML, so what a
reload shows is re-rendered (and escaped) by app.serve.web.format like a fresh answer, and a tampered store is
validated, not trusted."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from app.answer.render import answer_markdown, md_inline
from app.models import Answer, ChatTurn

log = logging.getLogger(__name__)

STORE_VERSION = 1
MAX_SAVED_CONVERSATIONS = 50
"""Oldest beyond this are dropped: a list longer than a screen's worth is not browsed, and localStorage is finite."""
STORE_BUDGET_CHARS = 2_000_000
"""JSON size the saved list may reach; Chromium's localStorage holds 5 M characters per origin and gradio stores the
value encrypted and base64-encoded (about 4/3 larger). A saved question and answer on the sample article is
1.5-2.3 KB of JSON, so the budget holds about a thousand of them."""
TITLE_CHARS = 60
"""Longest conversation title (its first question) shown in the list."""
ID_HEX_CHARS = 12


class SavedTurn(BaseModel):
    """One question and the verified answer it got."""

    question: str
    answer: Answer


class SavedConversation(BaseModel):
    """A conversation as the browser keeps it."""

    id: str = Field(description="Random id, stable across reloads.")
    title: str = Field(description="Its first question, shortened.")
    created: datetime
    updated: datetime
    turns: list[SavedTurn] = Field(default_factory=list)

    def chat_turns(self) -> list[ChatTurn]:
        """The history the service rewrites follow-ups with."""
        out: list[ChatTurn] = []
        for t in self.turns:
            out += [ChatTurn(role="user", content=t.question), ChatTurn(role="assistant", content=t.answer.answer)]
        return out


class SavedConversations(BaseModel):
    """The gr.BrowserState value: every saved conversation, most recently updated first, and the one last open."""

    version: int = STORE_VERSION
    current: str | None = None
    conversations: list[SavedConversation] = Field(default_factory=list)

    def get(self, conv_id: str | None) -> SavedConversation | None:
        return next((c for c in self.conversations if c.id == conv_id), None) if conv_id else None


def new_id() -> str:
    return uuid.uuid4().hex[:ID_HEX_CHARS]


def now() -> datetime:
    return datetime.now(UTC)


def title_for(question: str) -> str:
    """The first question on one line, cut at a word boundary to TITLE_CHARS."""
    text = re.sub(r"\s+", " ", question).strip() or "Untitled"
    if len(text) <= TITLE_CHARS:
        return text
    cut = text.rfind(" ", 0, TITLE_CHARS)
    return text[: cut if cut > TITLE_CHARS // 2 else TITLE_CHARS].rstrip(" ,;:") + "…"


def load(value: Any) -> SavedConversations:
    """The browser's stored value as SavedConversations; anything unreadable (another version, tampering) starts empty,
    and a single bad conversation is dropped rather than losing the others."""
    if not isinstance(value, dict) or value.get("version") != STORE_VERSION:
        return SavedConversations()
    kept: list[SavedConversation] = []
    for raw in value.get("conversations") or []:
        try:
            kept.append(SavedConversation.model_validate(raw))
        except ValidationError as e:
            log.info("web: dropped an unreadable saved conversation (%s errors)", e.error_count())
    current = value.get("current")
    return SavedConversations(current=current if isinstance(current, str) else None, conversations=kept)


def dump(store: SavedConversations) -> dict[str, Any]:
    """The JSON the browser keeps."""
    return store.model_dump(mode="json")


def _fit(conversations: list[SavedConversation]) -> list[SavedConversation]:
    """At most MAX_SAVED_CONVERSATIONS, oldest dropped first until the JSON fits STORE_BUDGET_CHARS (the newest is
    always kept)."""
    kept = conversations[:MAX_SAVED_CONVERSATIONS]
    sizes = [len(c.model_dump_json()) for c in kept]
    while len(kept) > 1 and sum(sizes) > STORE_BUDGET_CHARS:
        kept.pop()
        sizes.pop()
    return kept


def upsert(store: SavedConversations, conv: SavedConversation) -> SavedConversations:
    """The store with `conv` saved (replacing its earlier version) at the top, and open."""
    others = [c for c in store.conversations if c.id != conv.id]
    return SavedConversations(current=conv.id, conversations=_fit([conv, *others]))


def delete(store: SavedConversations, conv_id: str) -> SavedConversations:
    """The store without that conversation; none is open afterwards."""
    return SavedConversations(current=None, conversations=[c for c in store.conversations if c.id != conv_id])


def with_turn(conv: SavedConversation | None, question: str, answer: Answer, *, conv_id: str) -> SavedConversation:
    """`conv` (or a new conversation with id conv_id) with one more answered question."""
    stamp = now()
    if conv is None:
        return SavedConversation(
            id=conv_id,
            title=title_for(question),
            created=stamp,
            updated=stamp,
            turns=[SavedTurn(question=question, answer=answer)],
        )
    return conv.model_copy(
        update={"updated": stamp, "turns": [*conv.turns, SavedTurn(question=question, answer=answer)]}
    )


def listing(store: SavedConversations) -> list[tuple[str, str]]:
    """(label, id) per saved conversation, most recent first: 'title · 3 questions · 6 Dec 2026'."""
    out = []
    for c in store.conversations:
        n = len(c.turns)
        out.append((f"{c.title} · {n} question{'s' if n != 1 else ''} · {c.updated.day} {c.updated:%b %Y}", c.id))
    return out


def to_markdown(conv: SavedConversation, *, exported: datetime | None = None) -> str:
    """The conversation as Markdown: each question as a heading, then its answer as every door renders it
    (app.answer.render.answer_markdown: the text with [n] markers, unverified sentences, verdict, sources with quotes)."""
    stamp = exported or now()
    n = len(conv.turns)
    out = [
        f"# {md_inline(conv.title)}",
        "",
        f"*Newsdesk conversation · {n} question{'s' if n != 1 else ''} · exported {stamp:%Y-%m-%d %H:%M} UTC*",
    ]
    for i, turn in enumerate(conv.turns, 1):
        out += ["", f"## {i}. {md_inline(turn.question)}", "", answer_markdown(turn.answer).rstrip()]
    return "\n".join(out) + "\n"


def export_name(conv: SavedConversation) -> str:
    """conversation-<title-slug>-<id>.md (the id keeps two sessions' files apart)."""
    slug = re.sub(r"[^a-z0-9]+", "-", conv.title.lower()).strip("-")[:40].strip("-") or "conversation"
    return f"conversation-{slug}-{conv.id}.md"
