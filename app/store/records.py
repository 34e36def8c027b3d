"""Chroma metadata <-> Newsdesk models, and search filters as Chroma `where` clauses. Pure functions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.models import Article, ArticleInfo, Chunk, Passage, SearchFilters, Span, inclusive_until


def epoch(dt: datetime) -> int:
    """Epoch seconds; naive datetimes are taken as UTC."""
    return int((dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp())


def _parse_dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _clean(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma rejects None metadata values: omit them."""
    return {k: v for k, v in meta.items() if v is not None}


def _article_fields(article: Article) -> dict[str, Any]:
    """The article fields every chunk and the article record carry (filters and citations read them)."""
    return {
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "published_ts": epoch(article.published) if article.published else None,
    }


def chunk_metadata(article: Article, chunk: Chunk) -> dict[str, Any]:
    return _clean(
        {
            "article_id": article.id,
            "n": chunk.n,
            "start": chunk.start,
            "end": chunk.end,
            "tokens": chunk.tokens,
            "span_vectors": chunk.span_vectors,
            "entities": chunk.entities,
            **_article_fields(article),
        }
    )


def _spans_json(spans: list[Span]) -> str:
    return json.dumps([[s.start, s.end] for s in spans], separators=(",", ":"))


def _spans(value: Any) -> list[Span]:
    return [Span(start=s, end=e) for s, e in json.loads(value)] if value else []


def article_metadata(article: Article, chunks: int) -> dict[str, Any]:
    return _clean(
        {
            **_article_fields(article),
            "author": article.author,
            "ingested_at": (article.ingested_at or datetime.now(UTC)).isoformat(),
            "chunks": chunks,
            "chars": len(article.text),
            "paragraphs": _spans_json(article.paragraphs),
            "sentences": _spans_json(article.sentences),
        }
    )


def info_from_metadata(article_id: str, meta: dict[str, Any]) -> ArticleInfo:
    return ArticleInfo(
        id=article_id,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        url=meta.get("url"),
        author=meta.get("author"),
        published=_parse_dt(meta.get("published")),
        chunks=int(meta.get("chunks", 0)),
        chars=int(meta.get("chars", 0)),
        ingested_at=_parse_dt(meta.get("ingested_at")),
    )


def article_from_record(article_id: str, text: str, meta: dict[str, Any]) -> Article:
    return Article(
        id=article_id,
        title=meta.get("title", ""),
        text=text,
        source=meta.get("source", ""),
        url=meta.get("url"),
        author=meta.get("author"),
        published=_parse_dt(meta.get("published")),
        paragraphs=_spans(meta.get("paragraphs")),
        sentences=_spans(meta.get("sentences")),
        ingested_at=_parse_dt(meta.get("ingested_at")),
    )


def passage_from_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        article_id=meta.get("article_id", chunk_id.rsplit(":", 1)[0]),
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        url=meta.get("url"),
        published=_parse_dt(meta.get("published")),
        span_vectors=meta.get("span_vectors"),
        entities=meta.get("entities"),
    )


def chunk_where(filters: SearchFilters | None) -> dict[str, Any] | None:
    """A Chroma `where` on the chunk metadata for the filters (None when there is nothing to filter)."""
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.article_ids is not None:
        clauses.append({"article_id": {"$in": list(filters.article_ids) or [""]}})
    if filters.source:
        clauses.append({"source": filters.source})
    if filters.since:
        clauses.append({"published_ts": {"$gte": epoch(filters.since)}})
    if filters.until:
        clauses.append({"published_ts": {"$lte": epoch(inclusive_until(filters.until))}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def article_of(chunk_id: str) -> str:
    """Chunk ids are '{article_id}:{n}'."""
    return chunk_id.rsplit(":", 1)[0]


T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class Rows:
    """A Chroma get() result with plain types (missing fields are empty lists)."""

    ids: list[str]
    documents: list[str] = field(default_factory=list)
    metadatas: list[dict[str, Any]] = field(default_factory=list)
    embeddings: list[list[float]] = field(default_factory=list)


def distinct_vectors(hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The hits less the later chunks of one article at exactly the same distance: copies of one vector (an index
    built before repeated passages were indexed once, app.chunks.repeats) count as one dense candidate. Two different
    passages of an article all but never tie to the last bit (dev and sample evals unchanged, docs/architecture.md)."""
    seen: set[tuple[str, float]] = set()
    out = []
    for cid, score in hits:
        key = (article_of(cid), score)
        if key not in seen:
            seen.add(key)
            out.append((cid, score))
    return out
