"""The Newsdesk service: builds the parts for one Settings and offers the operations the CLI, web app and API share."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from app.ingest.formats import SUPPORTED_SUFFIXES, LoadError, load_bytes, load_text, supported_types
from app.models import (
    Answer,
    AnswerEvent,
    Article,
    ArticleInfo,
    Briefing,
    BriefSelection,
    ChatTurn,
    Citation,
    FeedRefresh,
    FeedSubscription,
    IngestError,
    IngestNote,
    IngestReport,
    Passage,
    SearchFilters,
)
from app.resources import sample_corpus_dir
from app.settings import Settings
from app.store.catalogue import ArticlePage, ArticleQuery, NothingSelected, Removal, SourceFacet
from app.text import clean_question

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from app.answer.engine import Engine
    from app.retrieve.hybrid import HybridRetriever
    from app.store.chroma import ChromaStore
    from app.store.feeds import FeedStore
    from app.store.ingest import Ingestor
    from app.verify.support import SupportChecker

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
"""progress(done, total, label)"""

Upload = tuple[str, bytes]
"""(file name as the client sent it, its bytes): an uploaded file, parsed in memory."""


_Read = Callable[..., list[Article]]
"""read(errors=[...]) -> articles: one input's reader; bad records go to `errors`, a bad input raises LoadError."""


def _guarded(name: str, read: Callable[[], list[Article]]) -> list[Article]:
    """read(), with an unexpected parser failure turned into a LoadError for `name` (one bad input stops nothing else)."""
    try:
        return read()
    except LoadError:
        raise
    except Exception as e:
        log.warning("unexpected error loading %s", name, exc_info=True)
        raise LoadError(name, f"unexpected error: {type(e).__name__}: {e}") from e


DEFAULT_FEED_EVERY = 30 * 60
"""Seconds between refreshes of a followed feed unless told otherwise: news feeds change every few minutes to hours."""
MIN_FEED_EVERY = 60
"""Shortest refresh interval accepted: polling a feed more often than once a minute only loads its server."""


def add_notes(report: IngestReport, notes: Sequence[IngestNote]) -> None:
    """Feed-item notes into a report: "indexed from the feed's own text" caveats, the rest as skipped lines."""
    from app.ingest.feed_pull import FEED_TEXT_NOTE

    for n in notes:
        (report.notes if n.note.startswith(FEED_TEXT_NOTE) else report.skipped).append(n)


class AskOptions(TypedDict, total=False):
    """Per-call options of `ask` / `stream_ask`."""

    history: Sequence[ChatTurn]
    backend: str | None
    k: int | None
    filters: SearchFilters | None
    strict: bool | None
    temperature: float | None
    max_tokens: int | None


class Newsdesk:
    """One Newsdesk over one index. Parts are built lazily and can be injected (tests, servers)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embeddings: Embeddings | None = None,
        chroma_client: Any = None,
    ) -> None:
        self.settings = settings or Settings()
        self._embeddings = embeddings
        self._chroma_client = chroma_client
        self._engines: dict[str, Engine] = {}

    # ---- parts -------------------------------------------------------------
    @cached_property
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            from app.store.embeddings import make_embeddings

            self._embeddings = make_embeddings(self.settings)
        return self._embeddings

    @cached_property
    def store(self) -> ChromaStore:
        from app.store.chroma import ChromaStore

        return ChromaStore(self.settings, self.embeddings, client=self._chroma_client)

    @cached_property
    def retriever(self) -> HybridRetriever:
        from app.retrieve.hybrid import HybridRetriever

        return HybridRetriever(self.store, self.embeddings, self.settings)

    @cached_property
    def ingestor(self) -> Ingestor:
        from app.store.ingest import Ingestor

        return Ingestor(self.store, self.settings)

    @cached_property
    def checker(self) -> SupportChecker:
        from app.verify.support import SupportChecker

        return SupportChecker(self.embeddings, threshold=self.settings.support_threshold)

    def engine(self, name: str | None = None) -> Engine:
        """The answer engine by name (default from settings). Never falls back silently to another engine."""
        from app.answer.engines import make_engine

        name = name or self.settings.backend
        if name not in self._engines:
            self._engines[name] = make_engine(name, self.settings, embeddings=self.embeddings)
        return self._engines[name]

    # ---- reading inputs (the index is not touched) ---------------------------
    def read_text(self, text: str, *, title: str | None = None, source: str = "pasted") -> Article:
        """An Article from pasted text; raises LoadError when it is empty."""
        return load_text(text, title=title, source=source)

    def read_url(
        self, url: str, *, errors: list[LoadError] | None = None, notes: list[IngestNote] | None = None
    ) -> list[Article]:
        """Fetch one http(s) URL (address checks, size and time limits) and parse it by its content type; an RSS or
        Atom feed gives its items' articles (each page fetched the same way, the feed's text when it cannot be).

        Raises LoadError; with `errors`, the bad records of a JSON/JSONL page and the feed items that failed go there
        and the rest still loads. `notes` receives the items skipped or indexed from the feed's own text."""
        from app.ingest.feed_pull import feed_results, fetch_feed_or_page

        articles: list[Article] = []
        failed: list[LoadError] = []
        for _, result in feed_results(fetch_feed_or_page(url, self.settings), url, self.settings):
            if isinstance(result, LoadError):
                failed.append(result)
            elif isinstance(result, IngestNote):
                if notes is not None:
                    notes.append(result)
            else:
                articles += result
        if failed and errors is None:
            raise failed[0]
        if errors is not None:
            errors += failed
        return articles

    def read_upload(self, name: str, data: bytes, *, errors: list[LoadError] | None = None) -> list[Article]:
        """Articles parsed in memory from one uploaded file's bytes, the format chosen by the suffix of `name`.

        Without `errors` a bad file or record raises LoadError (so a caller can refuse the whole upload); with it,
        they go there and the rest still loads, as with app.ingest.loaders.load_path."""
        failed: list[LoadError] = []
        try:
            articles = _guarded(name, lambda: self._parse_upload(name, data, failed))
        except LoadError as e:
            articles, failed = [], [*failed, e]
        if errors is None and failed:
            raise failed[0]
        if errors is not None:
            errors += failed
        return articles

    def _parse_upload(self, name: str, data: bytes, errors: list[LoadError]) -> list[Article]:
        suffix = Path(name).suffix.lower()
        kind = SUPPORTED_SUFFIXES.get(suffix)
        if kind is None:
            raise LoadError(name, f"unsupported file type '{suffix or name}' (supported: {supported_types()})")
        limit = self.settings.max_file_bytes
        if len(data) > limit:
            raise LoadError(name, f"file is over the {limit:,}-byte limit (max_file_bytes)")
        return load_bytes(data, kind, name=name, source=Path(name).stem, errors=errors,
                          max_record_chars=self.settings.api_max_article_chars)  # fmt: skip

    # ---- library -----------------------------------------------------------
    def ingest(self, inputs: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """Files, folders or http(s) URLs; every input is tried, errors are reported per input."""
        return self.ingestor.ingest([str(i) for i in inputs], progress=progress)

    def ingest_articles(self, articles: Sequence[Article], progress: Progress | None = None) -> IngestReport:
        return self.ingestor.ingest_articles(list(articles), progress=progress)

    def ingest_text(self, text: str, *, title: str | None = None, source: str = "pasted") -> IngestReport:
        """Pasted text; an empty text is an error line in the report."""
        return self._ingest_each(
            [(title or "pasted text", lambda errors: [self.read_text(text, title=title, source=source)])]
        )

    def ingest_url(self, url: str, progress: Progress | None = None) -> IngestReport:
        """One http(s) URL, fetched and parsed (a feed's URL: each item); a failure is an error line in the report."""
        notes: list[IngestNote] = []
        report = self._ingest_each([(url, lambda errors: self.read_url(url, errors=errors, notes=notes))], progress)
        add_notes(report, notes)
        return report

    def ingest_uploads(self, uploads: Sequence[Upload], progress: Progress | None = None) -> IngestReport:
        """Uploaded files, parsed in memory; each bad file or record is an error line and the others are indexed."""
        return self._ingest_each([(name, partial(self.read_upload, name, data)) for name, data in uploads], progress)

    def _ingest_each(self, reads: Sequence[tuple[str, _Read]], progress: Progress | None = None) -> IngestReport:
        """Read every input (a failure is that input's error line), then index what was read in one batch."""
        t0 = time.perf_counter()
        articles: list[Article] = []
        errors: list[IngestError] = []
        for name, read in reads:
            failed: list[LoadError] = []
            try:
                articles += _guarded(name, partial(read, errors=failed))
            except LoadError as e:
                failed.append(e)
            errors += [IngestError(input=name, error=e.message) for e in failed]
        report = self.ingest_articles(articles, progress=progress)
        report.errors[:0] = errors
        report.seconds = time.perf_counter() - t0
        return report

    def articles(self) -> list[ArticleInfo]:
        return self.store.list_articles()

    def get_article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def cited_articles(self, citations: Sequence[Citation]) -> dict[str, Article]:
        """The articles the citations point into, by id (an article removed since is left out)."""
        found: dict[str, Article] = {}
        for aid in dict.fromkeys(c.article_id for c in citations):
            article = self.get_article(aid)
            if article is not None:
                found[aid] = article
        return found

    def remove(self, article_id: str) -> bool:
        return self.store.remove_article(article_id)

    def library(self, query: ArticleQuery | None = None, *, passages: bool = False) -> ArticlePage:
        """A page of the library: searched, filtered, sorted, with the total (and, with `passages`, their passages)."""
        return self.store.catalogue_synced().page(query or ArticleQuery(), passages=passages)

    def sources(self) -> list[SourceFacet]:
        """The library's sources with article counts and date ranges."""
        return self.store.catalogue_synced().sources()

    def article_passages(self, article_id: str) -> list[Passage]:
        """An article's passages (chunks) in text order."""
        ids = self.store.chunk_ids(SearchFilters(article_ids=[article_id]))
        return sorted(self.store.get_chunks(sorted(ids)), key=lambda p: (p.start, p.end))

    def alternate_sources(self, article_id: str) -> list[str]:
        """Other URLs the article's very text arrived under (syndicated copies)."""
        from app.store.alternates import AlternateSources

        return AlternateSources(self.settings.index_dir).get(article_id)

    def source_ids(self, source: str, within: Sequence[str] | None = None) -> list[str]:
        """The ids of a source's articles (among `within` when given); raises when there are none, so a briefing
        or question filtered to a source never silently widens to the whole library."""
        ids = self.store.catalogue_synced().ids(
            ArticleQuery(source=source, ids=list(within) if within else None, limit=0)
        )
        if not ids:
            raise NothingSelected(f"no indexed article from the source {source!r}")
        return ids

    def remove_many(self, query: ArticleQuery, *, dry_run: bool = False) -> Removal:
        """Remove every article the query matches (ids and/or filters, all pages); `dry_run` only counts them.
        A query without any filter is refused: emptying the library takes naming what goes."""
        if not query.filtered():
            raise NothingSelected("say which articles to remove: ids, a search, a source or dates")
        everything = query.model_copy(update={"limit": 0, "offset": 0})
        catalogue = self.store.catalogue_synced()
        counted, ids = catalogue.page(everything, passages=True), catalogue.ids(everything)
        if dry_run:
            return Removal(dry_run=True, articles=counted.total, passages=counted.passages or 0, ids=ids)
        removed = self.store.remove_articles(ids)
        return Removal(dry_run=False, articles=len(removed), passages=counted.passages or 0, ids=removed)

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild every article's chunks and vectors with the current settings; returns the article count."""
        return self.store.reindex(self.ingestor.chunker, progress=progress)

    def ensure_sample(self) -> IngestReport | None:
        """Index the bundled sample article when the index is empty (the out-of-the-box demo)."""
        if self.store.count_articles() > 0:
            return None
        return self.ingest([sample_corpus_dir()])

    # ---- feeds (issue 16) ----------------------------------------------------
    @cached_property
    def feeds(self) -> FeedStore:
        from app.store.feeds import FeedStore

        return FeedStore(self.settings.index_dir)

    def feed_list(self) -> list[FeedSubscription]:
        return self.feeds.all()

    def feed_add(self, url: str, every_seconds: int = DEFAULT_FEED_EVERY) -> FeedSubscription:
        """Follow a feed (checked as a well-formed http(s) URL; LoadError otherwise). It is refreshed when due."""
        from app.ingest.fetch import parse_url

        url = str(parse_url(url))
        if every_seconds < MIN_FEED_EVERY:
            raise LoadError(url, f"refresh interval must be at least {MIN_FEED_EVERY} seconds")
        return self.feeds.add(url, every_seconds)

    def feed_remove(self, url: str) -> bool:
        """Stop following a feed (its articles stay in the library)."""
        return self.feeds.remove(url.strip())

    def feed_refresh(
        self, url: str | None = None, *, only_due: bool = False, write: Callable[[Callable[[], Any]], Any] | None = None
    ) -> list[FeedRefresh]:
        """Refresh one followed feed, or all (only those due when `only_due`); each feed's outcome, errors included.

        `write(fn)` wraps each index write (a server passes its write lock; fetching happens outside it)."""
        from datetime import UTC, datetime

        from app.store.feed_refresh import is_due, refresh_feed

        subs = self.feeds.all()
        if url is not None:
            subs = [s for s in subs if s.url == url.strip()]
            if not subs:
                raise LoadError(url, "not a followed feed (add it with `newsdesk feeds add`)")
        now = datetime.now(UTC)
        return [
            refresh_feed(s.url, self.feeds, self.ingestor, self.settings, write=write or (lambda fn: fn()))
            for s in subs
            if not only_due or is_due(s, now)
        ]

    # ---- questions ---------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]:
        return self.retriever.search(clean_question(query), k=k or self.settings.k, filters=filters)

    def ask(self, question: str, **options: Unpack[AskOptions]) -> Answer:
        """The verified Answer (stream_ask collected); options as for stream_ask."""
        from app.verify.grounded import final_answer

        return final_answer(self.stream_ask(question, **options))

    def stream_ask(
        self,
        question: str,
        *,
        history: Sequence[ChatTurn] = (),
        backend: str | None = None,
        k: int | None = None,
        filters: SearchFilters | None = None,
        strict: bool | None = None,
        sentences: bool = False,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer events; `sentences` adds each verified sentence as it settles; temperature / max_tokens apply to
        this call only, where the engine is an LLM (the extractive engine ignores them)."""
        from app.answer.engine import with_sampling
        from app.verify.grounded import stream_answer

        engine = with_sampling(self.engine(backend), temperature=temperature, max_tokens=max_tokens)
        yield from stream_answer(
            clean_question(question),  # every door: '２０２２' is 2022, a zero-width space is nothing
            history=list(history),
            retriever=self.retriever,
            engine=engine,
            checker=self.checker,
            settings=self.settings,
            k=k or self.settings.k,
            filters=filters,
            strict=self.settings.strict if strict is None else strict,
            sentences=sentences,
        )

    def brief(
        self,
        selection: BriefSelection | None = None,
        *,
        backend: str | None = None,
        length: str = "standard",
        strict: bool | None = None,
        progress: Progress | None = None,
    ) -> Briefing:
        from datetime import UTC, datetime

        from app.brief.pipeline import brief
        from app.store.last_briefing import last_briefing, mark_briefing

        selection = selection or BriefSelection()
        if selection.query:
            selection = selection.model_copy(update={"query": clean_question(selection.query)})
        started = datetime.now(UTC)  # what arrives while this briefing runs is new for the next one
        if selection.since_last_briefing and selection.added_since is None:
            previous = last_briefing(self.settings.index_dir)  # none yet: everything is new
            selection = selection.model_copy(update={"added_since": previous})
        briefing = brief(
            selection,
            store=self.store,
            retriever=self.retriever,
            engine=self.engine(backend),
            checker=self.checker,
            settings=self.settings,
            length=length,
            strict=self.settings.strict if strict is None else strict,
            progress=progress,
            embeddings=self.embeddings,
        )
        try:
            mark_briefing(self.settings.index_dir, started)
        except OSError as e:
            log.warning("cannot record the briefing time", extra={"error": str(e)})
        return briefing
