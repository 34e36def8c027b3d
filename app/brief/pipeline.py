"""Briefings: a cited digest of one article, a topic, or a period.

selection -> articles (and, for a topic, the retrieved passages) -> cache lookup -> draft (extractive engine, or an
LLM map-reduce) -> every point verified with the shared support checker -> numbered citations with exact quotes ->
`Briefing`, cached by (article contents, backend, model, prompt version, length, strictness).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from app.answer.prompts import mask_instructions
from app.brief.draft import (
    GUARD_VERSION,
    Draft,
    DraftPoint,
    length_spec,
    no_side_as_fact,
    one_section_each,
    within_budget,
    without_instructions,
    word_budget,
)
from app.brief.render import render_markdown
from app.brief.topic import on_topic
from app.errors import NewsdeskError
from app.limits import check_topic
from app.models import (
    Actor,
    Article,
    ArticleInfo,
    Briefing,
    BriefingPoint,
    BriefSelection,
    Citation,
    DisputeSide,
    Passage,
    SearchFilters,
    inclusive_until,
)
from app.settings import Settings
from app.verify.citations import make_citation

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from app.answer.engine import Engine
    from app.verify.support import SupportChecker

__all__ = ["BriefingStore", "brief", "render_markdown", "resolve_selection"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
CACHE_FORMAT = 3
CACHE_MAX_FILES = 512
ECHO_CHARS = 120  # how much of a topic an error message repeats
TOPIC_K = {"short": 8, "standard": 12, "long": 20}
"""Passages retrieved for a topic (--query) briefing, by length."""


class BriefingStore(Protocol):
    """What briefings need of the store (app.store.chroma.ChromaStore provides it; tests may pass a small fake)."""

    def list_articles(self) -> list[ArticleInfo]: ...
    def get_article(self, article_id: str) -> Article | None: ...
    def get_chunks(self, ids: Sequence[str]) -> list[Passage]: ...


@dataclass
class Selected:
    articles: list[Article]
    passages: list[Passage] | None = None  # topic briefings: the retrieved passages, best first
    chunk_counts: dict[str, int] | None = None  # stored chunks per article, from the listing


# ---- entry point ----------------------------------------------------------------------------------------------------


def brief(
    selection: BriefSelection,
    *,
    store: BriefingStore,
    retriever: Any,
    engine: Engine,
    checker: SupportChecker,
    settings: Settings,
    length: str = "standard",
    strict: bool = False,
    progress: Progress | None = None,
    embeddings: Embeddings | None = None,
) -> Briefing:
    """A verified, cited briefing of the selected articles (all indexed articles when the selection is empty)."""
    t0 = time.perf_counter()
    spec = length_spec(length)
    tick = progress or (lambda done, total, label: None)
    tick(0, 5, "selecting articles")
    selected = resolve_selection(selection, store=store, retriever=retriever, settings=settings, length=length)
    cache = BriefingCache(settings.resolved_cache_dir / "briefings")
    sel_key, content_key = cache_keys(selected, selection, engine=engine, settings=settings, length=length,
                                      strict=strict, threshold=getattr(checker, "threshold", None))  # fmt: skip
    hit = cache.get(sel_key, content_key)
    if hit is not None:
        tick(5, 5, "cached")
        return hit
    chunks = article_chunks(store, selected.articles, settings, counts=selected.chunk_counts)
    stage = _stage_progress(tick, 1, 3)
    if engine.chat_model is None:  # an engine that only quotes: the extractive briefing
        from app.brief.extractive import extractive_draft

        focus = _focus(selected.passages)
        draft = extractive_draft(
            selected.articles, embeddings or _embeddings_for(checker, retriever, settings), spec,
            chunk_id_for=_chunk_locator(chunks), focus=focus, query=selection.query, progress=stage,
        )  # fmt: skip
    else:
        from app.brief.llm import llm_draft

        passages = selected.passages or [p for a in selected.articles for p in chunks.get(a.id, [])]
        passages = [mask_instructions(p) for p in passages]  # as answers do: planted instructions never reach the model
        draft = llm_draft(passages, engine=engine, settings=settings, spec=spec, progress=stage)
        if not draft.headline:
            draft.headline = selected.articles[0].title if len(selected.articles) == 1 else "Briefing"
        # The same conflict list as extractive briefings: found by comparing the articles, not left to the model.
        from app.brief.extractive import cross_source_disputes

        found = cross_source_disputes(
            selected.articles, embeddings or _embeddings_for(checker, retriever, settings), spec,
            chunk_id_for=_chunk_locator(chunks), focus=_focus(selected.passages),
        )  # fmt: skip
        draft.disputed = [*found, *draft.disputed][: max(spec.disputed, len(found))]
        words = sum(len(a.text.split()) for a in selected.articles)
        draft = within_budget(one_section_each(draft), word_budget(spec, words))
    draft = without_instructions(draft)  # the injection guard answers have, on every section and the headline
    draft = no_side_as_fact(draft)  # one side of a disputed item is never stated as fact (headline included)
    tick(4, 5, "verifying points")
    briefing = assemble(draft, selected.articles, checker=checker, strict=strict, engine=engine, length=length)
    briefing.generated_ms = round((time.perf_counter() - t0) * 1000, 1)
    cache.put(sel_key, content_key, briefing)
    tick(5, 5, "done")
    return briefing


def _stage_progress(tick: Progress, lo: int, hi: int) -> Progress:
    """Map an engine's own (done, total) into the overall steps lo..hi."""

    def inner(done: int, total: int, label: str) -> None:
        tick(lo + (hi - lo) * done // max(total, 1), 5, label)

    return inner


def _embeddings_for(checker: Any, retriever: Any, settings: Settings) -> Embeddings:
    """The sentence embeddings already built for this Newsdesk (checker, retriever), else the configured ones."""
    for owner in (checker, retriever):
        emb = getattr(owner, "embeddings", None)
        if emb is not None:
            return emb
    from app.store.embeddings import make_embeddings

    return make_embeddings(settings)


# ---- selection --------------------------------------------------------------------------------------------------------


def _naive_utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def in_period(published: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    """Whether a publication time falls in [since, until]; `until` as app.models.inclusive_until reads it."""
    if since is None and until is None:
        return True
    if published is None:
        return False
    p = _naive_utc(published)
    if since is not None and p < _naive_utc(since):
        return False
    return until is None or p <= _naive_utc(inclusive_until(until))


def _match_ids(wanted: Sequence[str], infos: dict[str, ArticleInfo]) -> list[str]:
    """Exact ids, or unique prefixes of at least 6 characters; unknown ids are an error naming them."""
    out: list[str] = []
    unknown: list[str] = []
    for w in wanted:
        w = w.strip()
        if w in infos:
            out.append(w)
            continue
        hits = [i for i in infos if len(w) >= 6 and i.startswith(w)]
        if len(hits) == 1:
            out.append(hits[0])
        else:
            unknown.append(w)
    if unknown:
        raise NewsdeskError(f"unknown article id(s): {', '.join(unknown)} (see `newsdesk articles`)")
    return list(dict.fromkeys(out))


def resolve_selection(
    selection: BriefSelection, *, store: BriefingStore, retriever: Any, settings: Settings, length: str = "standard"
) -> Selected:
    """The articles (and, for a topic, the passages) a briefing covers. Raises NewsdeskError when nothing matches."""
    infos = {i.id: i for i in store.list_articles()}
    if not infos:
        raise NewsdeskError("no articles are indexed yet; add some first (newsdesk ingest PATH)")
    named = selection.article_ids is not None  # an empty list (e.g. after model_copy) selects nothing, never "all"
    ids = _match_ids(selection.article_ids or [], infos) if named else list(infos)
    ids = [i for i in ids if in_period(infos[i].published, selection.since, selection.until)]
    if selection.added_since is not None:  # what arrived since then (e.g. from feeds), whatever its publication date
        ids = [i for i in ids if in_period(infos[i].ingested_at, selection.added_since, None)]
    if not ids:
        raise NewsdeskError(f"no indexed article matches the selection ({_describe(selection)})")
    passages: list[Passage] | None = None
    check_topic(selection.query, settings)  # every door: the questions' limit (413 on the API)
    if selection.query and selection.query.strip():
        filters = SearchFilters(article_ids=ids if named else None, since=selection.since, until=selection.until)
        k = max(settings.k, TOPIC_K.get(length, 12))
        allowed = set(ids)
        from app.retrieve.lexical import Bm25Tokenizer  # loaded by the search just before

        found = [p for p in retriever.search(selection.query, k=k, filters=filters) if p.article_id in allowed]
        passages = on_topic(selection.query, found, Bm25Tokenizer())
        if not passages:
            closest = f"; the closest passage is from {found[0].title!r}" if found else ""
            raise NewsdeskError(
                f"no indexed article is about the topic {_short(selection.query)!r}{closest}. A name or a more specific "
                "topic may find one"
            )
        ids = list(dict.fromkeys(p.article_id for p in passages))
    articles = [a for a in (store.get_article(i) for i in ids) if a is not None]
    if not articles:
        raise NewsdeskError(f"the selected articles are no longer in the index ({_describe(selection)})")
    return Selected(articles=articles, passages=passages, chunk_counts={i: infos[i].chunks for i in ids})


def _describe(selection: BriefSelection) -> str:
    fields = selection.model_dump(exclude_none=True, exclude_defaults=True)
    parts = [f"{k}={_short(v) if k == 'query' else v}" for k, v in fields.items()]
    return ", ".join(parts) or "all articles"


def _short(text: str, limit: int = ECHO_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _focus(passages: list[Passage] | None) -> dict[str, list[tuple[int, int]]] | None:
    if passages is None:
        return None
    focus: dict[str, list[tuple[int, int]]] = {}
    for p in passages:
        focus.setdefault(p.article_id, []).append((p.start, p.end))
    return focus


# ---- chunks (citation chunk ids, LLM passages) ------------------------------------------------------------------------


def article_chunks(
    store: BriefingStore, articles: Sequence[Article], settings: Settings, counts: dict[str, int] | None = None
) -> dict[str, list[Passage]]:
    """Each article's stored chunks as passages, in text order (chunking happens once, at ingest)."""
    out: dict[str, list[Passage]] = {}
    if counts is None:
        counts = {i.id: i.chunks for i in store.list_articles()}
    ids = [f"{a.id}:{n}" for a in articles for n in range(counts.get(a.id, 0))]
    for p in store.get_chunks(ids) if ids else []:
        out.setdefault(p.article_id, []).append(p)
    for ps in out.values():
        ps.sort(key=lambda p: p.start)
    return out


def _chunk_locator(chunks: dict[str, list[Passage]]) -> Callable[[str, int, int], str]:
    def chunk_id_for(article_id: str, start: int, end: int) -> str:
        best, overlap = f"{article_id}:0", -1
        for p in chunks.get(article_id, []):
            o = min(end, p.end) - max(start, p.start)
            if o > overlap:
                best, overlap = p.chunk_id, o
        return best

    return chunk_id_for


# ---- verification and citations ------------------------------------------------------------------------------------------


class _Citations:
    """Numbers citations in order of first use; the same quote always gets the same number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._by_span: dict[tuple[str, int, int], int] = {}

    def add(self, passage: Passage, span: tuple[int, int]) -> int:
        key = (passage.article_id, passage.start + span[0], passage.start + span[1])
        if key not in self._by_span:
            n = len(self.items) + 1
            self.items.append(make_citation(n, passage, span))
            self._by_span[key] = n
        return self._by_span[key]


@dataclass
class _Verdict:
    supported: bool
    score: float
    reason: str
    cites: list[tuple[Passage, tuple[int, int]]]


def _verify(points: list[DraftPoint], checker: SupportChecker) -> list[_Verdict]:
    """Check every point (or each part of it against its own evidence) in one batch."""
    claims: list[str] = []
    passages: list[list[str]] = []
    owners: list[tuple[int, list[int]]] = []  # (point index, evidence indices) per claim
    for pi, p in enumerate(points):
        groups = (
            [(part, [k]) for k, part in enumerate(p.parts)] if p.parts else [(p.text, list(range(len(p.evidence))))]
        )
        for text, ev in groups:
            claims.append(text)
            passages.append([p.evidence[k].passage.text for k in ev])
            owners.append((pi, ev))
    results = checker.check_many(claims, passages) if claims else []
    verdicts = [_Verdict(bool(p.evidence), 1.0, "", []) for p in points]
    for (pi, ev), r in zip(owners, results, strict=True):
        v, point = verdicts[pi], points[pi]
        v.supported = v.supported and r.supported
        v.score = min(v.score, float(r.score))
        v.reason = "; ".join(x for x in (v.reason, r.reason) if x)
        for local, k in enumerate(ev):
            e = point.evidence[k]
            if e.span is not None:
                v.cites.append((e.passage, e.span))
            elif r.passage_index == local and r.quote is not None:
                v.cites.append((e.passage, r.quote))
    for v, p in zip(verdicts, points, strict=True):
        if not p.evidence:
            v.supported, v.score, v.reason = False, 0.0, "no passage cited"
    return verdicts


def assemble(
    draft: Draft, articles: Sequence[Article], *, checker: SupportChecker, strict: bool, engine: Engine, length: str
) -> Briefing:
    """Verify the draft's points, number their citations and build the Briefing (strict: unsupported points dropped)."""
    flat: list[DraftPoint] = [
        *draft.summary,
        *draft.key_points,
        *(p for a in draft.actors for p in a.points),
        *draft.facts,
        *draft.disputed,
        *draft.timeline,
    ]
    verdicts = dict(zip(map(id, flat), _verify(flat, checker), strict=True))
    cites = _Citations()
    labels = {a.id: _label(a) for a in articles}

    def point(p: DraftPoint) -> BriefingPoint | None:
        v = verdicts[id(p)]
        if strict and not v.supported:
            return None
        ns = [cites.add(passage, span) for passage, span in v.cites]
        ns = list(dict.fromkeys(ns))
        srcs = list(dict.fromkeys(labels.get(cites.items[n - 1].article_id, cites.items[n - 1].source) for n in ns))
        return BriefingPoint(
            text=p.text, citations=ns, supported=v.supported, score=round(v.score, 4), reason=v.reason, sources=srcs,
            speaker=p.speaker, agreement=p.agreement, day=p.day, sides=_sides(p, cites, labels),
        )  # fmt: skip

    def points(ps: list[DraftPoint]) -> list[BriefingPoint]:
        return [bp for bp in map(point, ps) if bp is not None]

    summary_parts = points(draft.summary)
    summary = BriefingPoint(
        text=" ".join(p.text for p in summary_parts),
        citations=list(dict.fromkeys(n for p in summary_parts for n in p.citations)),
        supported=bool(summary_parts) and all(p.supported for p in summary_parts),
        score=min((p.score for p in summary_parts), default=0.0),
        sources=list(dict.fromkeys(s for p in summary_parts for s in p.sources)),
        reason=f"{sum(p.supported for p in summary_parts)} of {len(summary_parts)} summary sentences supported",
        parts=summary_parts,
    )
    key_points = points(draft.key_points)
    actors = [Actor(name=a.name, role=a.role, points=ps) for a in draft.actors if (ps := points(a.points))]
    facts, disputed, timeline = points(draft.facts), points(draft.disputed), points(draft.timeline)
    cited = {c.article_id for c in cites.items}
    ordered = sorted(
        articles, key=lambda a: (a.id not in cited, next((c.n for c in cites.items if c.article_id == a.id), 0))
    )
    return Briefing(
        headline=draft.headline, summary=summary, key_points=key_points, actors=actors, facts=facts, disputed=disputed,
        timeline=timeline, open_questions=draft.open_questions, citations=cites.items, sources=[article_info(a) for a in ordered],
        backend=engine.name, model=engine.model, length=_length(length),
    )  # fmt: skip


def _sides(p: DraftPoint, cites: _Citations, labels: dict[str, str]) -> list[DisputeSide]:
    """A disputed item's sides: each quoted statement with its outlet, date and citation number."""
    if not p.values or not p.parts:
        return []
    out = []
    for value, quote, e in zip(p.values, p.parts, p.evidence, strict=False):
        n = cites.add(e.passage, e.span) if e.span is not None else 0
        out.append(DisputeSide(value=value, source=labels.get(e.passage.article_id, e.passage.source),
                               published=e.passage.published, quote=cites.items[n - 1].quote if n else quote,
                               citation=n))  # fmt: skip
    return out


def _label(article: Article) -> str:
    from app.brief.extractive import source_label

    return source_label(article)


def article_info(a: Article) -> ArticleInfo:
    return ArticleInfo(
        id=a.id, title=a.title, source=a.source, url=a.url, author=a.author, published=a.published, chars=len(a.text)
    )


# ---- cache ----------------------------------------------------------------------------------------------------------------


def _content_hash(a: Article) -> str:
    meta = json.dumps([a.title, a.source, a.url, a.author, a.published.isoformat() if a.published else None])
    return hashlib.sha256((meta + "\0" + a.text).encode("utf-8")).hexdigest()[:16]


def prompt_versions_for(engine: Engine) -> str:
    if engine.chat_model is None:  # an engine that only quotes: the extractive briefing
        from app.brief.extractive import EXTRACTIVE_VERSION

        return EXTRACTIVE_VERSION
    from app.brief.llm import prompt_signature

    return prompt_signature()


def cache_keys(selected: Selected, selection: BriefSelection, *, engine: Engine, settings: Settings, length: str,
               strict: bool, threshold: float | None) -> tuple[str, str]:  # fmt: skip
    """(selection key, contents key): what was asked and how, and the exact article contents it was answered from."""
    how = {
        "format": CACHE_FORMAT, "selection": selection.model_dump(mode="json"), "backend": engine.name,
        "model": engine.model, "prompts": prompt_versions_for(engine), "guard": GUARD_VERSION, "length": length, "strict": strict,
        "threshold": threshold, "embedding": settings.embedding_model, "context_tokens": settings.context_tokens,
        "chunk_tokens": settings.chunk_tokens,
    }  # fmt: skip
    what = {
        "articles": sorted((a.id, _content_hash(a)) for a in selected.articles),
        "passages": [[p.chunk_id, p.start, p.end] for p in selected.passages or []],
    }
    digest = lambda obj: hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:24]  # noqa: E731
    return digest(how), digest(what)


class BriefingCache:
    """Briefings as JSON files named '<selection key>-<contents key>.json'; a new contents key replaces the old file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, sel_key: str, content_key: str) -> Path:
        return self.directory / f"{sel_key}-{content_key}.json"

    def get(self, sel_key: str, content_key: str) -> Briefing | None:
        path = self.path(sel_key, content_key)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return Briefing.model_validate_json(raw).model_copy(update={"cached": True})
        except ValueError:
            log.warning("ignoring unreadable cached briefing", extra={"path": str(path)})
            return None

    def put(self, sel_key: str, content_key: str, briefing: Briefing) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for stale in self.directory.glob(f"{sel_key}-*.json"):  # the articles changed: drop the old version
            stale.unlink(missing_ok=True)
        path = self.path(sel_key, content_key)
        tmp = path.with_suffix(f".{time.time_ns()}.tmp")
        tmp.write_text(briefing.model_dump_json(), encoding="utf-8")
        tmp.replace(path)
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - CACHE_MAX_FILES)]:
            old.unlink(missing_ok=True)


def _length(value: str) -> Literal["short", "standard", "long"]:
    """A briefing length as the Briefing model types it (length_spec has already rejected any other)."""
    if value == "short":
        return "short"
    return "long" if value == "long" else "standard"
