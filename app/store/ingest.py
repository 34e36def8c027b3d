"""Inputs → store: load, skip unchanged, chunk, embed in batches across articles, write each batch crash-safely.

Articles stream through a bounded pending batch (`Settings.ingest_flush_chunks` chunks), so memory stays flat
however large the corpus. Each input's failure becomes one report line; the other inputs go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.chunks.repeats import without_repeats
from app.ingest.feed_pull import ItemResult
from app.models import Article, ArticleInfo, Chunk, IngestDuplicate, IngestError, IngestNote, IngestReport
from app.settings import Settings
from app.store.alternates import AlternateSources
from app.store.chroma import ChromaStore
from app.store.client import ChromaError
from app.store.embeddings import embed_chunk_list

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Chunker = Callable[[Article], list[Chunk]]

_WRITE_ERRORS = (ChromaError, ValueError, OSError)
"""Failures of one article's write that should not stop the others (an IndexMismatchError still does)."""


def article_info(article: Article, chunks: int) -> ArticleInfo:
    return ArticleInfo(
        id=article.id,
        title=article.title,
        source=article.source,
        url=article.url,
        author=article.author,
        published=article.published,
        chunks=chunks,
        chars=len(article.text),
        ingested_at=article.ingested_at,
    )


def repeats_note(repeats: int) -> str:
    """The report's note for an article some of whose passages repeat an earlier one word for word."""
    what = "passage" if repeats == 1 else "passages"
    return f"{repeats:,} repeated {what} not indexed (word for word the same as an earlier passage of the article)"


def _another_copy(article: Article, kept: Article | ArticleInfo) -> bool:
    """Whether `article` (same text as `kept`) arrived under another URL, or, without URLs, another title."""
    if article.url and kept.url:
        return article.url != kept.url
    return bool(article.url) != bool(kept.url) or article.title != kept.title


@dataclass
class _Pending:
    article: Article
    label: str
    chunks: list[Chunk]
    repeats: int = 0  # chunks left out for repeating an earlier one of the article (app.chunks.repeats)


@dataclass
class _Run:
    """State of one ingest call."""

    report: IngestReport
    progress: Progress | None
    kept: dict[str, Article] = field(default_factory=dict)  # id -> the first article of this call with that text
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (kept id, other url)
    pending: list[_Pending] = field(default_factory=list)
    pending_chunks: int = 0
    total: int = 0
    done: int = 0

    def tick(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)

    def error(self, label: str, message: str) -> None:
        self.report.errors.append(IngestError(input=label, error=message))
        log.warning("ingest failed", extra={"input": label, "error": message})

    def skip(self, label: str, reason: str) -> None:
        self.report.skipped.append(IngestNote(input=label, note=reason))
        log.info("ingest skipped", extra={"input": label, "reason": reason})

    def duplicate(self, label: str, article: Article, kept_id: str, kept_title: str, kept_url: str | None) -> None:
        self.report.duplicates.append(
            IngestDuplicate(
                input=label, title=article.title, url=article.url, duplicate_of=kept_id, duplicate_of_title=kept_title
            )
        )
        if article.url and article.url != kept_url:
            self.alternates.append((kept_id, article.url))


class Ingestor:
    """Adds articles to a store; duplicates, unchanged and replaced articles are told apart in the report."""

    def __init__(self, store: ChromaStore, settings: Settings, chunker: Chunker | None = None) -> None:
        self.store = store
        self.settings = settings
        self._chunker = chunker
        self.flush_chunks = max(1, settings.ingest_flush_chunks)
        self.alternates = AlternateSources(settings.index_dir)

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            from app.chunks.chunking import chunker_for

            self._chunker = chunker_for(self.settings, self.store.embeddings)
        return self._chunker

    # ---- entry points ---------------------------------------------------------
    def ingest(self, inputs: list[str], progress: Progress | None = None) -> IngestReport:
        """Files, folders or URLs (whatever loaders.iter_load accepts); every input is tried."""
        from app.ingest.loaders import iter_load

        return self.ingest_results(iter_load(inputs, self.settings), progress)

    def ingest_results(
        self, results: Iterable[tuple[str, ItemResult]], progress: Progress | None = None
    ) -> IngestReport:
        """Loaded inputs (label, articles | LoadError | IngestNote), e.g. a feed's items; every one gets a line."""
        from app.ingest.feed_pull import FEED_TEXT_NOTE
        from app.ingest.loaders import LoadError

        run, t0 = _Run(IngestReport(), progress), time.perf_counter()
        for label, result in results:
            if isinstance(result, LoadError):
                run.error(label, getattr(result, "message", None) or str(result))
                continue
            if isinstance(result, IngestNote):
                (run.report.notes if result.note.startswith(FEED_TEXT_NOTE) else run.report.skipped).append(result)
                continue
            for article in result:
                self._queue(run, article, label)
        return self._finish(run, t0)

    def ingest_text(self, text: str, *, title: str | None = None, source: str = "pasted") -> IngestReport:
        from app.ingest.loaders import LoadError, load_text

        try:
            article = load_text(text, title=title, source=source)
        except LoadError as e:
            return IngestReport(
                errors=[IngestError(input=title or "pasted text", error=getattr(e, "message", None) or str(e))]
            )
        return self.ingest_articles([article])

    def ingest_articles(self, articles: Iterable[Article], progress: Progress | None = None) -> IngestReport:
        run, t0 = _Run(IngestReport(), progress), time.perf_counter()
        for article in articles:
            self._queue(run, article, article.url or article.title or article.id)
        return self._finish(run, t0)

    # ---- stages -----------------------------------------------------------------
    def _finish(self, run: _Run, t0: float) -> IngestReport:
        self._flush(run)
        indexed = {a.id for a in (*run.report.added, *run.report.replaced, *run.report.unchanged)}
        try:  # an alternate source is recorded only for an article that is indexed
            pairs = [(i, url) for i, url in run.alternates if i in indexed or self.store.has_article(i)]
            self.alternates.add_many(pairs)
        except OSError as e:
            log.warning("cannot record alternate sources", extra={"error": str(e)})
        run.report.seconds = time.perf_counter() - t0
        return run.report

    def _queue(self, run: _Run, article: Article, label: str) -> None:
        run.total += 1
        if article.record:  # one record of a JSON/JSONL input: name it, as its errors do ("line 4: ...")
            label = f"{label}, {article.record}"
        first = run.kept.get(article.id)
        if first is not None:  # the same text twice in one call: the first is kept, this one is reported
            if _another_copy(article, first):
                run.duplicate(label, article, first.id, first.title, first.url)
            else:  # the same input twice, or one file under two paths: was "a duplicate of" itself (D11)
                run.skip(label, f"{article.title!r} was given twice: read once")
            run.tick(article.title)
            return
        run.kept[article.id] = article
        if self.store.has_article(article.id):
            info = self.store.get_article_info(article.id) or article_info(article, 0)
            if _another_copy(article, info):  # same text under another URL or title: a syndicated copy
                run.duplicate(label, article, info.id, info.title, info.url)
            else:
                run.report.unchanged.append(info)
            run.tick(article.title)
            return
        try:
            chunks, repeats = without_repeats(self.chunker(article))
        except ValueError as e:
            run.error(label, f"cannot chunk {article.title!r}: {e}")
            run.tick(article.title)
            return
        if not chunks:
            run.skip(label, f"{article.title!r} has no text to index")
            run.tick(article.title)
            return
        # Stamped now, so the record (app.store.records) and the report say the same time (D11: the report had null).
        article = article.model_copy(update={"ingested_at": article.ingested_at or datetime.now(UTC)})
        run.pending.append(_Pending(article, label, chunks, repeats))
        run.pending_chunks += len(chunks)
        if run.pending_chunks >= self.flush_chunks:
            self._flush(run)

    def _flush(self, run: _Run) -> None:
        """Embed the pending chunks together, then write them all at once (chunks first, records last); when that
        write fails, article by article, so the failure is attributed to its input and the others still land."""
        pending, run.pending, run.pending_chunks = run.pending, [], 0
        if not pending:
            return
        # Sets each chunk's span vectors too, from the same forward pass (app.chunks.span_vectors).
        vectors = embed_chunk_list(self.store.embeddings, [c for p in pending for c in p.chunks])
        batch, offset = [], 0
        for p in pending:
            n = len(p.chunks)
            batch.append((p, vectors[offset : offset + n]))
            offset += n
        try:
            olds = self._previous_versions(pending)
            self.store.add_articles([(p.article, p.chunks, v) for p, v in batch])
        except _WRITE_ERRORS as e:
            log.info("batch write failed, writing article by article", extra={"articles": len(batch), "error": str(e)})
            for p, v in batch:
                try:
                    self._write(run, p, v)
                except _WRITE_ERRORS as e:
                    run.error(p.label, f"cannot index {p.article.title!r}: {e}")
                run.tick(p.article.title)
            return
        for p, _ in batch:
            try:
                self._committed(run, p, olds[p.article.id])
            except _WRITE_ERRORS as e:
                run.error(p.label, f"cannot index {p.article.title!r}: {e}")
            run.tick(p.article.title)

    def _previous_versions(self, pending: list[_Pending]) -> dict[str, ArticleInfo | None]:
        """For each pending article, the article its URL named when its write ended, had they been written one by
        one: an earlier one of the batch with the same URL, else what the index holds now."""
        olds: dict[str, ArticleInfo | None] = {}
        latest: dict[str, ArticleInfo] = {}
        for p in pending:
            url = p.article.url
            if not url:
                olds[p.article.id] = None
                continue
            olds[p.article.id] = latest[url] if url in latest else self.store.find_by_url(url)
            latest[url] = article_info(p.article, len(p.chunks))
        return olds

    def _write(self, run: _Run, p: _Pending, vectors: list[list[float]]) -> None:
        old = self.store.find_by_url(p.article.url) if p.article.url else None
        self.store.add_article(p.article, p.chunks, vectors)
        self._committed(run, p, old)

    def _committed(self, run: _Run, p: _Pending, old: ArticleInfo | None) -> None:
        """Report a written article; drop the older version of its URL (`old`), now that the new one is committed."""
        article = p.article
        info = article_info(article, len(p.chunks))
        run.report.chunks += len(p.chunks)
        if p.repeats:
            run.report.notes.append(IngestNote(input=p.label, note=repeats_note(p.repeats)))
        if old is not None and old.id != article.id:
            # The new version is committed; only now drop the old one (a crash in between leaves both, never neither).
            self.store.remove_article(old.id)
            run.report.added = [a for a in run.report.added if a.id != old.id]
            run.report.replaced.append(info)
        else:
            run.report.added.append(info)
