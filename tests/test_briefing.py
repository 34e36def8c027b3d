"""Briefings: extractive sections on the sample article, multi-article attribution and conflicts, cache, LLM map-reduce."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.answer.engine import ChatEngine, Engine
from app.brief.cues import find_actors, needs_context, open_questions, quantities
from app.brief.extractive import build_units
from app.brief.llm import parse_notes, parse_sections
from app.brief.pipeline import BriefingCache, article_chunks, brief, render_markdown
from app.brief.ranking import lexrank
from app.errors import NewsdeskError
from app.evaluation import metrics
from app.evaluation.datasets import load_dataset
from app.ingest.loaders import load_path
from app.models import Article, ArticleInfo, Briefing, BriefingPoint, BriefSelection, Passage
from app.settings import Settings
from app.text import build_article
from tests.fakes import MapReduceChat

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"
EXTRA = ROOT / "tests" / "data" / "briefing_extra"
FACTS = ROOT / "evals" / "briefing_facts.jsonl"
KEY_FACT_FLOOR = 0.4
"""Key facts of evals/briefing_facts.jsonl a standard briefing of the sample must cite (measured 0.47, issue 15)."""
# Written independently of app.brief.cues: words that make a point lean on a sentence it does not include.
# A point opening with a quotation ('"This plan was developed ...," an official said') is the speaker's own
# reference, so the quote mark is not skipped.
DANGLING = re.compile(
    r"^[^\w\"“]*(?:He|She|It|They|This|That|These|Those|His|Her|Their|Its|However|Meanwhile|Moreover|But|And|Also|"
    r"Specifically|Still|Yet|Thus|In contrast,|By contrast,|At the same time|According to (?:him|her|them))\b"
)


class FakeStore:
    """The part of the store briefings use: list_articles / get_article / get_chunks / fingerprint. Articles are
    chunked as ingest would chunk them."""

    def __init__(self, articles: list[Article], settings: Settings | None = None) -> None:
        from app.chunks.chunking import chunker_for

        self.articles = {a.id: a for a in articles}
        chunk = chunker_for(settings or Settings())
        self.chunks = {c.id: (a, c) for a in articles for c in chunk(a)}

    def list_articles(self) -> list[ArticleInfo]:
        counts = {aid: sum(1 for a, _ in self.chunks.values() if a.id == aid) for aid in self.articles}
        return [
            ArticleInfo(
                id=a.id, title=a.title, source=a.source, published=a.published, chars=len(a.text), chunks=counts[a.id]
            )
            for a in self.articles.values()
        ]

    def get_chunks(self, ids: Sequence[str]) -> list[Passage]:
        out = []
        for cid in ids:
            if cid in self.chunks:
                a, c = self.chunks[cid]
                out.append(Passage(chunk_id=c.id, article_id=a.id, text=c.text, start=c.start, end=c.end, title=a.title,
                                   source=a.source, url=a.url, published=a.published))  # fmt: skip
        return out

    def get_article(self, article_id: str) -> Article | None:
        return self.articles.get(article_id)

    def fingerprint(self) -> str:
        return ",".join(sorted(self.articles))


class FakeRetriever:
    """Returns the passages of a fixed list that contain a query word (topic selections)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.calls: list[tuple[str, Any]] = []

    def search(self, query: str, k: int | None = None, filters: Any = None) -> list[Passage]:
        self.calls.append((query, filters))
        words = set(query.lower().split())
        return [p for p in self.passages if words & set(re.findall(r"\w+", p.text.lower()))][: k or 6]


# ---- fixtures ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Article:
    return load_path(SAMPLE, Settings())[0]


@pytest.fixture(scope="module")
def extras() -> list[Article]:
    return [a for name in ("agree.json", "contradict.json") for a in load_path(EXTRA / name, Settings())]


@pytest.fixture(scope="module")
def checker(embeddings):  # type: ignore[no-untyped-def]
    from app.verify.support import SupportChecker

    return SupportChecker(embeddings, threshold=Settings().support_threshold)


@pytest.fixture(scope="module")
def extractive(embeddings) -> Engine:  # type: ignore[no-untyped-def]
    from app.answer.engines import make_engine

    return make_engine("extractive", Settings(), embeddings=embeddings)


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("briefing-cache")


def run(store: Any, backend: Engine, checker: Any, embeddings: Any, settings: Settings, selection: BriefSelection | None = None,
        **kw: Any) -> Briefing:  # fmt: skip
    return brief(selection or BriefSelection(), store=store, retriever=kw.pop("retriever", None), engine=backend, checker=checker,
                 settings=settings, embeddings=embeddings, **kw)  # fmt: skip


@pytest.fixture(scope="module")
def sample_briefing(sample, extractive, checker, embeddings, cache_root) -> Briefing:  # type: ignore[no-untyped-def]
    settings = Settings(index_dir=cache_root / "sample")
    return run(FakeStore([sample]), extractive, checker, embeddings, settings)


@pytest.fixture(scope="module")
def multi_briefing(sample, extras, extractive, checker, embeddings, cache_root) -> Briefing:  # type: ignore[no-untyped-def]
    settings = Settings(index_dir=cache_root / "multi")
    return run(FakeStore([sample, *extras]), extractive, checker, embeddings, settings)


def all_points(b: Briefing) -> list[BriefingPoint]:
    return metrics.briefing_points(b)


def supports_with(checker):  # type: ignore[no-untyped-def]
    return lambda claim, quotes: checker.check(claim, quotes).supported


# ---- the sample article (extractive) ---------------------------------------------------------------------------------------


def test_sample_briefing_has_every_section(sample_briefing: Briefing, sample: Article) -> None:
    b = sample_briefing
    assert b.headline == sample.title
    assert b.summary.text and b.summary.citations and 2 <= len(b.summary.parts) <= 3
    assert b.key_points and b.disputed and b.open_questions
    assert b.actors and all(a.points for a in b.actors)
    assert [s.id for s in b.sources] == [sample.id]
    assert b.backend == "extractive" and not b.cached and b.length == "standard"


def test_every_citation_is_an_exact_quote_of_the_article(sample_briefing: Briefing, sample: Article) -> None:
    numbers = {c.n for c in sample_briefing.citations}
    assert numbers == set(range(1, len(numbers) + 1))
    for c in sample_briefing.citations:
        assert c.article_id == sample.id
        assert sample.text[c.start : c.end] == c.quote
        assert c.chunk_id.startswith(sample.id + ":")
    for p in all_points(sample_briefing):
        assert p.citations and set(p.citations) <= numbers
        assert p.supported and p.score >= 0.5, p


def test_key_facts_of_the_eval_file_are_covered(sample_briefing: Briefing, sample: Article, checker) -> None:  # type: ignore[no-untyped-def]
    ds = load_dataset(FACTS)
    assert not ds.errors and len(ds.briefings) == 1
    item = ds.briefings[0]
    assert item.selection == {"article_ids": [sample.id]}  # the eval names the bundled sample by its content id
    assert len(item.facts) >= 10
    gold = []
    for fact in item.facts:
        spans = []
        for quote in fact.evidence:
            start = sample.text.find(quote)
            assert start >= 0, f"evidence not in the article: {quote!r}"
            spans.append(metrics.SpanRef(sample.id, start, start + len(quote)))
        gold.append(spans)
    coverage = metrics.key_fact_coverage(sample_briefing, gold)
    # A digest under half the article's words (issue 15) quotes about a third of its sentences: the central facts only.
    assert coverage is not None and coverage >= KEY_FACT_FLOOR
    # Citation precision per (statement, citation): the summary counts sentence by sentence (its parts), since
    # each summary sentence cites its own quote.
    by_n = {c.n: c for c in sample_briefing.citations}
    supports = supports_with(checker)
    pairs = [
        (p.text, by_n[n].quote)
        for p in [*sample_briefing.summary.parts, *all_points(sample_briefing)[1:]]
        for n in p.citations
    ]
    assert sum(supports(text, [quote]) for text, quote in pairs) == len(pairs)


def test_no_duplicate_points(sample_briefing: Briefing, multi_briefing: Briefing) -> None:
    for b in (sample_briefing, multi_briefing):
        main = [*b.summary.parts, *b.key_points, *b.facts]
        texts = [p.text for p in main]
        assert len(texts) == len(set(texts))
        spans = [(c.article_id, c.start, c.end) for p in main for n in p.citations for c in b.citations if c.n == n]
        assert len(spans) == len(set(spans)), "a quote is used by two summary/key/fact points"
        for section in (b.disputed, b.open_questions, *[a.points for a in b.actors]):
            items = [getattr(x, "text", x) for x in section]
            assert len(items) == len(set(items))
        assert len({a.name for a in b.actors}) == len(b.actors)


def test_no_point_starts_with_a_dangling_pronoun(sample_briefing: Briefing, multi_briefing: Briefing) -> None:
    for b in (sample_briefing, multi_briefing):
        for p in [*all_points(b), *b.summary.parts]:
            assert not DANGLING.match(p.text), p.text


@pytest.fixture(scope="module")
def roomy_draft(sample, embeddings):  # type: ignore[no-untyped-def]
    """The sample's draft with room for everything (no word budget): what the actor index finds."""
    from app.brief.draft import LengthSpec
    from app.brief.extractive import extractive_draft

    spec = LengthSpec(summary=1, key_points=0, actors=12, actor_points=3, facts=0, disputed=0, open_questions=0,
                      timeline=0, words=5000, share=1.0)  # fmt: skip
    return extractive_draft([sample], embeddings, spec, chunk_id_for=lambda a, s, e: f"{a}:0")


def test_actors_of_the_sample(roomy_draft) -> None:  # type: ignore[no-untyped-def]
    names = [f"{a.name} {a.role}" for a in roomy_draft.actors]
    blob = " | ".join(names)
    for options in (
        ["Zelenskyy"],
        ["Leavitt", "US official"],
        ["Barrot", "EU foreign ministers"],
        ["Peskov", "Kremlin"],
        ["Gerasimov"],
    ):
        assert any(o in blob for o in options), f"none of {options} in {blob}"
    assert sum("Zelenskyy" in a.name for a in roomy_draft.actors) == 1, "aliases of Zelenskyy were not merged"
    peskov = next(a for a in roomy_draft.actors if "Peskov" in a.name)
    assert peskov.role == "Kremlin spokesman"
    assert any("no process that can be called a consultation" in p.text for p in peskov.points), (
        "'he said' not resolved to Peskov"
    )


def test_disputed_and_open_questions_of_the_sample(sample_briefing: Briefing) -> None:
    assert any("Kupiansk" in p.text and "denies" in p.text for p in sample_briefing.disputed)
    qs = " ".join(sample_briefing.open_questions)
    assert all(q.endswith("?") for q in sample_briefing.open_questions)
    assert "Kupiansk" in qs and "security guarantees" in qs


def test_lengths_set_the_number_of_points(sample, sample_briefing, extractive, checker, embeddings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.evaluation.cross_source import words

    store, settings = FakeStore([sample]), Settings(index_dir=tmp_path)
    short = run(store, extractive, checker, embeddings, settings, length="short")
    long = run(store, extractive, checker, embeddings, settings, length="long")
    article = len(sample.text.split())
    assert words(short) < words(sample_briefing) < article / 2 < words(long) < article
    assert len(all_points(short)) < len(all_points(sample_briefing)) < len(all_points(long))
    assert len(short.key_points) <= 3 and short.length == "short"
    with pytest.raises(NewsdeskError, match="length"):
        run(store, extractive, checker, embeddings, settings, length="epic")


def test_markdown_rendering(sample_briefing: Briefing) -> None:
    md = render_markdown(sample_briefing)
    assert md.startswith(f"# {sample_briefing.headline}\n")
    b = sample_briefing
    for heading, items in (
        ("## Key points", b.key_points),
        ("## Who said or did what", b.actors),
        ("## Facts and figures", b.facts),
        ("## Disputed", b.disputed),
        ("## Timeline", b.timeline),
        ("## Open questions", b.open_questions),
        ("## Sources", b.citations),
    ):
        assert (heading in md) == bool(items), heading
    sources = md.split("## Sources", 1)[1]
    lines = [ln for ln in sources.splitlines() if re.match(r"^\d+\. ", ln)]
    assert len(lines) == len(sample_briefing.citations)
    first = sample_briefing.citations[0]
    assert lines[0].startswith(f"1. {first.title}, {first.source}, 2025-11-21: “")
    body = md.split("## Sources", 1)[0]
    assert set(map(int, re.findall(r"\[(\d+)\]", body))) == {c.n for c in sample_briefing.citations}
    assert "(unverified)" not in md


# ---- several articles ------------------------------------------------------------------------------------------------------


def test_multi_article_points_are_attributed_and_merged(
    multi_briefing: Briefing, sample: Article, extras: list[Article]
) -> None:
    agree, contra = extras
    b = multi_briefing
    assert {s.id for s in b.sources} == {sample.id, agree.id, contra.id}
    by_n = {c.n: c for c in b.citations}
    for p in all_points(b):
        assert p.sources, p
        assert set(p.sources) == {_label(by_n[n]) for n in p.citations}
    # The 600,000 cap reported by two sources is one side of the dispute, naming both.
    side = [s for p in b.disputed for s in p.sides if "600,000" in s.quote]
    assert {s.source for s in side} == {"ReOpen Media", "Kyiv Ledger"}
    assert {by_n[s.citation].article_id for s in side} == {sample.id, agree.id}
    for c in b.citations:
        art = {sample.id: sample, agree.id: agree, contra.id: contra}[c.article_id]
        assert art.text[c.start : c.end] == c.quote


def _label(c: Any) -> str:
    return c.source if c.source else c.title


def test_multi_article_conflict_is_disputed_citing_both(
    multi_briefing: Briefing, sample: Article, extras: list[Article]
) -> None:
    _, contra = extras
    by_n = {c.n: c for c in multi_briefing.citations}
    conflicts = [p for p in multi_briefing.disputed if "600,000" in p.text and "500,000" in p.text]
    assert len(conflicts) == 1
    p = conflicts[0]
    cited = {by_n[n].article_id for n in p.citations}
    assert {sample.id, contra.id} <= cited and p.supported
    sides = {s.source: s for s in p.sides}
    assert {"ReOpen Media", "Daily Example"} <= set(sides)
    assert sides["ReOpen Media"].value == "600,000 troops" and sides["Daily Example"].value == "500,000 troops"
    for s in p.sides:  # each side: its outlet, its date, the exact words, the citation of those words
        assert s.published is not None and by_n[s.citation].quote == s.quote and s.value in s.quote
    md = render_markdown(multi_briefing)
    assert "Daily Example (22 Nov): “Ukraine must limit the size of its army to 500,000 troops" in md
    assert not any("500,000" in q for q in multi_briefing.open_questions), "the disputed item already says it"
    assert multi_briefing.headline and multi_briefing.headline != sample.title


# ---- selection -----------------------------------------------------------------------------------------------------------


def test_selection_by_ids_period_and_topic(sample, extras, extractive, checker, embeddings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    agree, contra = extras
    store, settings = FakeStore([sample, agree, contra]), Settings(index_dir=tmp_path)
    one = run(
        store, extractive, checker, embeddings, settings, BriefSelection(article_ids=[contra.id[:8]]), length="short"
    )
    assert [s.id for s in one.sources] == [contra.id] and one.headline == contra.title
    late = run(
        store, extractive, checker, embeddings, settings, BriefSelection(since=datetime(2025, 11, 22)), length="short"
    )
    assert [s.id for s in late.sources] == [contra.id]
    day = run(
        store, extractive, checker, embeddings, settings, BriefSelection(until=datetime(2025, 11, 21)), length="short"
    )
    assert {s.id for s in day.sources} == {sample.id, agree.id}  # an `until` date includes that whole day
    chunks = article_chunks(store, [sample, agree, contra], settings)
    retriever = FakeRetriever([p for ps in chunks.values() for p in ps if "Kupiansk" in p.text or "Kremlin" in p.text])
    topic = run(
        store,
        extractive,
        checker,
        embeddings,
        settings,
        BriefSelection(query="Kremlin"),
        retriever=retriever,
        length="short",
    )
    assert retriever.calls and {s.id for s in topic.sources} <= {sample.id, contra.id}
    for c in topic.citations:
        assert any(p.article_id == c.article_id and p.start < c.end and c.start < p.end for p in retriever.passages)
    with pytest.raises(NewsdeskError, match=r"unknown article id\(s\): nope \(see `newsdesk articles`\)"):
        run(store, extractive, checker, embeddings, settings, BriefSelection(article_ids=["nope"]))
    with pytest.raises(ValidationError, match="article_ids is empty"):
        BriefSelection(article_ids=[])
    emptied = BriefSelection().model_copy(update={"article_ids": []})  # a door that skipped validation
    with pytest.raises(NewsdeskError, match="no indexed article matches"):
        run(store, extractive, checker, embeddings, settings, emptied)
    with pytest.raises(NewsdeskError, match="no indexed article matches"):
        run(store, extractive, checker, embeddings, settings, BriefSelection(since=datetime(2030, 1, 1)))
    with pytest.raises(NewsdeskError, match="no articles are indexed"):
        run(FakeStore([]), extractive, checker, embeddings, settings)


# ---- cache --------------------------------------------------------------------------------------------------------------


def test_cache_hit_and_invalidation(sample, extras, extractive, checker, embeddings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    agree, _ = extras
    settings = Settings(index_dir=tmp_path / "index")
    store = FakeStore([sample, agree])
    first = run(store, extractive, checker, embeddings, settings, length="short")
    second = run(store, extractive, checker, embeddings, settings, length="short")
    assert not first.cached and second.cached
    assert second.model_dump(exclude={"cached"}) == first.model_dump(exclude={"cached"})
    files = list((settings.resolved_cache_dir / "briefings").glob("*.json"))
    assert len(files) == 1
    # Another length or backend model is another entry.
    assert not run(store, extractive, checker, embeddings, settings, length="long").cached
    # The article changes (same id, new title): recomputed, and the stale entry is replaced.
    store.articles[agree.id] = agree.model_copy(update={"title": "Kyiv Agrees to Work on Plan (updated)"})
    third = run(store, extractive, checker, embeddings, settings, length="short")
    assert not third.cached and any(c.title.endswith("(updated)") for c in third.citations)
    assert len(list((settings.resolved_cache_dir / "briefings").glob("*.json"))) == 2  # short (replaced) + long
    # An article is added to the selection "all": a new article set.
    store.articles[extras[1].id] = extras[1]
    assert not run(store, extractive, checker, embeddings, settings, length="short").cached


def test_unreadable_cache_entry_is_ignored(tmp_path: Path, sample_briefing: Briefing) -> None:
    cache = BriefingCache(tmp_path)
    cache.put("sel", "v1", sample_briefing)
    assert cache.get("sel", "v1") is not None and cache.get("sel", "v1").cached  # type: ignore[union-attr]
    cache.path("sel", "v1").write_text("{not json", encoding="utf-8")
    assert cache.get("sel", "v1") is None


# ---- verification (strict) -------------------------------------------------------------------------------------------------


class RejectingChecker:
    """Wraps the real checker but rejects any claim mentioning a word."""

    def __init__(self, inner: Any, word: str) -> None:
        self.inner, self.word, self.threshold = inner, word, inner.threshold

    def check_many(self, claims: list[str], passages: list[list[str]]) -> list[Any]:
        results = self.inner.check_many(claims, passages)
        for claim, r in zip(claims, results, strict=True):
            if self.word in claim:
                r.supported, r.score, r.reason = False, 0.1, "rejected by the test"
        return results


def test_unsupported_points_are_marked_or_dropped_with_strict(
    sample, extractive, checker, embeddings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    store, rejecting = FakeStore([sample]), RejectingChecker(checker, "Kupiansk")
    loose = run(store, extractive, rejecting, embeddings, Settings(index_dir=tmp_path / "a"))
    marked = [p for p in all_points(loose) if "Kupiansk" in p.text]
    assert marked and all(not p.supported and "rejected by the test" in p.reason for p in marked)
    assert "(unverified)" in render_markdown(loose)
    strict = run(store, extractive, rejecting, embeddings, Settings(index_dir=tmp_path / "b"), strict=True)
    assert all(p.supported for p in all_points(strict)) and not any("Kupiansk" in p.text for p in all_points(strict))
    assert strict.key_points


# ---- pure parts ------------------------------------------------------------------------------------------------------------


def test_units_keep_quotes_whole_and_give_dangling_sentences_context(sample: Article) -> None:
    units = build_units(sample)
    texts = [u.text for u in units]
    barrot = next(t for t in texts if "Barrot" in t)
    assert barrot.startswith('"The Ukrainians want peace') and barrot.endswith("Jean-Noël Barrot.")
    telegram = next(t for t in texts if "he wrote on Telegram" in t)
    assert telegram.startswith("Zelenskyy, after a meeting in Kyiv")
    assert not any(t.startswith(("Meanwhile", "According to her", "Specifically", "These")) for t in texts)
    assert all(sample.text[u.start : u.end].split() == u.text.split() for u in units)
    assert not any("Related Reads" in t or "Sign in" in t for t in texts)


def test_cues_find_speakers_facts_and_questions() -> None:
    hits = find_actors("The Chief of the Russian General Staff, Valery Gerasimov, reported to President Putin about the capture "
                       "of the city of Kupiansk, which, however, the Ukrainian side denies.")  # fmt: skip
    assert [(h.name, h.role) for h in hits] == [
        ("Valery Gerasimov", "Chief of the Russian General Staff"),
        ("Ukrainian side", ""),
    ]
    assert (
        find_actors('"Peace cannot be capitulation," stated French Foreign Minister Jean-Noël Barrot.')[0].key
        == "barrot"
    )
    assert find_actors('"No," a senior US official told Reuters.')[0].name == "Senior US official"
    assert find_actors('"We are ready," he wrote.')[0].pronoun == "person"
    assert (
        needs_context("However, the plan failed.")
        and needs_context('"Yes," he said.')
        and not needs_context('"This plan works," the minister said.')
    )
    assert [(q.value, q.unit) for q in quantities("a 28-point plan capping the army at 600,000 troops")] == [
        (28, "point"),
        (600000, "troop"),
    ]
    assert open_questions("It will receive guarantees, without detailing their content.") == [
        "What is the content of the guarantees?"
    ]


def test_lexrank_prefers_the_hub() -> None:
    import numpy as np

    sim = np.array([[1, 0.9, 0.9, 0.9], [0.9, 1, 0.2, 0.2], [0.9, 0.2, 1, 0.2], [0.9, 0.2, 0.2, 1]])
    r = lexrank(sim)
    assert int(np.argmax(r)) == 0 and abs(r.sum() - 1) < 1e-6


def test_llm_reply_parsing() -> None:
    good = '{"headline": "H", "summary": "One [1]. Two [2].", "key_points": ["K [3]"], "actors": [{"name": "A", "points": ["P [1]"]}]}'
    s = parse_sections(good)
    assert s["headline"] == "H" and s["summary"] == ["One [1].", "Two [2]."] and s["actors"] == [("A", ["P [1]"])]
    cut = '```json\n{"headline": "H", "key_points": ["Ukraine must cap its army [2]", "The Kremlin denies it [3]", "unfinis'
    assert parse_sections(cut)["key_points"] == ["Ukraine must cap its army [2]", "The Kremlin denies it [3]"]
    headed = "Headline: Plan talks\n## Key points\n- Kyiv will work on the plan [1]\nFacts:\n* 600,000 troops cap [2]\n"
    h = parse_sections(headed)
    assert (
        h["headline"] == "Plan talks"
        and h["key_points"] == ["Kyiv will work on the plan [1]"]
        and h["facts"] == ["600,000 troops cap [2]"]
    )
    notes = parse_notes(
        "- Kyiv will work on the plan [1]\n- no marker here at all\n- bad number [9]\n2. Army cap of 600,000 [2, 1]", 3
    )
    assert [(n.text, n.refs) for n in notes] == [("Kyiv will work on the plan", [1]), ("Army cap of 600,000", [2, 1])]


# ---- LLM map-reduce with a scripted chat model --------------------------------------------------------------------------------


class ScriptedChat(MapReduceChat):
    """Map: quotes the first sentence of each passage as a cited note. Collapse: keeps half. Reduce: a JSON briefing
    with the notes as points plus one invented point. Records every prompt."""

    invented: str = "Ukraine agreed to hand Alaska to Russia"

    def reduce(self, prompt: str, notes: list[str]) -> str:
        if "Merge these notes" in prompt:
            return "\n".join(f"- {x}" for x in notes[: max(1, len(notes) // 2)])
        obj = {"headline": "Talks on the US plan", "summary": " ".join(notes[:2]), "key_points": [*notes[2:5], f"{self.invented} [1]."],
               "actors": [{"name": "Kremlin", "points": [n for n in notes if "Kremlin" in n][:1]}], "facts": notes[5:7],
               "disputed": [], "open_questions": ["Which figure is right?"]}  # fmt: skip
        return "Here is the briefing:\n" + json.dumps(obj)


def test_llm_map_reduce_is_budgeted_and_verified(sample, extras, checker, embeddings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.chunks.tokens import count_tokens

    chat = ScriptedChat(prompts=[])
    backend = ChatEngine(name="openai", model="scripted", label="scripted", chat_model=chat)
    settings = Settings(index_dir=tmp_path, context_tokens=250, chunk_tokens=120, chunk_overlap_tokens=0)
    store = FakeStore([sample, *extras], settings)
    steps: list[tuple[int, int, str]] = []
    b = run(store, backend, checker, embeddings, settings, progress=lambda d, t, label: steps.append((d, t, label)))
    maps = [p for p in chat.prompts if "<passage" in p]
    assert len(maps) >= 4, "the passages did not need several map batches at this budget"
    assert any("Merge these notes" in p for p in chat.prompts), "notes over the budget were not collapsed"
    for p in maps:  # each batch holds at most budget tokens of passage text (one over-long passage may go alone)
        texts = re.findall(r"<passage[^>]*>\n(.*?)\n</passage>", p, flags=re.S)
        assert sum(count_tokens(t) for t in texts) <= 250 or len(texts) == 1
    assert b.backend == "openai" and b.model == "scripted" and b.headline == "Talks on the US plan"
    assert b.key_points and b.summary.text
    invented = [p for p in all_points(b) if "Alaska" in p.text]
    assert invented and not invented[0].supported
    texts = {a.id: a.text for a in store.articles.values()}
    for c in b.citations:
        assert texts[c.article_id][c.start : c.end] == c.quote
    for p in all_points(b):
        if p.supported:
            assert p.citations
    assert steps and steps[-1][0] == steps[-1][1]
    strict = run(store, backend, checker, embeddings, Settings(index_dir=tmp_path / "s", context_tokens=250, chunk_tokens=120,
                                                               chunk_overlap_tokens=0), strict=True)  # fmt: skip
    assert strict.key_points and all(p.supported for p in all_points(strict))
    assert not any("Alaska" in p.text for p in all_points(strict))


@pytest.mark.llm
@pytest.mark.slow
def test_llamacpp_briefing_is_verified(sample, checker, embeddings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.answer.engines import make_engine

    settings = Settings(index_dir=tmp_path, backend="llamacpp")
    backend = make_engine("llamacpp", settings)
    b = run(FakeStore([sample]), backend, checker, embeddings, settings, length="short")
    assert b.backend == "llamacpp" and b.model
    assert b.headline
    for c in b.citations:
        assert sample.text[c.start : c.end] == c.quote
    assert all(p.reason for p in all_points(b) if p.text), "a point skipped verification"
    assert any(p.text for p in all_points(b)), "the model's reply gave no point at all"
    assert render_markdown(b).startswith(f"# {b.headline}")
    # Dropping unsupported points (strict) is the same code for every backend: tested with the scripted model above.


# ---- through the real store (ingest + Chroma + hybrid retrieval) ------------------------------------------------------------


def test_briefing_through_newsdesk_and_the_real_store(embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.services import Newsdesk

    desk = Newsdesk(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    report = desk.ingest([SAMPLE, EXTRA / "agree.json", EXTRA / "contradict.json"])
    assert not report.errors and len(report.added) == 3
    b = desk.brief(length="short")
    assert len(b.sources) == 3 and not b.cached
    stored = {a.id: desk.get_article(a.id) for a in b.sources}
    for c in b.citations:
        assert stored[c.article_id].text[c.start : c.end] == c.quote  # type: ignore[union-attr]
        assert c.chunk_id.rsplit(":", 1)[0] == c.article_id
    assert desk.brief(length="short").cached
    topic = desk.brief(BriefSelection(query="Kremlin consultations Peskov"), length="short")
    assert topic.citations and any("Peskov" in c.quote or "Kremlin" in c.quote for c in topic.citations)


# ---- scale (measured, not asserted) ----------------------------------------------------------------------------------------


def synthetic_articles(n: int, pool: list[str], seed: int = 0) -> list[Article]:
    """Articles made by recombining real news sentences (deterministic)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sents = rng.sample(pool, k=min(len(pool), rng.randint(12, 20)))
        paras = ["\n".join([" ".join(sents[j : j + 3])]) for j in range(0, len(sents), 3)]
        out.append(
            build_article(
                f"Synthetic report {i}",
                "\n".join(paras),
                source=f"Wire {i % 7}",
                published=datetime(2025, 11, 1 + i % 28),
            )
        )
    return out


@pytest.mark.slow
def test_brief_1_10_100_articles(
    sample, extras, make_articles, extractive, checker, embeddings, tmp_path, record_property
) -> None:  # type: ignore[no-untyped-def]
    # Real sentences (sample, extras) plus the templated news sentences of bench.corpus, so few repeat verbatim.
    pool = list(dict.fromkeys(u.text for a in (sample, *extras, *make_articles(60, seed=7)) for u in build_units(a)))
    timings: dict[int, float] = {}
    for n in (1, 10, 100):
        articles = synthetic_articles(n, pool, seed=n)
        store = FakeStore(articles)
        t0 = time.perf_counter()
        b = run(store, extractive, checker, embeddings, Settings(index_dir=tmp_path / str(n)))
        timings[n] = time.perf_counter() - t0
        texts = {a.id: a.text for a in articles}
        assert b.key_points and all(texts[c.article_id][c.start : c.end] == c.quote for c in b.citations)
    record_property("brief_seconds", timings)
    print(f"\nbriefing time (extractive, standard): {timings}")


@pytest.mark.parametrize(
    ("lead", "headline"),
    [
        ("PORT ORVAL — Tessel Freight reported a 12 percent rise in revenue on Thursday.", "Tessel Freight reported a 12 percent rise in revenue on Thursday"),
        ("ARDEN (Wire) - The Orval central bank held rates on Thursday.", "The Orval central bank held rates on Thursday"),
        ("The Orval central bank held rates on Thursday.", "The Orval central bank held rates on Thursday"),
    ],
)  # fmt: skip
def test_a_datelined_lead_gives_a_headline_not_the_place(lead: str, headline: str) -> None:
    """Trial 15: every multi-article briefing was headed by the lead story's dateline ('PORT ANSELM')."""
    from app.brief.cues import key_phrase

    assert key_phrase(lead) == headline
