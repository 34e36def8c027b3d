"""The extractive briefing engine: no generation, only quoted sentences.

Sentences become units (a sentence plus what it needs to read alone: the rest of an open quotation, or the sentence
before a dangling 'He said'/'However'); units are embedded, ranked by LexRank (cosine graph, personalized PageRank
by power iteration with a lead bias), picked with MMR for diversity, and sorted into the briefing's sections with
the cues of `app.brief.cues`. Across articles, near-identical units are merged into one point citing every
source, and units that give different figures for the same thing become a `disputed` point citing both.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np

from app.brief import cues
from app.brief.actors import actor_keys, group_actors
from app.brief.attribution import resolve_speakers
from app.brief.conflicts import Disagreement, Statement, find_disagreements, quote_span
from app.brief.draft import Draft, DraftPoint, Evidence, LengthSpec, word_budget
from app.brief.ranking import DUPLICATE_SIM, lexrank, mmr
from app.brief.stories import headline as story_headline
from app.brief.stories import stories, story_leads
from app.brief.timeline import event_day
from app.injection import looks_like_instruction, mask_instruction_text
from app.models import Article, Passage, Span
from app.text import normalize_whitespace

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

EXTRACTIVE_VERSION = "extractive-6"
"""Part of the cache key: bump when the selection rules change."""

MAX_UNIT_WORDS = 90  # a unit that would grow past this to resolve a dangling start is dropped instead
MAX_GRAPH_UNITS = 1500  # above this, each article contributes only its leading units (news puts the gist first)
AGREE_SIM = 0.8  # units of different articles this similar report the same fact
AGREE_SIM_WITH_FIGURE = 0.55  # ... or this similar and sharing a figure (same number and unit)
CONFLICT_SIM = 0.5  # units this similar that give different numbers for the same unit conflict
SUMMARY_MAX_WORDS = 130
TIMELINE_SAME = 0.6  # two dated units of the same day this similar are one event
TIMELINE_SHARE = 3  # the timeline takes at most a third of what is left when its turn comes
TIMELINE_LABEL_WORDS = 3  # the day shown before each event ('3 Mar 2026')
DISPUTE_LABEL_WORDS = 4  # words a disputed item adds per quoted side: the outlet and its date ('Metro Wire (5 Mar)')
DISPUTE_SHARE = 2  # cross-source disputed items take at most 1/2 of the length's word cap
REST_SHARE = 2  # after the disputed items, the other sections keep at least half the budget (summary, timeline)
SUMMARY_SHARE = 3  # the summary takes at most 1/3 of a briefing's words (its first sentence always)
ACTOR_SHARE = 4  # who said what is reserved up to 1/4 of the words left after the disputes ...
FIRST_SHARE = 2  # ... its first quote (and, across outlets, the first timeline event) up to 1/2 of them: a briefing
# of quoted articles always has the section, and the summary keeps its first sentence (always taken) after them
MIN_FIRST_WORDS = 15  # ... and at least this (a one-line quote) when the share is smaller, while the words last
MAX_RESERVED_ACTORS = 2  # speakers reserved up front; further ones compete with the other sections for words
QUESTION_SHARE = 6  # open questions take at most 1/6 of a briefing's words: they point at gaps, they are not the news

ChunkIdFor = Callable[[str, int, int], str]


@dataclass
class Unit:
    """One or more consecutive sentences of one article that read on their own."""

    article: Article
    start: int
    end: int
    position: int
    dangling: bool = False
    text: str = ""
    actors: list[cues.ActorHit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = normalize_whitespace(self.article.text[self.start : self.end])


def build_units(article: Article, max_words: int = MAX_UNIT_WORDS) -> list[Unit]:
    """Group an article's sentences into self-contained units (quotes kept whole, dangling starts given context)."""
    text = article.text
    groups: list[list[Span]] = []
    open_group = False
    for s in article.sentences:
        sentence = text[s.start : s.end]
        if open_group and groups:
            groups[-1].append(s)
        elif cues.is_prose(sentence):
            groups.append([s])
        else:
            open_group = False
            groups.append([])  # a non-prose line breaks context
            continue
        joined = text[groups[-1][0].start : groups[-1][-1].end]
        open_group = cues.open_quote(joined) and len(joined.split()) < 2 * max_words
    units: list[Unit] = []
    prev_ok = False  # the previous group exists and can take a follower
    for g in groups:
        if not g:
            prev_ok = False
            continue
        start, end = g[0].start, g[-1].end
        body = text[start:end]
        if cues.needs_context(body):
            if prev_ok and units and len(text[units[-1].start : end].split()) <= max_words:
                units[-1].end = end
                units[-1].__post_init__()
                continue
            units.append(Unit(article, start, end, len(units), dangling=True))
            prev_ok = False
            continue
        units.append(Unit(article, start, end, len(units)))
        prev_ok = True
    # Planted instructions ("Ignore previous instructions and ...") are data, never a briefing sentence (app.injection).
    return [u for u in units if len(u.text.split()) >= 5 and not _planted(u.text)]


def _planted(text: str) -> bool:
    return looks_like_instruction(text) or mask_instruction_text(text) != text


# ---- the engine ------------------------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    units: list[Unit]
    sim: np.ndarray
    score: np.ndarray
    clusters: list[list[int]]  # per unit: units of other articles reporting the same fact (itself first)
    chunk_id_for: ChunkIdFor
    speakers: list[str | None] = field(default_factory=list)  # per unit: '' none needed, None unresolved
    disagreements: list[Disagreement] = field(default_factory=list)
    n_articles: int = 1
    actor_names: dict[str, cues.ActorHit] = field(default_factory=dict)

    def point(self, i: int) -> DraftPoint:
        evidence = [self.evidence(j) for j in self.clusters[i]]
        k = len({self.units[j].article.id for j in self.clusters[i]})
        agreement = f"reported by {k} of {self.n_articles} sources" if k > 1 else ""
        return DraftPoint(text=self.units[i].text, evidence=evidence, speaker=self.speakers[i] or "",
                          agreement=agreement)  # fmt: skip

    def evidence(self, i: int) -> Evidence:
        u = self.units[i]
        a = u.article
        passage = Passage(
            chunk_id=self.chunk_id_for(a.id, u.start, u.end), article_id=a.id, text=a.text[u.start : u.end],
            start=u.start, end=u.end, title=a.title, source=a.source, url=a.url, published=a.published,
        )  # fmt: skip
        return Evidence(passage=passage, span=(0, u.end - u.start))

    def covered(self, picked: list[int]) -> set[int]:
        return {j for i in picked for j in self.clusters[i]}


def extractive_draft(
    articles: Sequence[Article],
    embeddings: Embeddings,
    spec: LengthSpec,
    *,
    chunk_id_for: ChunkIdFor,
    focus: dict[str, list[tuple[int, int]]] | None = None,
    query: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Draft:
    """A cited draft of the articles. `focus` limits each article to spans (retrieved passages of a topic query)."""
    tick = progress or (lambda done, total, label: None)
    ctx = _context(articles, embeddings, chunk_id_for, focus, query, tick)
    if ctx is None:
        title = articles[0].title if len(articles) == 1 else "Briefing"
        return Draft(headline=title)
    tick(3, 4, "choosing points")
    words = sum(len(a.text.split()) for a in articles)
    draft = _sections(ctx, spec, multi=ctx.n_articles > 1, budget=word_budget(spec, words))
    if len(articles) == 1:
        draft.headline = articles[0].title
    tick(4, 4, "draft ready")
    return draft


def cross_source_disputes(
    articles: Sequence[Article], embeddings: Embeddings, spec: LengthSpec, *, chunk_id_for: ChunkIdFor,
    focus: dict[str, list[tuple[int, int]]] | None = None,
) -> list[DraftPoint]:  # fmt: skip
    """The disputed items of the extractive engine alone (the LLM path shows the same conflict list)."""
    if len({a.id for a in articles}) < 2:
        return []
    ctx = _context(articles, embeddings, chunk_id_for, focus, None, lambda done, total, label: None)
    if ctx is None:
        return []
    return _shown_disputes(ctx, _Pool(ctx, spec.words // DISPUTE_SHARE), spec.disputed)


def disagreements_of(articles: Sequence[Article], embeddings: Embeddings) -> list[Disagreement]:
    """Every disagreement the comparison finds between the articles, before any budget (for evaluation)."""
    ctx = _context(articles, embeddings, lambda a, s, e: f"{a}:0", None, None, lambda done, total, label: None)
    return ctx.disagreements if ctx is not None else []


def _shown_disputes(ctx: _Ctx, pool: _Pool, k: int) -> list[DraftPoint]:
    """Up to k disagreements as points, surest first; one whose statements another already quotes is skipped."""
    out: list[DraftPoint] = []
    for d in ctx.disagreements:
        if len(out) >= k:
            break
        if (p := pool.dispute(d)) is not None:
            out.append(p)
    return out


def _context(
    articles: Sequence[Article], embeddings: Embeddings, chunk_id_for: ChunkIdFor,
    focus: dict[str, list[tuple[int, int]]] | None, query: str | None, tick: Callable[[int, int, str], None],
) -> _Ctx | None:  # fmt: skip
    """Units, their similarities and centrality, speakers, clusters of the same fact, and disagreements."""
    units = _select_units(articles, focus)
    if not units:
        return None
    tick(1, 4, "embedding sentences")
    unique = list(dict.fromkeys(u.text for u in units))  # wire copies repeat sentences verbatim: embed each once
    by_text = dict(zip(unique, np.asarray(embeddings.embed_documents(unique), dtype=np.float32), strict=True))
    vectors = np.stack([by_text[u.text] for u in units])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sim = vectors @ vectors.T
    tick(2, 4, "ranking sentences")
    prior = np.array([1.0 / math.sqrt(1.0 + u.position) for u in units])
    if query:
        q = np.asarray(embeddings.embed_query(query), dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        prior *= np.clip(vectors @ q, 0.05, None) ** 2
    score = lexrank(sim, prior)
    for u in units:
        u.actors = cues.find_actors(u.text)
    statements = [Statement(i, u.article.id, source_label(u.article), u.article.published, u.text, u.start, u.end)
                  for i, u in enumerate(units)]  # fmt: skip
    usable = [s for s in statements if not units[s.index].dangling]
    disagreements = find_disagreements(usable, sim[np.ix_([s.index for s in usable], [s.index for s in usable])])
    apart = {(a.index, b.index) for d in disagreements for a in d.statements for b in d.statements}
    n_articles = len({u.article.id for u in units})
    return _Ctx(units, sim, score, _clusters(units, sim, apart), chunk_id_for, _unit_speakers(units), disagreements,
                n_articles)  # fmt: skip


def _select_units(articles: Sequence[Article], focus: dict[str, list[tuple[int, int]]] | None) -> list[Unit]:
    per_article: list[list[Unit]] = []
    for a in articles:
        us = build_units(a)
        if focus is not None:
            spans = focus.get(a.id, [])
            us = [u for u in us if any(u.start < e and s < u.end for s, e in spans)]
        per_article.append(us)
    total = sum(len(us) for us in per_article)
    if total > MAX_GRAPH_UNITS:
        keep = max(3, MAX_GRAPH_UNITS // max(1, len(per_article)))
        log.info("briefing graph capped", extra={"units": total, "per_article": keep})
        per_article = [us[:keep] for us in per_article]
    return [u for us in per_article for u in us]


def _unit_speakers(units: list[Unit]) -> list[str | None]:
    """Per unit: '' when it needs no speaker, the speaker's name, or None when a quote in it has no named speaker."""
    out: list[str | None] = []
    by_article: dict[str, list[tuple[Span, str | None]]] = {}
    for u in units:
        a = u.article
        if a.id not in by_article:
            spans = list(a.sentences)
            by_article[a.id] = list(zip(spans, resolve_speakers([a.text[s.start : s.end] for s in spans]), strict=True))
        found: list[str | None] = [sp for span, sp in by_article[a.id] if u.start <= span.start < u.end]
        if any(sp is None for sp in found):
            out.append(None)
        else:
            out.append(next((sp for sp in found if sp), ""))
    return out


def _clusters(units: list[Unit], sim: np.ndarray, apart: set[tuple[int, int]] | None = None) -> list[list[int]]:
    """For each unit, itself plus the units of other articles that report the same fact (never a disagreeing one)."""
    apart = apart or set()
    figures = [{(q.value, q.unit) for q in cues.quantities(u.text)} for u in units]
    dates = [{d} if (d := event_day(u.text, u.article.published)) else set() for u in units]
    out: list[list[int]] = []
    for i, u in enumerate(units):
        same = [i]
        seen_articles = {u.article.id}
        for j in np.argsort(-sim[i]):
            j = int(j)
            v = units[j]
            if v.article.id in seen_articles or v.dangling:
                continue
            s = float(sim[i, j])
            if s < AGREE_SIM_WITH_FIGURE:
                break
            shared = figures[i] & figures[j] or dates[i] & dates[j]  # the same figure, or the same day
            conflict = _conflict(figures[i], figures[j])
            if (s >= AGREE_SIM or shared) and not conflict and (i, j) not in apart:
                same.append(j)
                seen_articles.add(v.article.id)
        out.append(same[:4])
    return out


def _conflict(
    a: set[tuple[float, str]], b: set[tuple[float, str]]
) -> list[tuple[tuple[float, str], tuple[float, str]]]:
    """Pairs of figures with the same unit and different values (and no agreeing figure for that unit)."""
    pairs = []
    for va, ua in a:
        for vb, ub in b:
            if ua == ub and va != vb and (va, ua) not in b and (vb, ub) not in a:
                pairs.append(((va, ua), (vb, ub)))
    return pairs


def _sections(ctx: _Ctx, spec: LengthSpec, multi: bool, budget: int) -> Draft:
    """Fill the sections from one pool of units within one word budget: each unit (and the units of other articles
    reporting the same fact) appears in one section only (issue 15: a digest, not a copy)."""
    units, score, sim = ctx.units, ctx.score, ctx.sim
    order = [int(i) for i in np.argsort(-score)]
    # One side of a disagreement is never stated as fact (headline, summary, key points, facts, actors): it belongs
    # in Disputed, quoted beside the other side, or nowhere when the length has no room for that item (D4).
    sides = {s.index for d in ctx.disagreements for s in d.statements}
    usable = [i for i in order if not units[i].dangling and ctx.speakers[i] is not None and i not in sides]
    questions: list[str] = []
    for q in _questions(ctx, spec, order):  # questions are read too: a sixth of the budget at most
        if sum(len(x.split()) for x in [*questions, q]) <= budget // QUESTION_SHARE:
            questions.append(q)
    # Each story's lead (its news, not a quotation) opens the summary, and over several unrelated stories (a
    # whole-library briefing) every story's lead comes before any side fact; the headline is the lead story's and
    # says there are others (trial 16 D7: a quote and a side fact led, the news sat in the timeline).
    groups = stories(units, ctx.clusters, score, sim) if multi else [list(dict.fromkeys(u.article.id for u in units))]
    leads = story_leads(units, usable, groups, score)
    several = len(groups) > 1
    lead = leads[0] if leads else next(iter(usable), None)
    headline = (
        story_headline(units[lead].text, len(groups)) if multi and lead is not None else ("Briefing" if multi else "")
    )
    title_words = len((headline or units[0].article.title).split())
    fixed = title_words + sum(len(q.split()) for q in questions)  # the headline and questions are read too
    # Cross-source disagreements first: the reason to brief several outlets at once. Quoting every side costs words
    # a one-article digest never spends, so they draw on the length's cap; the rest keeps to the share budget.
    pool = _Pool(ctx, spec.words // DISPUTE_SHARE)
    disputed = _shown_disputes(ctx, pool, spec.disputed)
    spent = spec.words // DISPUTE_SHARE - pool.left
    pool.left = min(spec.words - fixed - spent, max(budget - fixed - spent, budget // REST_SHARE))
    # Timeline next, when the articles date their events: those units are then the timeline's, not the summary's.
    days = [event_day(u.text, u.article.published) for u in units]
    # Who said what and (across outlets) the timeline are promised sections: when the articles have material for
    # them, their first item is reserved before the summary can take it, each within a share of what is left here
    # (D9: the summary and key points used to take every attributed unit first and a short budget left it empty).
    base = pool.left
    actor_of, ctx.actor_names = actor_keys(units, ctx.speakers)
    said = _who_said_what(ctx, [i for i in usable if i in actor_of], actor_of, pool, spec, base)
    # The story leads: the first always (as a summary's first sentence always was), the others while the words last.
    # Across outlets of one story the timeline may date the lead as a phrase first (D9: the flood on its day); a
    # single article's or several stories' leads are kept from it (trial 16 D7: the news sat only in the timeline).
    date_leads = multi and not several
    early = [] if date_leads else _reserve_leads(ctx, pool, leads[: spec.summary + spec.key_points], set(pool.used))
    before = set(pool.used)
    timeline = _timeline(
        ctx, spec, days, pool, disputed=sides, first=_first_room(base) if multi else 0,
        leads=set(leads) if date_leads else set(),
    )  # fmt: skip
    # Summary: central units, in reading order (article rank, then position); half of what is left at most (its
    # first sentence always), so key points follow; the story leads open it.
    room = (pool.left + sum(len(units[i].text.split()) for i in early)) // 2
    leads = _reserve_leads(ctx, pool, leads[: spec.summary + spec.key_points], before) if date_leads else early
    summary_ids: list[int] = []
    words = 0
    lead_cap = min(SUMMARY_MAX_WORDS, budget // SUMMARY_SHARE)  # leads are reserved already: not held to `room`
    cap = min(lead_cap, room)
    for i in leads:  # one story each, in story order (already reserved); those that do not fit open the key points
        n = len(units[i].text.split())
        if len(summary_ids) < spec.summary and (not summary_ids or words + n <= lead_cap):
            summary_ids.append(i)
            words += n
    for i in [] if several else mmr([i for i in usable if pool.free(i)], score, sim, spec.summary + 2):
        n = len(units[i].text.split())
        same_fact = any(i in ctx.clusters[j] for j in summary_ids)
        if len(summary_ids) < spec.summary and not same_fact and (not summary_ids or words + n <= cap):
            summary_ids.append(i)
            words += n
    rank = {a: r for r, a in enumerate(dict.fromkeys(units[i].article.id for i in order))}
    if not several:  # the lead first, then reading order
        summary_ids.sort(key=lambda i: (i not in leads, rank[units[i].article.id], units[i].position))
    summary = [ctx.point(i) if i in leads else pool.take(i) for i in summary_ids]
    # The other sections take turns, best unit first, while the budget lasts.
    fact_w = np.array([cues.fact_info(u.text).score for u in units])
    fact_score = score * (1.0 + fact_w / 3.0)
    # Within the budget a short unit that says as much is worth more: rank by centrality per word (sqrt, so a
    # 40-word unit must be about 1.4 times as central as a 20-word one).
    dense = sorted(usable, key=lambda i: -score[i] * (1 + fact_w[i] / 6) / math.sqrt(len(units[i].text.split())))
    queues: dict[str, list[int]] = {  # in this order each section takes its next unit
        "key_points": dense,
        "disputed": sorted((i for i in usable if cues.dispute_score(units[i].text) > 0),
                           key=lambda i: -score[i] * (1 + cues.dispute_score(units[i].text))),
        "actors": [i for i in usable if i in actor_of],
        "facts": sorted((i for i in usable if fact_w[i] >= 1.0), key=lambda i: -fact_score[i]),
    }  # fmt: skip
    limits = {"key_points": spec.key_points, "facts": spec.facts, "disputed": spec.disputed,
              "actors": spec.actors * spec.actor_points}  # fmt: skip
    limits["disputed"] -= len(disputed)
    picked: dict[str, list[int]] = {k: [] for k in queues}
    picked["actors"] = list(said)
    picked["key_points"] = [i for i in leads if i not in summary_ids][: limits["key_points"]]
    per_actor: dict[str, int] = {}
    for i in said:
        per_actor[actor_of[i]] = per_actor.get(actor_of[i], 0) + 1
    while True:
        progressed = False
        for section, queue in queues.items():
            if len(picked[section]) >= limits[section]:
                continue
            for i in queue:
                if section == "actors" and per_actor.get(actor_of[i], 0) >= spec.actor_points:
                    continue
                if section == "actors" and actor_of[i] not in per_actor and len(per_actor) >= spec.actors:
                    continue
                if pool.fits(i):
                    pool.reserve(i)
                    picked[section].append(i)
                    if section == "actors":
                        per_actor[actor_of[i]] = per_actor.get(actor_of[i], 0) + 1
                    progressed = True
                    break
        if not progressed:
            break
    return Draft(
        headline=headline,
        summary=summary,
        key_points=[ctx.point(i) for i in picked["key_points"]],
        actors=group_actors(units, score, picked["actors"], actor_of, ctx.actor_names, ctx.point),
        facts=[ctx.point(i) for i in picked["facts"]],
        disputed=disputed + [ctx.point(i) for i in picked["disputed"]],
        timeline=timeline,
        open_questions=questions,
    )


def _reserve_leads(ctx: _Ctx, pool: _Pool, leads: list[int], used: set[int]) -> list[int]:
    """The story leads that are free of `used` units: the first always, the others while the words last."""
    kept: list[int] = []
    for i in leads:
        n = len(ctx.units[i].text.split())
        if pool.free(i, used=used) and (not kept or n <= pool.left):
            pool.left -= n
            pool.used |= set(ctx.clusters[i])
            kept.append(i)
    return kept


def _first_room(base: int) -> int:
    """Words the first item of a promised section may cost: half of what is left, at least a one-line quote."""
    return min(base, max(base // FIRST_SHARE, MIN_FIRST_WORDS))


def _who_said_what(ctx: _Ctx, candidates: list[int], actor_of: dict[int, str], pool: _Pool, spec: LengthSpec,
                   base: int) -> list[int]:  # fmt: skip
    """Units reserved for who said what: one per speaker, direct quotes of a named speaker first, best per word first,
    within 1/ACTOR_SHARE of `base`; the first one may take up to 1/FIRST_SHARE, so the section is not left empty
    for want of room while the budget has it."""
    quoted = {i for i in candidates if ctx.speakers[i] and re.search(r"[\"“”]", ctx.units[i].text)}
    ranked = sorted(
        candidates, key=lambda i: (i not in quoted, -ctx.score[i] / math.sqrt(len(ctx.units[i].text.split())))
    )
    allowance = base // ACTOR_SHARE
    out: list[int] = []
    seen: set[str] = set()
    for i in ranked:
        if len(out) >= min(spec.actors, MAX_RESERVED_ACTORS) or actor_of[i] in seen or not pool.free(i):
            continue
        n = len(ctx.units[i].text.split())
        if n <= allowance or (not out and n <= _first_room(base)):
            allowance -= n
            pool.reserve(i)
            out.append(i)
            seen.add(actor_of[i])
    return out


def _timeline(
    ctx: _Ctx, spec: LengthSpec, days: list[date | None], pool: _Pool, disputed: set[int], first: int = 0,
    leads: set[int] | None = None,
) -> list[DraftPoint]:  # fmt: skip
    """Dated events across articles in date order: each the short phrase of its most central report, citing every
    article that reports it; those units then belong to the timeline only, except a story's lead, which the summary
    quotes whole and the timeline may date as a phrase. The first event may cost up to `first` words when that is
    more than the timeline's share."""
    leads = leads or set()
    units = ctx.units
    picked: list[int] = []
    phrases: dict[int, str] = {}
    allowance = max(pool.left // TIMELINE_SHARE, min(first, pool.left))
    for i in sorted((i for i, d in enumerate(days) if d is not None and i not in disputed and not units[i].dangling
                     and ctx.speakers[i] is not None), key=lambda i: -ctx.score[i]):  # fmt: skip
        if len(picked) >= spec.timeline:
            break
        if (not pool.free(i) and i not in leads) or any(
            days[i] == days[j] and ctx.sim[i, j] >= TIMELINE_SAME for j in picked
        ):
            continue
        phrase = next((x for x in _event_phrases(units[i], days[i]) if len(x.split()) + TIMELINE_LABEL_WORDS <= allowance),
                      None)  # fmt: skip
        if phrase is not None:
            cost = len(phrase.split()) + TIMELINE_LABEL_WORDS
            allowance = min(allowance - cost, (pool.left - cost) // TIMELINE_SHARE)
            pool.left -= cost
            pool.used |= set(ctx.clusters[i])
            picked.append(i)
            phrases[i] = phrase
    picked.sort(key=lambda i: (days[i], units[i].article.published or datetime.min, units[i].position))
    return [replace(ctx.point(i), text=phrases[i], day=days[i]) for i in picked]


def _event_phrases(unit: Unit, day: date | None) -> list[str]:
    """An event's phrase, then (when it is too long for the words left) its first clause, if that still dates it:
    'The Kessel River burst its banks in Marrowfield on Tuesday, flooding the old town' -> '... on Tuesday'."""
    full = cues.key_phrase(unit.text)
    head = full.split(", ")[0]
    short = head if head != full and len(head.split()) >= 5 and event_day(head, unit.article.published) == day else None
    return [full, short] if short else [full]


class _Pool:
    """Which units are still free, and how many words the briefing has left."""

    def __init__(self, ctx: _Ctx, budget: int) -> None:
        self.ctx, self.left, self.used, self.quoted = ctx, budget, set[int](), set[int]()

    def free(self, i: int, used: set[int] | None = None) -> bool:
        """Not used, not the same fact as a used unit of another article, not a near-copy. A unit that only reports
        the same event as a disputed side stays free: the dispute is about its figure, not the event ('The river
        burst its banks on Tuesday' beside 'Officials said 3,400 were evacuated after the flood on Tuesday')."""
        used = self.used if used is None else used  # `used`: free of these units only
        if i in used or any(j in used - self.quoted for j in self.ctx.clusters[i]):
            return False
        return not (used and float(self.ctx.sim[i, list(used)].max()) >= DUPLICATE_SIM)

    def fits(self, i: int) -> bool:
        return self.free(i) and len(self.ctx.units[i].text.split()) <= self.left

    def reserve(self, i: int) -> None:
        self.left -= len(self.ctx.units[i].text.split())
        self.used |= set(self.ctx.clusters[i])

    def take(self, i: int) -> DraftPoint:
        self.reserve(i)
        return self.ctx.point(i)

    def dispute(self, d: Disagreement) -> DraftPoint | None:
        """A disagreement as a point quoting every side; None when its units are used or it does not fit."""
        ids = [s.index for s in d.statements]
        if any(i in self.used for i in ids):
            return None
        values = [side.value for side in d.sides for _ in side.statements]
        evidence, parts = [], []
        for i, value in zip(ids, values, strict=True):
            e = self.ctx.evidence(i)
            e.span = quote_span(e.passage.text, value, d.kind)
            evidence.append(e)
            parts.append(normalize_whitespace(e.passage.text[e.span[0] : e.span[1]]))
        # What the reader reads: the quotes, each outlet with its date, each side's value and the item's heading.
        words = sum(len(p.split()) + DISPUTE_LABEL_WORDS for p in parts) + len(d.describe().split())
        if words > self.left:
            return None
        self.left -= words
        self.used |= set(ids)
        self.quoted |= set(ids)
        return DraftPoint(text=d.describe(), evidence=evidence, parts=parts, values=values)


def _questions(ctx: _Ctx, spec: LengthSpec, order: list[int]) -> list[str]:
    qs: list[str] = []
    disputed_first = sorted(order, key=lambda i: cues.dispute_score(ctx.units[i].text) == 0)
    for i in disputed_first:
        u = ctx.units[i]
        subject = next((h.name for h in u.actors if not h.pronoun), None)
        qs += cues.open_questions(u.text, subject)
    out: list[str] = []
    for q in qs:
        if q.lower() not in {o.lower() for o in out}:
            out.append(q)
    return out[: spec.open_questions]


def source_label(article: Article) -> str:
    """How a source is named in text: its publisher, or its title when the source is only a file name."""
    src = article.source.strip()
    if not src or (re.fullmatch(r"[\w.-]+", src) and any(ch.isdigit() for ch in src)):
        return article.title
    return src
