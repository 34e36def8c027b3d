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

GUARD_VERSION = "guard-1"
"""Part of the briefing cache key: bump when `without_instructions` changes what a briefing may say."""


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
