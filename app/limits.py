"""The input-length rules every door and stage shares: questions, chat messages and briefing topics.

Core, so the brief stage and the doors (serve/, cli.py) apply the one limit, settings.max_question_chars, without
importing each other (a stage may not import a later one)."""

from __future__ import annotations

from app.errors import NewsdeskError
from app.settings import Settings
from app.text import clean_question


class InputTooLong(NewsdeskError):
    """A question, chat message or briefing topic over settings.max_question_chars (413 on the API)."""

    status = 413


class QuestionTooLong(InputTooLong):
    """A question or chat message over the limit."""


class TopicTooLong(InputTooLong):
    """A briefing topic over the limit questions have at every door."""


class EmptyQuestion(NewsdeskError):
    """A question with no text but whitespace (422 on the API)."""

    status = 422


def check_question(text: str | None, settings: Settings, *, what: str = "question", length: int | None = None) -> str:
    """The question as read (app.text.clean_question: NFKC, no invisible characters, single spaces); the one size
    rule every door applies (API, /v1, web chat, CLI) before any work. `length`: the whole input's length, when only
    its first limit + 1 characters were read (a pipe)."""
    limit = settings.max_question_chars
    question = clean_question(text or "")
    if len(question) > limit:
        raise QuestionTooLong(f"the {what} is {max(length or 0, len(question))} characters long; the limit is {limit}")
    if not question:
        raise EmptyQuestion(f"the {what} is empty (only whitespace or invisible characters)")
    return question


def check_message_sizes(texts: list[str], settings: Settings) -> None:
    """Every chat message (question and history alike) within the question limit; empty history turns are allowed."""
    for i, text in enumerate(texts):
        if len(text) > settings.max_question_chars:
            raise QuestionTooLong(
                f"message {i} is {len(text)} characters long; the limit is {settings.max_question_chars}"
            )


def check_topic(topic: str | None, settings: Settings) -> None:
    """A briefing topic within the questions' limit, on every door that briefs; no topic (None or '') is allowed."""
    if topic and len(topic) > settings.max_question_chars:
        raise TopicTooLong(f"the topic is over the limit of {settings.max_question_chars} characters")
