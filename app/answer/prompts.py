"""Prompt files in `prompts/` (YAML front matter + jinja2 body), rendered strictly, and the chat prompts built from them.

Passages reach the model as delimited data (`<passage n=... title=... date=...>`); their text is escaped so an
article cannot close the delimiter and speak as the instructions. The context is packed to a tiktoken budget.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from app.chunks.tokens import count_tokens, get_encoding
from app.errors import NewsdeskError
from app.injection import looks_like_instruction, mask_instruction_text  # noqa: F401 (re-exported)
from app.models import CANNOT_ANSWER_MARKER, ChatTurn, Passage
from app.resources import prompts_dir

if TYPE_CHECKING:  # LangChain's prompt classes cost ~0.5 s to import: only the LLM engines load them (issue 18)
    from langchain_core.messages import BaseMessage
    from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR = prompts_dir()
QA_SYSTEM, QA_USER, CONDENSE = "qa_system", "qa_user", "condense"

_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    autoescape=False,  # plain text for a model, not HTML; passage text is escaped explicitly in passage_view()
)


class PromptError(NewsdeskError):
    """A prompt file is missing, malformed, or rendered with missing variables."""


@dataclass(frozen=True)
class Prompt:
    """One prompt file: its name, version and jinja2 body."""

    name: str
    version: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)

    def render(self, **variables: Any) -> str:
        try:
            return _ENV.from_string(self.body).render(**variables).strip()
        except jinja2.UndefinedError as e:
            raise PromptError(f"prompt {self.name!r}: {e.message}") from e


def _split_front_matter(name: str, raw: str) -> tuple[dict[str, Any], str]:
    if not raw.startswith("---"):
        raise PromptError(f"prompt {name!r} has no YAML front matter (a '---' block with 'version:')")
    _, sep, rest = raw.partition("\n")
    head, sep, body = rest.partition("\n---")
    if not sep:
        raise PromptError(f"prompt {name!r}: front matter is not closed with '---'")
    meta = yaml.safe_load(head) or {}
    if not isinstance(meta, dict) or "version" not in meta:
        raise PromptError(f"prompt {name!r}: front matter must be a mapping with a 'version:' key")
    return meta, body.partition("\n")[2]


@lru_cache(maxsize=64)
def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """The prompt `prompts/<name>.md` (cached; prompts are read once per process)."""
    path = (directory or PROMPTS_DIR) / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"prompt {name!r} not found at {path}")
    meta, body = _split_front_matter(name, path.read_text(encoding="utf-8"))
    return Prompt(name=name, version=str(meta["version"]), body=body, meta=meta)


def render(name: str, /, **variables: Any) -> str:
    """Render a prompt by name; a missing variable is an error, never an empty string."""
    return load_prompt(name).render(**variables)


def prompt_version(name: str) -> str:
    return load_prompt(name).version


def prompt_versions(names: Sequence[str] = (QA_SYSTEM, QA_USER, CONDENSE)) -> dict[str, str]:
    """Versions of the prompts in use (recorded by evaluations)."""
    return {n: prompt_version(n) for n in names}


# ---- passages as data --------------------------------------------------------------------------


def mask_instructions(passage: Passage) -> Passage:
    """The passage with sentences that instruct a model blanked out (same length, so offsets stay exact)."""
    masked = mask_instruction_text(passage.text)
    return passage if masked == passage.text else passage.model_copy(update={"text": masked})


def _escape_data(text: str) -> str:
    """Neutralise anything that could close or open a passage tag inside passage text."""
    return text.replace("<", "‹").replace(">", "›")


def passage_view(n: int, passage: Passage) -> dict[str, Any]:
    """What the QA template sees of passage number n."""
    return {
        "n": n,
        "title": html.escape(passage.title or "Untitled", quote=True),
        "date": passage.published.date().isoformat() if passage.published else "",
        "text": _escape_data(re.sub(r"[ \t]{2,}", " ", passage.text.strip())),
    }


def _passage_block(n: int, passage: Passage) -> str:
    """A single passage as it appears in the prompt (used to count tokens the same way it is shown)."""
    v = passage_view(n, passage)
    date = f' date="{v["date"]}"' if v["date"] else ""
    return f'<passage n="{n}" title="{v["title"]}"{date}>\n{v["text"]}\n</passage>\n'


def _truncate(passage: Passage, budget: int, tokenizer: str) -> Passage:
    """The longest prefix of a passage, cut at whitespace, whose block fits the budget (only `end` moves)."""
    enc = get_encoding(tokenizer)
    tokens = enc.encode(passage.text, disallowed_special=())
    keep = len(tokens)
    text = passage.text
    while keep > 0:
        text = enc.decode(tokens[:keep])
        while text and not passage.text.startswith(text):  # a cut through a multi-byte character
            text = text[:-1]
        if " " in text.strip():
            text = text[: text.rstrip().rfind(" ")].rstrip()
        cut = passage.model_copy(update={"text": text, "end": passage.start + len(text)})
        if count_tokens(_passage_block(1, cut), tokenizer) <= budget:
            return cut
        keep = min(keep - 1, int(keep * budget / max(1, count_tokens(_passage_block(1, cut), tokenizer))))
    return passage.model_copy(update={"text": "", "end": passage.start})


def pack_passages(passages: Sequence[Passage], budget: int, tokenizer: str = "cl100k_base") -> list[Passage]:
    """Passages in rank order that fit `budget` tokens as rendered; the first is cut to fit if it alone is too long."""
    packed: list[Passage] = []
    used = 0
    for p in passages:
        cost = count_tokens(_passage_block(len(packed) + 1, p), tokenizer)
        if used + cost <= budget:
            packed.append(p)
            used += cost
        elif not packed:
            packed.append(_truncate(p, budget, tokenizer))
            used = budget
    return packed


# ---- chat prompts ----------------------------------------------------------------------------


def qa_messages(question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    """System + user messages for a question over numbered passages ([n] = position in `passages`, from 1)."""
    system = render(QA_SYSTEM, cannot_answer=CANNOT_ANSWER_MARKER)
    user = render(
        QA_USER,
        passages=[passage_view(i, p) for i, p in enumerate(passages, start=1)],
        question=question.strip(),
        cannot_answer=CANNOT_ANSWER_MARKER,
    )
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=system), HumanMessage(content=user)]


def qa_prompt(question: str, passages: Sequence[Passage]) -> ChatPromptTemplate:
    """The QA prompt as a LangChain ChatPromptTemplate of pre-rendered messages (invoke it with `{}`).

    Rendering happens here with StrictUndefined; message objects are not templated again by LangChain, so braces in
    article text are never read as template variables.
    """
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages(qa_messages(question, passages))


def condense_messages(question: str, history: Sequence[ChatTurn]) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage

    return [HumanMessage(content=render(CONDENSE, history=list(history), question=question.strip()))]


def condense_prompt(question: str, history: Sequence[ChatTurn]) -> ChatPromptTemplate:
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages(condense_messages(question, history))
