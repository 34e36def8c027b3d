"""A small in-memory stand-in for services.Newsdesk, for API unit tests (the e2e tests use the real one)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from app.models import (
    Answer,
    AnswerDelta,
    AnswerDone,
    AnswerSentence,
    Article,
    ArticleInfo,
    Briefing,
    BriefingPoint,
    BriefSelection,
    ChatTurn,
    Citation,
    IngestReport,
    Passage,
    SearchFilters,
)
from app.settings import Settings


class FakeBackend:
    name = "extractive"
    label = "Extractive (fake)"
    model = "fake-extractive"


class FakeClient:
    def __init__(self) -> None:
        self.down = False

    def heartbeat(self) -> int:
        if self.down:
            raise ConnectionError("fake chroma is down")
        return 1


class FakeStore:
    def __init__(self, desk: FakeDesk) -> None:
        self.desk = desk
        self.client = FakeClient()

    def _check(self) -> None:
        if self.client.down:
            from app.store.chroma import StoreUnavailable

            raise StoreUnavailable("fake chroma unreachable")

    def count_articles(self) -> int:
        self._check()
        return len(self.desk.docs)

    def count_chunks(self) -> int:
        self._check()
        return sum(max(1, len(a.sentences)) for a in self.desk.docs.values())


class FakeEmbeddings:
    def embed_query(self, text: str) -> list[float]:
        return [float(len(text)), 1.0]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


class FakeDesk:
    """Articles in a dict; answers quote the best-overlapping sentence with a [1] marker."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.docs: dict[str, Article] = {}
        self.store = FakeStore(self)
        self.embeddings = FakeEmbeddings()
        self.retriever = object()
        self.checker = object()
        self.fail_with: BaseException | None = None
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def _maybe_fail(self, op: str) -> None:
        self.calls.append(op)
        self.store._check()
        if self.fail_with is not None:
            raise self.fail_with

    def backend(self, name: str | None = None) -> FakeBackend:
        return FakeBackend()

    def ingest_articles(self, articles: Sequence[Article], progress: Any = None) -> IngestReport:
        self._maybe_fail("ingest")
        report = IngestReport()
        for a in articles:
            info = ArticleInfo(id=a.id, title=a.title, source=a.source, url=a.url, chunks=max(1, len(a.sentences)), chars=len(a.text))
            with self._lock:
                if a.id in self.docs:
                    report.unchanged.append(info)
                else:
                    self.docs[a.id] = a
                    report.added.append(info)
                    report.chunks += info.chunks
        return report

    def articles(self) -> list[ArticleInfo]:
        self._maybe_fail("articles")
        return [ArticleInfo(id=a.id, title=a.title, source=a.source, chunks=max(1, len(a.sentences)), chars=len(a.text))
                for a in self.docs.values()]

    def get_article(self, article_id: str) -> Article | None:
        self._maybe_fail("get")
        return self.docs.get(article_id)

    def remove(self, article_id: str) -> bool:
        self._maybe_fail("remove")
        return self.docs.pop(article_id, None) is not None

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]:
        self._maybe_fail("search")
        q = _words(query)
        scored = []
        for a in self.docs.values():
            for s in a.sentences:
                text = a.text[s.start : s.end]
                overlap = len(q & _words(text))
                if overlap:
                    scored.append((overlap, Passage(chunk_id=f"{a.id}:0", article_id=a.id, text=text, start=s.start,
                                                    end=s.end, title=a.title, source=a.source, score=float(overlap))))
        scored.sort(key=lambda t: -t[0])
        return [p for _, p in scored[: k or 6]]

    def _answer(self, question: str) -> Answer:
        passages = self.search(question, k=1)
        if not passages:
            return Answer(question=question, answer="The indexed articles don't say.", abstained=True,
                          backend="extractive", model="fake-extractive")
        p = passages[0]
        citation = Citation(n=1, article_id=p.article_id, title=p.title, chunk_id=p.chunk_id, quote=p.text, start=p.start, end=p.end)
        return Answer(
            question=question,
            answer=f"{p.text} [1]",
            sentences=[AnswerSentence(text=p.text, citations=[1], supported=True, score=1.0)],
            citations=[citation],
            backend="extractive",
            model="fake-extractive",
        )

    def ask(self, question: str, *, history: Sequence[ChatTurn] = (), backend: str | None = None, k: int | None = None,
            filters: SearchFilters | None = None, strict: bool | None = None) -> Answer:
        return self._answer(question)

    def stream_ask(self, question: str, *, history: Sequence[ChatTurn] = (), backend: str | None = None,
                   k: int | None = None, filters: SearchFilters | None = None,
                   strict: bool | None = None) -> Iterator[AnswerDelta | AnswerDone]:
        answer = self._answer(question)
        words = answer.answer.split(" ")
        for i, w in enumerate(words):
            yield AnswerDelta(text=w if i == 0 else " " + w)
        yield AnswerDone(answer=answer)

    def brief(self, selection: BriefSelection | None = None, *, backend: str | None = None, length: str = "standard",
              strict: bool | None = None, progress: Any = None) -> Briefing:
        self._maybe_fail("brief")
        first = next(iter(self.docs.values()), None)
        text = first.text[first.sentences[0].start : first.sentences[0].end] if first and first.sentences else "Nothing indexed."
        return Briefing(headline=first.title if first else "Empty", summary=BriefingPoint(text=text, citations=[1] if first else []),
                        backend="extractive", model="fake-extractive", length=length)  # type: ignore[arg-type]


# ---- a real uvicorn server in a thread ----------------------------------------------------------
@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port (socket bound first: no port race); yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
