"""The one fake Newsdesk of the API, web and CLI tests, and a real uvicorn server in a thread (the e2e tests use the
real Newsdesk).

FakeDesk is a services.Newsdesk whose index is a dict: the real readers (read_upload, read_text) and ingest_* run,
while store, engines, answers and briefings are scripted. The web has no network here: `pages` maps a URL to what
read_url returns (or raises).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from app.ingest.formats import LoadError
from app.models import (
    ABSTAIN_PREFIX,
    Answer,
    AnswerCheck,
    AnswerDelta,
    AnswerDone,
    AnswerEvent,
    AnswerSentence,
    AnswerSentenceVerified,
    Article,
    ArticleInfo,
    Briefing,
    BriefingPoint,
    BriefSelection,
    Citation,
    IngestNote,
    IngestReport,
    Passage,
    SearchFilters,
)
from app.services import Newsdesk
from app.settings import Settings
from app.store.catalogue import Catalogue
from app.store.records import article_metadata


class FakeEngine:
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

    def check(self) -> None:
        if self.client.down:
            from app.store.chroma import StoreUnavailable

            raise StoreUnavailable("fake chroma unreachable")

    def count_articles(self) -> int:
        self.check()
        return len(self.desk.docs)

    def count_chunks(self) -> int:
        self.check()
        return sum(_chunks(a) for a in self.desk.docs.values())

    # The library's catalogue queries run on a real (in-memory) Catalogue of the dict's articles.
    def catalogue_synced(self) -> Catalogue:
        self.check()
        if self.desk.fail_with is not None:
            raise self.desk.fail_with
        cat = Catalogue(Path(":memory:"))
        cat.put((a.id, a.text, _metadata(a)) for a in list(self.desk.docs.values()))
        return cat

    def remove_articles(self, ids: Sequence[str]) -> list[str]:
        return [i for i in ids if self.desk.docs.pop(i, None) is not None]


def _metadata(article: Article) -> dict[str, Any]:
    """The store's record metadata, without an invented ingest time (listed as None, as before the catalogue)."""
    meta = article_metadata(article, _chunks(article))
    if article.ingested_at is None:
        meta.pop("ingested_at", None)
    return meta


class FakeEmbeddings:
    def embed_query(self, text: str) -> list[float]:
        return [float(len(text)), 1.0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _chunks(article: Article) -> int:
    return max(1, len(article.sentences))


def _info(article: Article) -> ArticleInfo:
    return ArticleInfo(id=article.id, title=article.title, source=article.source, url=article.url,
                       chunks=_chunks(article), chars=len(article.text))  # fmt: skip


class FakeDesk(Newsdesk):
    """Articles in a dict; an answer quotes the sentence sharing most words with the question, cited [1].

    Knobs: `fail_with` (raised by every library and question call), `store.client.down` (store unreachable),
    `unavailable` (engine names that raise EngineUnavailable), `decline` (a reason: answers are declined with the
    closest passage, as the answer check does), `pages` (URL -> articles or LoadError for read_url).
    """

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(settings or Settings(), embeddings=FakeEmbeddings())  # type: ignore[arg-type]
        self.docs: dict[str, Article] = {}
        self.store = FakeStore(self)  # type: ignore[assignment]
        self.retriever = self.checker = object()  # type: ignore[assignment]  # search and answers are scripted
        self.fail_with: BaseException | None = None
        self.unavailable: set[str] = set()
        self.decline: str | None = None
        self.pages: dict[str, list[Article] | LoadError] = {}
        self.fetched: list[str] = []
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def _maybe_fail(self, op: str) -> None:
        self.calls.append(op)
        self.store.check()
        if self.fail_with is not None:
            raise self.fail_with

    def engine(self, name: str | None = None) -> FakeEngine:  # type: ignore[override]
        if name in self.unavailable:
            from app.answer.engines import EngineUnavailable

            raise EngineUnavailable(f"backend {name!r} is not configured: set NEWSDESK_OPENAI_API_KEY")
        return FakeEngine()

    # ---- library -----------------------------------------------------------
    def read_url(
        self, url: str, *, errors: list[LoadError] | None = None, notes: list[IngestNote] | None = None
    ) -> list[Article]:
        self.fetched.append(url)
        page = self.pages.get(url, LoadError(url, "HTTP 404 Not Found"))
        if isinstance(page, LoadError):
            raise page
        return page

    def ingest_articles(self, articles: Sequence[Article], progress: Any = None) -> IngestReport:
        self._maybe_fail("ingest")
        report = IngestReport()
        for i, a in enumerate(articles):
            with self._lock:
                if a.id in self.docs:
                    report.unchanged.append(_info(a))
                else:
                    self.docs[a.id] = a
                    report.added.append(_info(a))
                    report.chunks += _chunks(a)
            if progress:
                progress(i + 1, len(articles), a.title)
        return report

    def articles(self) -> list[ArticleInfo]:
        self._maybe_fail("articles")
        return [_info(a) for a in self.docs.values()]

    def get_article(self, article_id: str) -> Article | None:
        self._maybe_fail("get")
        return self.docs.get(article_id)

    def remove(self, article_id: str) -> bool:
        self._maybe_fail("remove")
        return self.docs.pop(article_id, None) is not None

    # ---- questions ---------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Passage]:
        self._maybe_fail("search")
        q = _words(query)
        scored = []
        for a in self.docs.values():
            for s in a.sentences:
                text = a.text[s.start : s.end]
                overlap = len(q & _words(text))
                if overlap:
                    scored.append(
                        (
                            overlap,
                            Passage(
                                chunk_id=f"{a.id}:0",
                                article_id=a.id,
                                text=text,
                                start=s.start,
                                end=s.end,
                                title=a.title,
                                source=a.source,
                                score=float(overlap),
                            ),
                        )
                    )
        scored.sort(key=lambda t: -t[0])
        return [p for _, p in scored[: k or 6]]

    def _answer(self, question: str) -> Answer:
        passages = self.search(question, k=1)
        if not passages:
            return Answer(question=question, answer=f"{ABSTAIN_PREFIX}.", abstained=True, backend="extractive",
                          model="fake-extractive")  # fmt: skip
        p = passages[0]
        citation = Citation(n=1, article_id=p.article_id, title=p.title, source=p.source, chunk_id=p.chunk_id,
                            quote=p.text, start=p.start, end=p.end)  # fmt: skip
        sentence = AnswerSentence(text=p.text, citations=[1], supported=True, score=1.0)
        if self.decline:
            check = AnswerCheck(answers_question=False, answer_type="date", anchors=["2021"], reason=self.decline)
            because = self.decline.removeprefix("it ")
            return Answer(question=question, answer=f"{ABSTAIN_PREFIX}. The closest passage {because}: “{p.text}” [1]",
                          sentences=[sentence], citations=[citation], abstained=True, check=check,
                          backend="extractive", model="fake-extractive")  # fmt: skip
        number = next((w.strip(".,") for w in p.text.split() if any(c.isdigit() for c in w)), "")
        check = AnswerCheck(answers_question=True, answer_type="number" if number else "fact", found=number)
        return Answer(question=question, answer=f"{p.text} [1]", sentences=[sentence], citations=[citation], check=check,
                      backend="extractive", model="fake-extractive")  # fmt: skip

    def stream_ask(self, question: str, **options: Any) -> Iterator[AnswerEvent]:  # options ignored but `sentences`
        answer = self._answer(question)
        for i, word in enumerate(answer.answer.split(" ")):
            yield AnswerDelta(text=word if i == 0 else " " + word)
        if options.get("sentences") and not answer.abstained:
            sentence = answer.sentences[0] if answer.sentences else None
            yield AnswerSentenceVerified(text=answer.answer, sentence=sentence, citations=answer.citations)
        yield AnswerDone(answer=answer)

    def brief(
        self,
        selection: BriefSelection | None = None,
        *,
        backend: str | None = None,
        length: str = "standard",
        strict: bool | None = None,
        progress: Any = None,
    ) -> Briefing:
        self._maybe_fail("brief")
        ids = (selection.article_ids if selection else None) or list(self.docs)
        article = self.docs.get(ids[0]) if ids else None
        if article is None or not article.sentences:
            return Briefing(
                headline="Empty",
                summary=BriefingPoint(text="Nothing indexed."),
                backend="extractive",
                model="fake-extractive",
                length=length,
            )  # type: ignore[arg-type]
        span = article.sentences[0]
        cite = Citation(n=1, article_id=article.id, title=article.title, chunk_id=f"{article.id}:0",
                        quote=article.text[span.start : span.end], start=span.start, end=span.end)  # fmt: skip
        point = BriefingPoint(text=cite.quote, citations=[1], supported=True)
        return Briefing(
            headline=article.title,
            summary=point,
            key_points=[point],
            citations=[cite],
            backend="extractive",
            model="fake-extractive",
            length=length,
        )  # type: ignore[arg-type]


# ---- a real uvicorn server in a thread ----------------------------------------------------------
@contextmanager
def serve_in_thread(app: Any, *, lifespan: str = "off") -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port (socket bound first: no port race); yields the base URL.

    lifespan="on" runs the app's startup (a mounted gradio app starts its queue there)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
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


class MapReduceChat(BaseChatModel):
    """A scripted briefing chat model: the map step quotes the first sentence of each passage as a cited note
    ("- sentence [n]"); every other prompt (collapse, reduce) gets `reduce(prompt, notes)`. Records every prompt."""

    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def reduce(self, prompt: str, notes: list[str]) -> str:
        raise NotImplementedError

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        prompt = messages[-1].text
        self.prompts.append(prompt)
        if "<passage" in prompt:
            found = re.findall(r'<passage n="(\d+)"[^>]*>\n(.+?)(?:\n|$)', prompt)
            firsts = [(n, re.split(r"(?<=[.!?])\s", text)[0]) for n, text in found]
            reply = "\n".join(f"- {first} [{n}]" for n, first in firsts)
        else:
            reply = self.reduce(prompt, re.findall(r"^- (.+)$", prompt, flags=re.M))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])
