"""LLM briefings: LangChain map-reduce over numbered passages, budgeted with tiktoken so any corpus fits the context.

map:      batches of passages (each batch within the passage budget) -> cited notes '- fact [n]'
collapse: while the notes exceed the budget, batches of notes -> fewer notes (markers kept)
reduce:   notes -> the briefing sections as JSON with [n] markers; small models break JSON, so the reply is also
          read as headed bullet lists, and as plain cited lines when nothing else parses.
The draft's points keep the passages their markers name; app.brief.pipeline verifies each one with the support checker.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableConfig

from app.answer.prompts import passage_view, prompt_version, render
from app.brief.attribution import named_in, needs_speaker
from app.brief.draft import Draft, DraftActor, DraftPoint, Evidence, LengthSpec, word_budget
from app.brief.timeline import event_day
from app.chunks.tokens import count_tokens
from app.models import Passage
from app.settings import Settings

if TYPE_CHECKING:
    from app.answer.engine import Engine

log = logging.getLogger(__name__)

SYSTEM, MAP, COLLAPSE, REDUCE = "brief_system", "brief_map", "brief_collapse", "brief_reduce"
PROMPTS = (SYSTEM, MAP, COLLAPSE, REDUCE)
MAX_COLLAPSE_ROUNDS = 4
NOTES_PER_BATCH = 6
_MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*[,;]\s*\d+)*)\s*\]", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")
_SECTION_ALIASES = {
    "headline": "headline", "title": "headline", "summary": "summary", "key points": "key_points",
    "key_points": "key_points", "points": "key_points", "actors": "actors", "who said what": "actors",
    "facts": "facts", "disputed": "disputed", "disputes": "disputed", "open questions": "open_questions",
    "open_questions": "open_questions", "questions": "open_questions", "timeline": "timeline",
    "chronology": "timeline",
}  # fmt: skip

Progress = Callable[[int, int, str], None]


def prompt_signature() -> str:
    """The versions of the briefing prompts, for the cache key."""
    return ",".join(f"{n}@{prompt_version(n)}" for n in PROMPTS)


@dataclass
class Note:
    text: str
    refs: list[int]

    def line(self) -> str:
        return f"{self.text} " + "".join(f"[{n}]" for n in self.refs)


def split_markers(text: str, n_passages: int) -> tuple[str, list[int]]:
    """(text without [n] markers, valid passage numbers in order)."""
    refs = [int(x) for m in _MARKER.finditer(text) for x in re.split(r"\s*[,;]\s*", m.group(1))]
    clean = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", text))
    clean = re.sub(r"\s{2,}", " ", clean).strip(" -*•\t")
    return clean, list(dict.fromkeys(r for r in refs if 1 <= r <= n_passages))


def parse_notes(text: str, n_passages: int) -> list[Note]:
    """Cited lines of a map/collapse reply (bullets or plain lines); lines without a valid marker are dropped."""
    notes: list[Note] = []
    for raw in text.splitlines():
        m = _BULLET.match(raw)
        line = m.group(1) if m else raw.strip()
        clean, refs = split_markers(line, n_passages)
        if refs and len(clean.split()) >= 3:
            notes.append(Note(clean, refs))
    return notes


# ---- reply parsing ---------------------------------------------------------------------------------------------------------


def _json_object(text: str) -> dict[str, Any] | None:
    text = re.sub(r"```(?:json)?", "", text)
    start = text.find("{")
    if start < 0:
        return None
    end = text.rfind("}")
    candidates = [text[start : end + 1]] if end > start else []
    candidates.append(_close_json(text[start:]))  # a reply cut off by the token limit
    for c in candidates:
        try:
            obj = json.loads(re.sub(r",\s*([}\]])", r"\1", c))
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


def _close_json(text: str) -> str:
    """Best effort: cut a truncated JSON reply after its last complete string and close the open brackets."""
    cut = text.rfind('",')
    text = text[: cut + 1] if cut > 0 else text
    stack: list[str] = []
    in_str = esc = False
    for ch in text:
        if esc:
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == '"':
            in_str = not in_str
        elif not in_str and ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif not in_str and ch in "]}" and stack:
            stack.pop()
    return text + ("" if not in_str else '"') + "".join(reversed(stack))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def parse_sections(text: str) -> dict[str, Any]:
    """The reduce reply as {'headline': str, 'summary': [str], 'key_points': [str], 'actors': [(name, [str])], ...}."""
    obj = _json_object(text)
    if obj is not None:
        head = obj.get("headline") or obj.get("title")
        out: dict[str, Any] = {"headline": head.strip() if isinstance(head, str) and len(head.split()) <= 25 else ""}
        summary = obj.get("summary")
        out["summary"] = _sentences(summary) if isinstance(summary, str) else _strings(summary)
        for key in ("key_points", "facts", "disputed", "open_questions", "timeline"):
            out[key] = _strings(obj.get(key))
        out["actors"] = _actors(obj.get("actors"))
        return out
    return _parse_headed(text)


def _sentences(text: str) -> list[str]:
    """Split after a citation marker or a full stop followed by a capital letter."""
    parts = re.split(r"(?<=[\].!?])\s+(?=[A-Z\"“])", text.strip())
    return [p for p in parts if p.strip()]


def _actors(value: Any) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    if isinstance(value, dict):
        value = [{"name": k, "points": v} for k, v in value.items()]
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            name = str(item.get("name") or item.get("actor") or "").strip()
            pts = _strings({k: v for k, v in item.items() if k not in ("name", "actor", "role")})
        elif isinstance(item, str) and ":" in item:
            name, _, rest = item.partition(":")
            pts = [rest.strip()]
        else:
            continue
        if name and pts:
            out.append((name.strip(), pts))
    return out


def _parse_headed(text: str) -> dict[str, Any]:
    """Markdown-ish replies: '## Key points' / 'Facts:' headings followed by bullets; else every cited line is a key point."""
    out: dict[str, Any] = {
        "headline": "",
        "summary": [],
        "key_points": [],
        "facts": [],
        "disputed": [],
        "open_questions": [],
        "actors": [],
        "timeline": [],
    }
    section = "key_points"
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        head = re.match(r"^(?:#+\s*)?\**\s*([A-Za-z_ ]{4,20}?)\s*\**\s*(?::\s*\**\s*(.*)|$)", line)
        if head and head.group(1).strip().lower() in _SECTION_ALIASES and not _BULLET.match(line):
            section = _SECTION_ALIASES[head.group(1).strip().lower()]
            rest = (head.group(2) or "").strip()
            if section == "headline" and rest:
                out["headline"] = rest.strip("# *")
            elif rest:
                out[section if section != "actors" else "key_points"].append(rest)
            continue
        m = _BULLET.match(line)
        item = m.group(1) if m else line
        if section == "headline":
            out["headline"] = out["headline"] or item.strip("# *")
        elif section == "actors" and ":" in item:
            name, _, rest = item.partition(":")
            out["actors"].append((name.strip(" *"), [rest.strip()]))
        elif section in out and isinstance(out[section], list):
            out[section].append(item)
    return out


# ---- the chain ---------------------------------------------------------------------------------------------------------------


def _messages(name: str, **variables: Any) -> list[BaseMessage]:
    return [SystemMessage(content=render(SYSTEM)), HumanMessage(content=render(name, **variables))]


def _tokens(messages: Sequence[BaseMessage], tokenizer: str) -> int:
    return sum(count_tokens(m.text, tokenizer) for m in messages)


def pack_batches(items: Sequence[Any], cost: Callable[[Any], int], budget: int) -> list[list[Any]]:
    """Consecutive batches whose summed cost fits the budget (an item larger than the budget goes alone)."""
    batches: list[list[Any]] = []
    used = 0
    for it in items:
        c = cost(it)
        if batches and used + c <= budget:
            batches[-1].append(it)
            used += c
        else:
            batches.append([it])
            used = c
    return batches


def _truncate_passage(p: Passage, budget: int, tokenizer: str) -> Passage:
    """A prefix of an over-long passage that fits the budget; offsets stay exact."""
    from app.answer.prompts import pack_passages

    return pack_passages([p], budget, tokenizer)[0]


def llm_draft(
    passages: Sequence[Passage],
    *,
    engine: Engine,
    settings: Settings,
    spec: LengthSpec,
    progress: Progress | None = None,
) -> Draft:
    """Map-reduce the passages into a draft whose points cite passage numbers (1 = passages[0])."""
    tick = progress or (lambda done, total, label: None)
    budget = engine.passage_budget or settings.context_tokens
    tok = settings.tokenizer
    passages = [p if count_tokens(p.text, tok) <= budget else _truncate_passage(p, budget, tok) for p in passages]
    n = len(passages)
    assert engine.chat_model is not None, "LLM briefings need an engine with a chat model"
    chain = engine.chat_model | StrOutputParser()
    config: RunnableConfig = {"max_concurrency": engine.max_concurrency}
    numbered = list(enumerate(passages, start=1))
    batches = pack_batches(numbered, lambda np_: count_tokens(np_[1].text, tok) + 20, budget)
    steps = len(batches) + 2
    tick(0, steps, f"reading {n} passages in {len(batches)} batches")
    notes: list[Note] = []
    for i, batch in enumerate(batches, start=1):
        views = [passage_view(k, p) for k, p in batch]
        reply = chain.invoke(_messages(MAP, passages=views, max_notes=NOTES_PER_BATCH), config=config)
        got = parse_notes(reply, n)
        if not got:  # no markers (small models): each line goes to the passage of the batch it shares most words with
            ids = [k for k, _ in batch]
            got = [Note(t, _likely(t, passages, ids, k=1)) for t in _plain_lines(reply)]
        notes += got
        tick(i, steps, f"map {i}/{len(batches)}")
    notes = _collapse(notes, chain, config, budget, tok, n)
    tick(len(batches) + 1, steps, "writing the briefing")
    chain = with_output_tokens(engine, settings) | StrOutputParser()
    words = word_budget(spec, sum(len(p.text.split()) for p in passages))
    reply = chain.invoke(_messages(REDUCE, notes=[x.line() for x in notes], spec=spec, words=words), config=config)
    draft = to_draft(parse_sections(reply), passages, notes, spec)
    tick(steps, steps, "draft ready")
    return draft


def with_output_tokens(engine: Engine, settings: Settings) -> Any:
    """The chat model allowed settings.brief_max_tokens for the reduce reply (a whole briefing is longer than an answer).

    The in-process llama.cpp model keeps its limit: its window is shared by the prompt and the reply.
    """
    model = engine.chat_model
    limit = getattr(model, "max_tokens", None)
    if model is None or engine.shared_window or not isinstance(limit, int):
        return model
    update: dict[str, Any] = {"max_tokens": max(limit, settings.brief_max_tokens)}
    extra = getattr(model, "extra_body", None)
    if isinstance(extra, dict) and "max_tokens" in extra:
        update["extra_body"] = {**extra, "max_tokens": update["max_tokens"]}
    return model.model_copy(update=update)


def _plain_lines(text: str) -> list[str]:
    """Uncited reply lines worth checking, without list bullets and 'The passage "..."' wrappers."""
    out: list[str] = []
    for raw in text.splitlines():
        m = _BULLET.match(raw)
        line = (m.group(1) if m else raw).strip()
        line = re.sub(r"^(?:the\s+)?passage\s*\d*\s*(?:says|states)?\s*:?\s*", "", line, flags=re.I).strip(' "“”')
        if len(line.split()) >= 4:
            out.append(line)
    return out[:NOTES_PER_BATCH]


def _collapse(notes: list[Note], chain: Any, config: Any, budget: int, tok: str, n: int) -> list[Note]:
    for _ in range(MAX_COLLAPSE_ROUNDS):
        if sum(count_tokens(x.line(), tok) + 2 for x in notes) <= budget:
            return notes
        batches = pack_batches(notes, lambda x: count_tokens(x.line(), tok) + 2, budget)
        merged: list[Note] = []
        for batch in batches:
            reply = chain.invoke(
                _messages(COLLAPSE, notes=[x.line() for x in batch], max_notes=max(3, len(batch) // 2)), config=config
            )
            merged += parse_notes(reply, n) or batch[: max(1, len(batch) // 2)]
        if len(merged) >= len(notes):
            merged = merged[: max(1, len(notes) // 2)]
        notes = merged
    # Still too long after the rounds: keep what fits, in order.
    kept, used = [], 0
    for x in notes:
        c = count_tokens(x.line(), tok) + 2
        if used + c > budget:
            break
        kept.append(x)
        used += c
    return kept


def to_draft(sections: dict[str, Any], passages: Sequence[Passage], notes: Sequence[Note], spec: LengthSpec) -> Draft:
    """Sections of parsed text -> DraftPoints with the passages their markers name (or the likeliest ones)."""
    n = len(passages)
    note_refs = list(dict.fromkeys(r for x in notes for r in x.refs)) or list(range(1, n + 1))

    def point(text: str, speaker: str = "") -> DraftPoint | None:
        clean, refs = split_markers(text, n)
        if len(re.findall(r"[^\W\d_]{2,}", clean)) < 3:  # not a statement (a truncated list of numbers, a lone name)
            return None
        if needs_speaker(clean) and not speaker:
            speaker = named_in(clean) or ""
            if not speaker:  # the attribution rule of extractive briefings: no quote without its speaker
                return None
        refs = refs or _likely(clean, passages, note_refs)
        return DraftPoint(text=clean, evidence=[Evidence(passages[r - 1]) for r in refs[:4]], speaker=speaker)

    def points(items: Sequence[str], k: int, speaker: str = "") -> list[DraftPoint]:
        out: list[DraftPoint] = []
        for t in items:
            p = point(t, speaker)
            if p is not None and p.text.lower() not in {q.text.lower() for q in out}:
                out.append(p)
        return out[:k]

    def events(items: Sequence[str], k: int) -> list[DraftPoint]:
        """Dated points in date order (the date stays in the text, so the checker verifies it too)."""
        out = []
        for p in points(items, k):
            day = event_day(p.text, p.evidence[0].passage.published if p.evidence else None)
            if day is not None:
                out.append(replace(p, day=day))
        return sorted(out, key=lambda p: p.day or date.min)

    draft = Draft(
        headline=split_markers(str(sections.get("headline", "")), n)[0].strip(' #*"')[:200],
        summary=points(sections.get("summary", []), spec.summary),
        key_points=points(sections.get("key_points", []), spec.key_points),
        actors=[
            DraftActor(name=name[:80], points=ps)
            for name, items in sections.get("actors", [])[: spec.actors]
            if (ps := points(items, spec.actor_points, speaker=name[:80]))
        ],
        facts=points(sections.get("facts", []), spec.facts),
        disputed=points(sections.get("disputed", []), spec.disputed),
        timeline=events(sections.get("timeline", []), spec.timeline),
        open_questions=[
            q for q in (split_markers(q, n)[0] for q in sections.get("open_questions", [])) if q.endswith("?")
        ][: spec.open_questions],
    )
    if not (draft.summary or draft.key_points or draft.facts or draft.actors):
        # Nothing usable came back: the notes themselves (cited, to be verified) are the key points.
        draft.key_points = points([x.line() for x in notes], spec.key_points)
    if not draft.summary and draft.key_points:
        draft.summary = draft.key_points[:1]
        draft.key_points = draft.key_points[1:]
    return draft


def _likely(text: str, passages: Sequence[Passage], pool: Sequence[int], k: int = 3) -> list[int]:
    """Passages sharing the most words with an uncited point (the checker then decides whether they support it)."""
    words = {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}
    scored = sorted(pool, key=lambda r: -len(words & set(re.findall(r"\w+", passages[r - 1].text.lower()))))
    return scored[:k]
