"""Plain typed data passed between Newsdesk's stages (and printed by --json, served by the API)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
    field_validator,
)

ABSTAIN_PREFIX = "The indexed articles don't say"
"""Start of every abstention; prompts, engines, evals and tests use this one constant."""

CANNOT_ANSWER_MARKER = "CANNOT_ANSWER"
"""What an LLM is told to reply when the passages don't contain the answer."""


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def iso_date_only(value: object) -> object:
    """Dates in requests are ISO 8601 ('2025-11-21', '2025-11-21T10:00:00Z'): a bare number such as "-1" is refused,
    not read as seconds since 1970."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and not _ISO_DATE.match(value.strip())):
        raise ValueError("must be an ISO 8601 date such as 2025-11-21 (or 2025-11-21T10:00:00Z)")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(iso_date_only)]
"""A request's date field (issue 14: "since": "-1" was accepted as 1969-12-31)."""


def utc_iso(value: datetime) -> str:
    """ISO 8601 in UTC ending in Z ('2026-11-21T15:30:00Z'), the one convention of every response; a naive datetime
    is UTC, as the store reads it (app.store.records.epoch)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def naive_utc(value: datetime) -> datetime:
    """The one in-memory convention: naive means UTC, so a value read back from JSON ('…Z') equals the one written."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


UtcDateTime = Annotated[
    datetime,
    AfterValidator(naive_utc),
    PlainSerializer(utc_iso, when_used="json-unless-none"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A response's date-time: `published` in /api/articles items and /api/sources facets reads the same (D11)."""


def inclusive_until(until: datetime) -> datetime:
    """The last instant an `until` filter admits, the one rule every door uses (CLI, /api, /v1, web, briefings).

    A bare date (parsed as midnight, e.g. '2026-11-21') means through the end of that day; any other time is that
    instant. Midnight is read as a bare date because a date picker or CLI option cannot tell the two apart."""
    if (until.hour, until.minute, until.second, until.microsecond) == (0, 0, 0, 0):
        return until + timedelta(days=1) - timedelta(microseconds=1)
    return until


def http_url_only(url: str | None) -> str | None:
    """An http(s) URL unchanged; any other scheme (javascript:, data:, file:) None, so no door hands it out as a link."""
    if url is None:
        return None
    cleaned = url.strip()
    return cleaned if cleaned.lower().startswith(("http://", "https://")) else None


class Span(BaseModel):
    """A character span [start, end) into an article's clean text."""

    start: int = Field(description="Offset of the first character.")
    end: int = Field(description="Offset one past the last character.")


class Article(BaseModel):
    """One news article, cleaned. `id` is derived from its normalized text."""

    id: str = Field(description="Content hash of the normalized text (16 hex chars).")
    title: str
    text: str = Field(description="Clean body text; all offsets refer to it.")
    source: str = Field("", description="Publisher or file name.")
    url: str | None = None
    author: str | None = None
    published: UtcDateTime | None = None
    paragraphs: list[Span] = Field(default_factory=list)
    sentences: list[Span] = Field(default_factory=list)
    ingested_at: UtcDateTime | None = None
    record: str | None = Field(
        None,
        exclude=True,
        repr=False,
        description="Which record of a JSON/JSONL input it was read from ('line 4', 'item 2'), for the ingest report.",
    )


class ArticleInfo(BaseModel):
    """An article as listed (no text)."""

    id: str
    title: str
    source: str = ""
    url: str | None = None
    author: str | None = None
    published: UtcDateTime | None = None
    chunks: int = 0
    chars: int = 0
    ingested_at: UtcDateTime | None = Field(None, description="When it was added to the index.")


class Chunk(BaseModel):
    """A token-bounded slice of an article: article.text[start:end] == text."""

    id: str = Field(description="'{article_id}:{n}'")
    article_id: str
    n: int
    text: str
    start: int
    end: int
    tokens: int = Field(description="tiktoken count of text.")
    span_vectors: str | None = Field(
        None, exclude=True, repr=False, description="app.chunks.span_vectors, set at embedding."
    )
    entities: str | None = Field(None, exclude=True, repr=False, description="app.chunks.entities, set at ingest.")


class Passage(BaseModel):
    """A retrieved chunk with its article metadata and scores."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str = ""
    source: str = ""
    url: str | None = None
    published: UtcDateTime | None = None
    score: float = Field(0.0, description="Fused (RRF) score; higher is better.")
    dense_score: float | None = Field(
        None,
        description="Cosine similarity to the query, if dense retrieval found it (or, when none it found reaches the "
        "relevance floor, for every passage returned, from its stored vector).",
    )
    lexical_score: float | None = Field(None, description="BM25 score, if lexical retrieval found it.")
    span_vectors: str | None = Field(
        None, exclude=True, repr=False, description="app.chunks.span_vectors of the chunk, if stored."
    )
    entities: str | None = Field(
        None, exclude=True, repr=False, description="app.chunks.entities of the chunk, if stored."
    )


class SearchFilters(BaseModel):
    article_ids: list[str] | None = None
    source: str | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None


class Citation(BaseModel):
    """A numbered citation: an exact quote of an article with its offsets."""

    n: int = Field(description="Number used by the [n] markers.")
    article_id: str
    title: str = ""
    source: str = ""
    url: Annotated[str | None, AfterValidator(http_url_only)] = None  # issue 14: a stored javascript: URL never leaves
    published: UtcDateTime | None = None
    chunk_id: str
    passage: int | None = Field(
        None, description="1-based number of the passage shown to the engine (the [n] in a raw token stream)."
    )
    quote: str = Field(description="Exact substring of the article text.")
    start: int = Field(description="Offset of quote in the article text.")
    end: int


STATS_OPEN = " (content words "
"""Where a support verdict's reason turns from words ("contrary verb: ...") to the scores behind it."""


def reason_words(reason: str) -> str:
    """A support verdict's reason without its scores: "contrary verb: 'welcomed' vs 'would not accept'"."""
    return reason.split(STATS_OPEN, 1)[0]


class AnswerSentence(BaseModel):
    text: str = Field(description="The sentence without its [n] markers.")
    citations: list[int] = Field(default_factory=list, description="Citation numbers attached to it.")
    supported: bool = False
    score: float = Field(0.0, description="Support score in [0, 1] from the support checker.")
    reason: str = Field("", description="Why it is (un)supported, for people.")


class AnswerCheck(BaseModel):
    """The answer-level verdict, apart from per-sentence support: does the answer answer the question asked?"""

    answers_question: bool = Field(
        description="A supported sentence holds an item of the asked type that meets every anchor of the question."
    )
    answer_type: str = Field(description="What the question asks for: person, organisation, place, date, money, ...")
    anchors: list[str] = Field(default_factory=list, description="What pins the fact down: years, editions, names...")
    found: str = Field("", description="The item that answers, e.g. the person named.")
    reason: str = Field("", description="Why the answer does not answer the question, for people.")


class Timings(BaseModel):
    condense_ms: float = Field(0.0, description="Rewriting a follow-up into a standalone question.")
    retrieve_ms: float = 0.0
    generate_ms: float = 0.0
    verify_ms: float = 0.0
    total_ms: float = 0.0


class Answer(BaseModel):
    """A grounded answer: each sentence carries verified citations."""

    question: str
    standalone_question: str | None = Field(None, description="The question rewritten from chat history, if it was.")
    answer: str = Field(description="Markdown with [n] markers.")
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    check: AnswerCheck | None = Field(
        None, description="Answer-level verdict (answers the question asked?); None when nothing was checked."
    )
    backend: str
    model: str
    timings: Timings = Field(default_factory=Timings)


class ChatTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class DisputeSide(BaseModel):
    """One outlet's version of a disputed fact (issue 15): who says it, when, in which exact words."""

    value: str = Field(description="What this side says: the figure, the name, or 'affirmed'/'denied'.")
    source: str = Field(description="The outlet, as named in the briefing.")
    published: UtcDateTime | None = None
    quote: str = Field(description="Exact words of the article.")
    citation: int = Field(0, description="The [n] of the quote in the briefing's citations (0: not cited).")


class BriefingPoint(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool = False
    score: float = 0.0
    reason: str = Field("", description="Why the support checker (did not) accept the point, for people.")
    sources: list[str] = Field(
        default_factory=list, description="Names of the sources the point's citations come from."
    )
    parts: list[BriefingPoint] = Field(
        default_factory=list, description="For the summary: its sentences, each with its own citations."
    )
    speaker: str = Field("", description="Who says it, for a quotation or a first-person statement.")
    agreement: str = Field("", description="How widely it is reported, e.g. 'reported by 3 of 4 sources'.")
    sides: list[DisputeSide] = Field(
        default_factory=list, description="For a disputed item: every outlet's version, side by side."
    )
    day: date | None = Field(None, description="For a timeline event: the day it happened.")


class Actor(BaseModel):
    name: str
    role: str = Field("", description="Title or affiliation as the articles give it, e.g. 'Kremlin spokesman'.")
    points: list[BriefingPoint] = Field(default_factory=list)


class Briefing(BaseModel):
    headline: str
    summary: BriefingPoint
    key_points: list[BriefingPoint] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    facts: list[BriefingPoint] = Field(default_factory=list)
    disputed: list[BriefingPoint] = Field(default_factory=list)
    timeline: list[BriefingPoint] = Field(default_factory=list, description="Dated events across articles, in order.")
    open_questions: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    sources: list[ArticleInfo] = Field(default_factory=list)
    backend: str
    model: str
    length: Literal["short", "standard", "long"] = "standard"
    generated_ms: float = 0.0
    cached: bool = False


class IngestError(BaseModel):
    input: str
    error: str


class IngestDuplicate(BaseModel):
    """An input whose text is an article already kept under another title or URL (issue 16): the first is kept and
    this input's URL is recorded as an alternate source of it."""

    input: str
    title: str
    url: str | None = None
    duplicate_of: str = Field(description="Id of the article kept.")
    duplicate_of_title: str = ""


class IngestNote(BaseModel):
    """An input skipped (with the reason) or indexed with a caveat, e.g. a feed item indexed from the feed's own text."""

    input: str
    note: str


class IngestReport(BaseModel):
    added: list[ArticleInfo] = Field(default_factory=list)
    replaced: list[ArticleInfo] = Field(default_factory=list)
    unchanged: list[ArticleInfo] = Field(default_factory=list)
    duplicates: list[IngestDuplicate] = Field(default_factory=list)
    skipped: list[IngestNote] = Field(default_factory=list)
    notes: list[IngestNote] = Field(default_factory=list, description="Caveats of inputs that were indexed.")
    errors: list[IngestError] = Field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    def merge(self, other: IngestReport) -> None:
        """Add another report's lines and counts to this one."""
        for name in ("added", "replaced", "unchanged", "duplicates", "skipped", "notes", "errors"):
            getattr(self, name).extend(getattr(other, name))
        self.chunks += other.chunks
        self.seconds += other.seconds

    def summary(self) -> str:
        """The counts, one line, every fate named."""
        return (
            f"{len(self.added)} added, {len(self.replaced)} replaced, {len(self.unchanged)} unchanged, "
            f"{len(self.duplicates)} duplicate, {len(self.skipped)} skipped, {len(self.errors)} failed"
        )


class BriefSelection(BaseModel):
    """Which articles a briefing covers; no selection at all means all indexed articles. An empty list of ids is
    refused: it names no article, and reading it as "all" would brief the whole library."""

    article_ids: list[str] | None = Field(None, description="Only these articles; omit for all (an empty list: 422).")
    query: str | None = Field(None, description="Topic: briefs the articles/passages retrieved for it.")
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None
    added_since: IsoDateTime | None = Field(None, description="Only articles added to the index on/after this time.")
    since_last_briefing: StrictBool = Field(
        False, description="Only articles added since the previous briefing of this index (e.g. what feeds brought)."
    )

    @field_validator("article_ids")
    @classmethod
    def _some_ids(cls, ids: list[str] | None) -> list[str] | None:
        if ids is not None and not ids:  # a blank id is named, and fails as an unknown one
            raise ValueError("article_ids is empty: name at least one article, or leave it out to brief every article")
        return ids


class AnswerDelta(BaseModel):
    """A streamed piece of answer text (before verification)."""

    type: Literal["delta"] = "delta"
    text: str


class AnswerSentenceVerified(BaseModel):
    """One answer sentence as soon as it is verified, with its final [n] markers (streamed only when asked for)."""

    type: Literal["sentence"] = "sentence"
    text: str = Field(description="Markdown to append to what came before: separator, sentence, [n] markers.")
    sentence: AnswerSentence | None = Field(None, description="Its verdict; None for a lead-in line.")
    citations: list[Citation] = Field(default_factory=list, description="Citations this sentence uses first.")


class AnswerDone(BaseModel):
    """The final, verified answer that closes a stream."""

    type: Literal["answer"] = "answer"
    answer: Answer


# ---- feeds (issue 16) -------------------------------------------------------------------------------------------


class FeedInfo(BaseModel):
    """A followed RSS/Atom feed as listed: its schedule and the outcome of its last refresh."""

    url: str
    every_seconds: int = Field(1800, description="Refresh interval.")
    title: str = ""
    added_at: datetime | None = None
    last_refresh: datetime | None = Field(None, description="When the last refresh ended (success or not).")
    last_status: Literal["never", "ok", "not-modified", "error"] = "never"
    last_error: str | None = None
    last_added: int = Field(0, description="Articles the last refresh added or replaced.")


class FeedSubscription(FeedInfo):
    """A followed feed as stored beside the index: what is listed plus the conditional-GET validators and the items
    already ingested."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = Field(default_factory=list, description="Guids of items already ingested (not fetched again).")


class FeedRefresh(BaseModel):
    """What one refresh of one feed did."""

    url: str
    status: Literal["ok", "not-modified", "error"]
    error: str | None = None
    requests: int = Field(0, description="HTTP requests made: the feed's, plus one per new item's page.")
    already_seen: int = Field(0, description="Items ingested by an earlier refresh, not fetched again.")
    report: IngestReport = Field(default_factory=IngestReport)
    seconds: float = 0.0


AnswerEvent = AnswerDelta | AnswerSentenceVerified | AnswerDone
"""What an answer stream yields: draft text, verified sentences (when asked for), then the verified Answer."""
