"""The trial's three-outlet story (tests/data/marrowfield: the Kessel River flood) through the extractive briefing:
who said what is never empty when the articles quote named people (D9), the flood on Tuesday 17 Nov is on the
cross-source timeline, and one side of a disputed figure is never the headline or a stated fact (D4)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from app.brief.draft import Draft, DraftPoint, no_side_as_fact
from app.brief.timeline import event_day
from app.models import Article, Briefing, BriefSelection, Passage
from app.settings import Settings

STORY = Path(__file__).resolve().parent / "data" / "marrowfield"
SPEAKERS = {"Ilse Varnhagen", "Dana Oyelaran", "Tomas Brekke"}
# One side of a dispute each: 1,200 vs 3,400 evacuated, 4 vs 6 million euros of repairs.
SIDES = re.compile(r"1,200|3,400|[46] million euros")


class TopicRetriever:
    """Returns every stored chunk that shares a word with the query (the trial's `brief --query`)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def search(self, query: str, k: int | None = None, filters: Any = None) -> list[Passage]:
        words = {w.lower() for w in re.findall(r"\w+", query)}
        return [p for p in self.passages if words & {w.lower() for w in re.findall(r"\w+", p.text)}][: k or 6]


@pytest.fixture(scope="module")
def story() -> list[Article]:
    from app.ingest.loaders import load_path

    return [a for f in sorted(STORY.glob("*.json")) for a in load_path(f, Settings())]


@pytest.fixture(scope="module")
def make(embeddings, tmp_path_factory):  # type: ignore[no-untyped-def]
    from app.answer.engines import make_engine
    from app.brief.pipeline import article_chunks, brief
    from app.evaluation.cross_source import MemoryStore
    from app.verify.support import SupportChecker

    def run(articles: list[Article], length: str, query: str | None = None) -> Briefing:
        settings = Settings(index_dir=tmp_path_factory.mktemp("marrowfield"))
        store = MemoryStore(articles, settings)
        chunks = article_chunks(store, articles, settings)
        retriever = TopicRetriever([p for a in articles for p in chunks.get(a.id, [])])
        return brief(BriefSelection(query=query), store=store, retriever=retriever,
                     engine=make_engine("extractive", settings, embeddings=embeddings),
                     checker=SupportChecker(embeddings, threshold=settings.support_threshold), settings=settings,
                     embeddings=embeddings, length=length)  # fmt: skip

    return run


def stated_as_fact(b: Briefing) -> list[str]:
    """Every text the briefing states in its own voice: headline, summary, key points, who said what, facts, timeline."""
    return [b.headline, b.summary.text, *(p.text for ps in (b.key_points, b.facts, b.timeline) for p in ps),
            *(p.text for a in b.actors for p in a.points)]  # fmt: skip


@pytest.mark.parametrize("length", ["short", "standard", "long"])
def test_who_said_what_is_there_at_every_length(story: list[Article], make, length: str) -> None:  # type: ignore[no-untyped-def]
    lantern = next(a for a in story if a.source == "Daily Lantern")
    for articles in (story, [lantern]):
        b = make(articles, length)
        names = {a.name for a in b.actors}
        assert names & SPEAKERS, (length, len(articles), b.actors)
        quotes = [p for a in b.actors for p in a.points]
        assert all(p.citations and p.supported for p in quotes)
    # a direct quote of a named speaker comes first when it fits: the section's reason to be
    assert any("“" in p.text or '"' in p.text for a in b.actors for p in a.points), b.actors


@pytest.mark.parametrize("query", [None, "Marrowfield Kessel flood"])
def test_a_disputed_figure_is_never_stated_as_fact(story: list[Article], make, query: str | None) -> None:  # type: ignore[no-untyped-def]
    for length in ("short", "standard", "long"):
        b = make(story, length, query)
        own = [t for t in stated_as_fact(b) if SIDES.search(t)]
        assert not own, (length, own)
    residents = next(p for p in b.disputed if any("3,400" in s.quote for s in p.sides))
    assert {s.source for s in residents.sides} >= {"Daily Lantern", "Northern Courier"}
    assert any("1,200" in s.quote for s in residents.sides)


def test_the_flood_on_tuesday_is_on_the_cross_source_timeline(story: list[Article], make) -> None:  # type: ignore[no-untyped-def]
    b = make(story, "standard")
    flood = [p for p in b.timeline if p.day == date(2026, 11, 17)]
    assert flood and "Kessel" in flood[0].text and "Daily Lantern" in flood[0].sources, b.timeline


def test_weekday_and_date_forms() -> None:
    pub = datetime(2026, 11, 20, 8)  # a Friday
    assert event_day("The Kessel River burst its banks on Tuesday.", pub) == date(2026, 11, 17)
    assert event_day("The river rose early Tuesday.", pub) == date(2026, 11, 17)
    assert event_day("The flood on Tue 17 Nov hit the old town.", pub) == date(2026, 11, 17)
    assert event_day("The flood of 17 November hit the old town.", pub) == date(2026, 11, 17)
    # a weekday right before a date names that date's day: the date is read, not the last Tuesday
    assert event_day("It flooded on Tuesday, 10 November.", pub) == date(2026, 11, 10)


def test_an_llm_draft_taking_one_side_is_cut_back() -> None:
    dispute = DraftPoint(text="Sources give different figures: 3,400 residents vs 1,200 residents",
                         parts=["3,400 residents were evacuated", "1,200 residents were evacuated"],
                         values=["3,400 residents", "1,200 residents"])  # fmt: skip
    draft = Draft(
        headline="Officials in Marrowfield said 3,400 residents were evacuated",
        summary=[DraftPoint(text="The Kessel River flooded Marrowfield."),
                 DraftPoint(text="Officials said 3,400 residents were evacuated.")],
        key_points=[DraftPoint(text="About 1,200 residents, the mayor said, left overnight.")],
        disputed=[dispute],
    )  # fmt: skip
    got = no_side_as_fact(draft)
    assert got.headline == dispute.text
    assert [p.text for p in got.summary] == ["The Kessel River flooded Marrowfield."]
    assert got.key_points == [] and got.disputed == [dispute]
