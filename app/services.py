"""The Newsdesk service: builds the parts for one Settings and offers the operations the CLI, web app and API share."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models import (
    Answer,
    AnswerDelta,
    AnswerDone,
    Article,
    ArticleInfo,
    Briefing,
    BriefSelection,
    ChatTurn,
    IngestReport,
    Passage,
    SearchFilters,
)
from app.resources import sample_corpus_dir
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from app.answer.engine import Engine
    from app.retrieve.hybrid import HybridRetriever
    from app.store.chroma import ChromaStore
    from app.store.ingest import Ingestor
    from app.verify.support import SupportChecker

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
"""progress(done, total, label)"""


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

    # ---- library -----------------------------------------------------------
    def ingest(self, inputs: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """Files, folders or http(s) URLs; every input is tried, errors are reported per input."""
        return self.ingestor.ingest([str(i) for i in inputs], progress=progress)

    def ingest_text(self, text: str, *, title: str | None = None, source: str = "pasted") -> IngestReport:
        return self.ingestor.ingest_text(text, title=title, source=source)

    def ingest_articles(self, articles: Sequence[Article], progress: Progress | None = None) -> IngestReport:
        return self.ingestor.ingest_articles(list(articles), progress=progress)

    def articles(self) -> list[ArticleInfo]:
        return self.store.list_articles()

    def get_article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def remove(self, article_id: str) -> bool:
        return self.store.remove_article(article_id)

    def reindex(self) -> int:
        """Rebuild every article's chunks and vectors with the current settings; returns the article count."""
        return self.store.reindex(self.ingestor.chunker)

    def ensure_sample(self) -> IngestReport | None:
        """Index the bundled sample article when the index is empty (the out-of-the-box demo)."""
        if self.store.count_articles() > 0:
            return None
        return self.ingest([sample_corpus_dir()])

    # ---- questions ---------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]:
        return self.retriever.search(query, k=k or self.settings.k, filters=filters)

    def ask(
        self,
        question: str,
        *,
        history: Sequence[ChatTurn] = (),
        backend: str | None = None,
        k: int | None = None,
        filters: SearchFilters | None = None,
        strict: bool | None = None,
    ) -> Answer:
        from app.verify.grounded import final_answer

        return final_answer(
            self.stream_ask(question, history=history, backend=backend, k=k, filters=filters, strict=strict)
        )

    def stream_ask(
        self,
        question: str,
        *,
        history: Sequence[ChatTurn] = (),
        backend: str | None = None,
        k: int | None = None,
        filters: SearchFilters | None = None,
        strict: bool | None = None,
    ) -> Iterator[AnswerDelta | AnswerDone]:
        from app.verify.grounded import stream_answer

        yield from stream_answer(
            question,
            history=list(history),
            retriever=self.retriever,
            engine=self.engine(backend),
            checker=self.checker,
            settings=self.settings,
            k=k or self.settings.k,
            filters=filters,
            strict=self.settings.strict if strict is None else strict,
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
        from app.brief.pipeline import brief

        return brief(
            selection or BriefSelection(),
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
