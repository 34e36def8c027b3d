"""The draft a briefing engine produces before verification: points with the passages they rest on.

Both engines (extractive and LLM map-reduce) return a `Draft`; `app.brief.pipeline` verifies every point with the shared
support checker, numbers the citations and builds the public `Briefing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.errors import NewsdeskError
from app.injection import looks_like_instruction, mask_instruction_text
from app.models import Passage

GUARD_VERSION = "guard-2"
"""Part of the briefing cache key: bump when `without_instructions` or `no_side_as_fact` change what a briefing may say."""


@dataclass
class Evidence:
    """A passage a point rests on; `span` (inside passage.text) is the exact quote, or None to let the checker pick it."""

    passage: Passage
    span: tuple[int, int] | None = None


@dataclass
class DraftPoint:
    """One statement of the briefing with its evidence.

    `parts`, when set, are verified one by one against the evidence of the same index (a cross-article conflict
    quotes two sources that no single passage supports together); otherwise `text` is verified against all evidence.
    """

    text: str
    evidence: list[Evidence] = field(default_factory=list)
    parts: list[str] | None = None
    speaker: str = ""  # who says it (a quote or first-person statement)
    agreement: str = ""  # 'reported by 3 of 4 sources'
    values: list[str] | None = None  # a disputed item: each evidence's side of the dispute ('£42 million')
    day: date | None = None  # a timeline event: when it happened


@dataclass
class DraftActor:
    name: str
    role: str = ""
    points: list[DraftPoint] = field(default_factory=list)


@dataclass
class Draft:
    headline: str
    summary: list[DraftPoint] = field(default_factory=list)
    key_points: list[DraftPoint] = field(default_factory=list)
    actors: list[DraftActor] = field(default_factory=list)
    facts: list[DraftPoint] = field(default_factory=list)
    disputed: list[DraftPoint] = field(default_factory=list)
    timeline: list[DraftPoint] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LengthSpec:
    """How many items each section gets for a briefing length."""

    summary: int
    key_points: int
    actors: int
    actor_points: int
    facts: int
    disputed: int
    open_questions: int
    timeline: int = 0
    words: int = 0  # budget for the words of every point together (a digest, not a copy: issue 15)
    share: float = 1.0  # ... and at most this share of the words of the articles it digests


LENGTHS: dict[str, LengthSpec] = {
    "short": LengthSpec(summary=2, key_points=3, actors=5, actor_points=1, facts=3, disputed=2, open_questions=2,
                        timeline=4, words=170, share=0.25),
    "standard": LengthSpec(summary=3, key_points=5, actors=10, actor_points=2, facts=5, disputed=4, open_questions=4,
                           timeline=6, words=360, share=0.4),
    "long": LengthSpec(summary=3, key_points=8, actors=14, actor_points=3, facts=8, disputed=6, open_questions=5,
                       timeline=10, words=720, share=0.6),
}  # fmt: skip


def word_budget(spec: LengthSpec, article_words: int) -> int:
    """Words the points of a briefing may use: the length's budget, capped by its share of what it digests (a
    standard briefing of one article stays well under half the article)."""
    return min(spec.words, max(40, int(spec.share * article_words)))


def length_spec(length: str) -> LengthSpec:
    try:
        return LENGTHS[length]
    except KeyError:
        raise NewsdeskError(f"briefing length {length!r} is not one of: {', '.join(LENGTHS)}") from None


def _planted(text: str) -> bool:
    """True when any sentence of `text` is addressed to a language model (the injection guard of app.injection)."""
    return bool(text) and (looks_like_instruction(text) or mask_instruction_text(text) != text)


def without_instructions(draft: Draft, fallback_headline: str = "Briefing") -> Draft:
    """The draft with every point, actor, question and headline that carries planted instructions removed.

    Answers blank such sentences before a model sees them; a briefing quotes or paraphrases articles, so the same
    guard runs on what it would say: extractive and LLM drafts alike."""

    def keep(points: list[DraftPoint]) -> list[DraftPoint]:
        return [p for p in points if not _planted(p.text) and not any(_planted(x) for x in p.parts or [])]

    actors = []
    for actor in draft.actors:
        if _planted(actor.name) or _planted(actor.role):
            continue
        points = keep(actor.points)
        if points or not actor.points:
            actors.append(DraftActor(name=actor.name, role=actor.role, points=points))
    return Draft(
        headline=fallback_headline if _planted(draft.headline) else draft.headline,
        summary=keep(draft.summary),
        key_points=keep(draft.key_points),
        actors=actors,
        facts=keep(draft.facts),
        disputed=keep(draft.disputed),
        timeline=keep(draft.timeline),
        open_questions=[q for q in draft.open_questions if not _planted(q)],
    )


SECTION_ORDER = ("summary", "disputed", "key_points", "actors", "facts", "timeline")
"""Which section keeps a statement that two sections of a draft repeat (earlier wins), and the order in which points
are dropped to meet the word budget (later sections first, their last points first)."""


def _key(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .")


def one_section_each(draft: Draft) -> Draft:
    """The draft with every statement in one place only: a point repeating an earlier one (the same text, or a quote
    of a disputed item) is dropped (LLM replies often repeat a fact under summary, key points and facts)."""
    seen: set[str] = set()

    def keep(points: list[DraftPoint]) -> list[DraftPoint]:
        out = []
        for p in points:
            keys = {_key(p.text), *(_key(x) for x in p.parts or [])}
            if keys & seen:
                continue
            seen.update(keys)
            out.append(p)
        return out

    summary = keep(draft.summary)
    disputed = keep(draft.disputed)
    key_points = keep(draft.key_points)
    actors = [DraftActor(a.name, a.role, ps) for a in draft.actors if (ps := keep(a.points))]
    facts = keep(draft.facts)
    timeline = keep(draft.timeline)
    return Draft(headline=draft.headline, summary=summary, key_points=key_points, actors=actors, facts=facts,
                 disputed=disputed, timeline=timeline, open_questions=draft.open_questions)  # fmt: skip


def draft_words(draft: Draft, sides: bool = True) -> int:
    """Words of the draft's points, questions and headline (`sides=False`: without the cross-source disputed items,
    which have their own allowance, as in extractive briefings)."""
    disputed = draft.disputed if sides else [p for p in draft.disputed if not p.values]
    points = [*draft.summary, *draft.key_points, *(p for a in draft.actors for p in a.points), *draft.facts,
              *disputed, *draft.timeline]  # fmt: skip
    said = sum(len(" ".join(p.parts).split()) if p.parts else len(p.text.split()) for p in points)
    return said + sum(len(q.split()) for q in draft.open_questions) + len(draft.headline.split())


def within_budget(draft: Draft, budget: int) -> Draft:
    """Drop points, the least important first (timeline, facts, actors, key points: last ones first), until the draft
    fits the word budget (cross-source disputed items apart); the summary's first sentence always stays."""
    d = Draft(headline=draft.headline, summary=list(draft.summary), key_points=list(draft.key_points),
              actors=[DraftActor(a.name, a.role, list(a.points)) for a in draft.actors], facts=list(draft.facts),
              disputed=list(draft.disputed), timeline=list(draft.timeline),
              open_questions=list(draft.open_questions))  # fmt: skip
    while draft_words(d, sides=False) > budget:
        if d.open_questions and len(d.open_questions) > 1:
            d.open_questions.pop()
        elif d.timeline:
            d.timeline.pop()
        elif d.facts:
            d.facts.pop()
        elif d.actors:
            d.actors[-1].points.pop()
            d.actors = [a for a in d.actors if a.points]
        elif len(d.key_points) > 1:
            d.key_points.pop()
        elif any(not p.values for p in d.disputed):
            d.disputed.remove(next(p for p in reversed(d.disputed) if not p.values))
        elif len(d.summary) > 1:
            d.summary.pop()
        elif d.key_points:
            d.key_points.pop()
        else:
            break
    return d


def no_side_as_fact(draft: Draft) -> Draft:
    """The draft with no statement that takes one side of a disputed item as fact (D4): a headline, summary, key
    point, fact, actor point or timeline event that states a disputed value ('3,400 residents') is dropped; a headline
    that does is replaced by the dispute it takes sides in. Extractive and LLM drafts alike."""
    disputes = [(p, [_key(v) for v in p.values if v.strip()]) for p in draft.disputed if p.values]
    if not disputes:
        return draft

    def side_of(text: str) -> DraftPoint | None:
        t = f" {_key(text)} "
        return next((p for p, vs in disputes if any(f" {v} " in t or f" {v}," in t for v in vs)), None)

    def keep(points: list[DraftPoint]) -> list[DraftPoint]:
        return [p for p in points if side_of(p.text) is None]

    taken = side_of(draft.headline)
    return Draft(
        headline=draft.headline if taken is None else taken.text,
        summary=keep(draft.summary),
        key_points=keep(draft.key_points),
        actors=[DraftActor(a.name, a.role, ps) for a in draft.actors if (ps := keep(a.points))],
        facts=keep(draft.facts),
        disputed=draft.disputed,
        timeline=keep(draft.timeline),
        open_questions=draft.open_questions,
    )
