"""The HTTP API: a thin FastAPI adapter over services.Newsdesk (routes under /api and /v1, plus /healthz)."""

from __future__ import annotations

import json
import logging
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app import __version__
from app.models import Answer, Article, ArticleInfo, Briefing, IngestReport, Passage
from app.resources import sample_corpus_dir, shipped_datasets_dir
from app.serve import security
from app.serve.api import openai_compat
from app.serve.api.errors import ERRORS, NOT_FOUND, ApiError, install_error_handlers, stream_error
from app.serve.api.schemas import (
    ARTICLE_BODY,
    ASK_EVENT,
    CHAT_EVENT,
    ArticleCreate,
    AskRequest,
    BriefRequest,
    ChatCompletion,
    ChatCompletionRequest,
    EvalRequest,
    Health,
    ModelList,
    RemoveResult,
    SearchRequest,
    document_naive_datetimes,
)
from app.settings import Settings

if TYPE_CHECKING:
    from app.services import Newsdesk

log = logging.getLogger(__name__)
T = TypeVar("T")


ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_WORD = re.compile(r"[^\W\d_]{2,}")
"""At least one word of two letters: text that is only digits, symbols or escape codes is not an article."""
_ONE_ARTICLE_SUFFIXES = (".txt", ".md", ".markdown")


# ---- concurrency ----------------------------------------------------------------------------
class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers so writes are not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


_END = object()


@dataclass
class _Failure:
    exc: BaseException


def events_in_worker(produce: Callable[[], Iterator[T]], lock: ReadWriteLock) -> Iterator[T]:
    """Run a generator to completion in its own thread under the read lock; yield its items as they arrive.

    The worker never waits on the client, so a client that disconnects mid-stream cannot leave the lock held.
    """
    q: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            with lock.read():
                for item in produce():
                    q.put(item)
        except BaseException as exc:  # handed to the consumer, which raises it
            q.put(_Failure(exc))
        finally:
            q.put(_END)

    threading.Thread(target=run, name="newsdesk-stream", daemon=True).start()
    while True:
        item = q.get()
        if item is _END:
            return
        if isinstance(item, _Failure):
            raise item.exc
        yield item


# ---- inputs ---------------------------------------------------------------------------------
@dataclass
class ArticleLoaders:
    """How the API turns inputs into Articles (injectable for tests); each raises a NewsdeskError on bad input."""

    text: Callable[..., Article]
    path: Callable[[Path, Settings], list[Article]]
    url: Callable[[str, Settings], list[Article]]


def default_loaders() -> ArticleLoaders:
    from app.ingest.loaders import load_path, load_text

    def load_url(url: str, settings: Settings) -> list[Article]:
        from app.ingest.fetch import load_url as fetch_and_load

        return fetch_and_load(url, settings)

    return ArticleLoaders(text=load_text, path=load_path, url=load_url)


# ---- the app --------------------------------------------------------------------------------
class Api:
    """Route handlers bound to one Newsdesk; FastAPI routes are thin wrappers around these methods."""

    def __init__(self, desk: Newsdesk, settings: Settings, loaders: ArticleLoaders | None, evaluate: Callable[..., Any] | None) -> None:
        self.desk = desk
        self.settings = settings
        self._loaders = loaders
        self._evaluate = evaluate
        self.lock = ReadWriteLock()
        self._eval_lock = threading.Lock()
        self._backend_lock = threading.Lock()

    @property
    def loaders(self) -> ArticleLoaders:
        if self._loaders is None:
            self._loaders = default_loaders()
        return self._loaders

    # -- auth --
    def guard(self, request: Request) -> None:
        rule = security.access_rule(self.settings, request.method, request.url.path)
        if rule.required and not security.credential_ok(self.settings, request.headers.get("authorization")):
            raise ApiError(401, "unauthorized", f"a valid API token is required ({rule.reason}); send 'Authorization: Bearer <NEWSDESK_API_TOKEN>'")

    # -- ingestion --
    def _check_articles(self, articles: list[Article], what: str) -> list[Article]:
        if not articles:
            raise ApiError(400, "bad_input", f"{what}: no article text found")
        for a in articles:
            if not _WORD.search(a.text):
                raise ApiError(400, "bad_input", f"{what}: no words in the article text")
            if len(a.text) > self.settings.api_max_article_chars:
                raise ApiError(413, "payload_too_large",
                               f"{what}: article text has {len(a.text)} characters, over the {self.settings.api_max_article_chars} limit")
        return articles

    def _commit(self, articles: list[Article]) -> IngestReport:
        with self.lock.write():
            report = self.desk.ingest_articles(articles)
        if report.errors and not (report.added or report.replaced or report.unchanged):
            raise ApiError(400, "bad_input", "; ".join(f"{e.input}: {e.error}" for e in report.errors))
        return report

    def ingest_json(self, body: ArticleCreate) -> IngestReport:
        if body.url is not None:
            articles = self.loaders.url(body.url.strip(), self.settings)
            return self._commit(self._check_articles(articles, body.url))
        assert body.text is not None
        if len(body.text) > self.settings.api_max_article_chars:
            raise ApiError(413, "payload_too_large", f"text has {len(body.text)} characters, over the {self.settings.api_max_article_chars} limit")
        article = self.loaders.text(body.text, title=body.title, source=body.source)
        return self._commit(self._check_articles([article], "text"))

    def ingest_files(self, files: list[tuple[str | None, bytes]]) -> IngestReport:
        """Validate every upload (type, size), load them all, then index them; any bad file rejects the request."""
        if not files:
            raise ApiError(400, "bad_input", "no file in the upload (use the form field 'file')")
        if len(files) > self.settings.max_upload_files:
            raise ApiError(413, "payload_too_large", f"{len(files)} files, over the {self.settings.max_upload_files}-file limit")
        for name, data in files:
            shown = security.safe_filename(name)
            if not security.upload_suffix_ok(shown):
                raise ApiError(415, "unsupported_media_type",
                               f"{shown}: unsupported file type; use one of {', '.join(sorted(security.UPLOAD_SUFFIXES))}")
            if len(data) > self.settings.max_file_bytes:
                raise ApiError(413, "payload_too_large", f"{shown}: {len(data)} bytes, over the {self.settings.max_file_bytes}-byte limit")
            if shown.lower().endswith(_ONE_ARTICLE_SUFFIXES) and len(data) > 4 * self.settings.api_max_article_chars:
                # Even at 4 UTF-8 bytes a character this is over the text limit: refuse before parsing it.
                raise ApiError(413, "payload_too_large", f"{shown}: {len(data)} bytes of text, over the {self.settings.api_max_article_chars}-character article limit")
        articles: list[Article] = []
        with tempfile.TemporaryDirectory(prefix="newsdesk-upload-") as tmp:
            taken: set[str] = set()
            for name, data in files:
                target = security.upload_target(Path(tmp), name, taken)
                target.write_bytes(data)
                articles += self._check_articles(self.loaders.path(target, self.settings), target.name)
        return self._commit(articles)

    # -- reads --
    def read(self, fn: Callable[[], T]) -> T:
        with self.lock.read():
            return fn()

    def health(self) -> tuple[int, Health]:
        s = self.settings
        store_kind = "server" if s.chroma_url else "embedded"
        try:
            backend = self.desk.engine()
            model = str(getattr(backend, "model", "") or "")
        except Exception as exc:  # a health check reports, it does not fail
            log.warning("health: backend %s unavailable: %s", s.backend, exc)
            model = ""
        try:
            store = self.desk.store
            if store_kind == "server":
                store.client.heartbeat()  # fails fast, unlike the store's retrying calls
            health = Health(status="ok", version=__version__, backend=s.backend, model=model, store=store_kind,
                            articles=store.count_articles(), chunks=store.count_chunks())
            return 200, health
        except Exception as exc:
            log.warning("health: store unavailable: %s", exc)
            return 503, Health(status="unavailable", version=__version__, backend=s.backend, model=model,
                               store=store_kind, detail=f"the index store is unreachable: {type(exc).__name__}")

    def backend(self, name: str | None, *, openai: bool = False) -> str | None:
        """An explicitly requested backend this server cannot build is the caller's error (400, or 404 for an
        OpenAI model), not an outage; an unavailable default backend stays a 503 (the server is misconfigured)."""
        if name is None or name == self.settings.backend:
            return name
        from app.answer.engines import EngineUnavailable

        with self._backend_lock:  # built once, not by every thread that asks at the same time
            try:
                self.desk.engine(name)
            except EngineUnavailable as exc:
                if openai:
                    raise ApiError(404, "model_not_found", f"model 'newsdesk/{name}' is not available here: {exc}") from None
                raise ApiError(400, "backend_unavailable", str(exc)) from None
        return name

    def evaluate(self, body: EvalRequest) -> Any:
        for name in body.backends:
            self.backend(name)
        if not self._eval_lock.acquire(blocking=False):
            raise ApiError(503, "unavailable", "an evaluation is already running; try again when it ends")
        try:
            if self._evaluate is not None:
                return self._evaluate(body, self.settings)
            if body.corpus == "index":
                with self.lock.read():
                    return run_evaluation(body, self.settings, self.desk)
            return run_evaluation(body, self.settings, self.desk)
        finally:
            self._eval_lock.release()


EVAL_DIRS = (shipped_datasets_dir(),)


def dataset_path(name: str) -> Path:
    """A dataset shipped in evals/ by name; never a path outside it."""
    for folder in EVAL_DIRS:
        path = (folder / f"{name}.jsonl").resolve()
        if path.parent == folder.resolve() and path.is_file():
            return path
    raise ApiError(404, "not_found", f"no dataset named {name!r} in evals/")


def run_evaluation(body: EvalRequest, settings: Settings, desk: Newsdesk) -> Any:
    """run_eval on one bundled dataset (optionally its first N items), reusing the loaded embedding model."""
    from app.evaluation.datasets import load_dataset
    from app.evaluation.runner import run_eval

    dataset = load_dataset(dataset_path(body.dataset))
    if body.limit is not None:
        qa = dataset.qa[: body.limit]
        dataset = dataset.model_copy(update={"qa": qa, "briefings": dataset.briefings[: max(0, body.limit - len(qa))]})
    corpus = [sample_corpus_dir()] if body.corpus == "sample" else None
    return run_eval([dataset], list(body.backends), settings, k=body.k, corpus=corpus, embeddings=desk.embeddings)


def _sse(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


def create_api(
    desk: Newsdesk,
    settings: Settings | None = None,
    *,
    loaders: ArticleLoaders | None = None,
    evaluate: Callable[..., Any] | None = None,
) -> FastAPI:
    """The FastAPI app over one Newsdesk. `loaders`/`evaluate` default to app.ingest.loaders/app.ingest.fetch and app.evaluation."""
    settings = settings or desk.settings
    api = Api(desk, settings, loaders, evaluate)
    app = FastAPI(
        title="Newsdesk API",
        version=__version__,
        description="Grounded answers and briefings from news articles; every claim cites the exact passage it came from.",
    )
    app.state.api = api
    install_error_handlers(app)

    json_limit, upload_limit = settings.api_max_json_bytes, settings.max_file_bytes * settings.max_upload_files + 65536

    def limit_for(scope: dict[str, Any]) -> int | None:
        if not str(scope.get("path", "")).startswith(("/api", "/v1")):
            return None  # the mounted web app has its own limits
        ctype = dict(scope.get("headers") or []).get(b"content-type", b"")
        return upload_limit if ctype.startswith(b"multipart/form-data") else json_limit

    app.add_middleware(security.BodyLimitMiddleware, limit_for=limit_for)

    bearer = HTTPBearer(auto_error=False, description="NEWSDESK_API_TOKEN")

    def guard(request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
        api.guard(request)

    router = APIRouter(prefix="/api", dependencies=[Depends(guard)], responses=ERRORS)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(guard)], responses=ERRORS)

    @app.get("/healthz", response_model=Health, tags=["service"], responses={503: {"model": Health}})
    def healthz(response: Response) -> Health:
        """Liveness and readiness: the default backend and index counts; 503 when the store is unreachable."""
        status, health = api.health()
        response.status_code = status
        return health

    @router.post("/articles", response_model=IngestReport, status_code=201, openapi_extra=ARTICLE_BODY, tags=["articles"],
                 responses={200: {"model": IngestReport, "description": "Already indexed, unchanged."}})
    async def add_articles(request: Request, response: Response) -> IngestReport:
        """Ingest pasted text or a URL (JSON), or uploaded files (multipart field `file`, repeatable)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json" or ctype.endswith("+json"):
            try:
                body = ArticleCreate.model_validate_json(await request.body())
            except ValidationError as exc:
                raise RequestValidationError(exc.errors()) from None
            report = await run_in_threadpool(api.ingest_json, body)
        elif ctype == "multipart/form-data":
            form = await request.form(max_files=settings.max_upload_files, max_fields=20)
            files = [(f.filename, await f.read()) for key, f in form.multi_items()
                     if key in ("file", "files") and isinstance(f, UploadFile)]
            await form.close()
            report = await run_in_threadpool(api.ingest_files, files)
        else:
            raise ApiError(415, "unsupported_media_type", f"content type {ctype or '(none)'!r}: send application/json or multipart/form-data")
        response.status_code = 201 if (report.added or report.replaced) else 200
        return report

    @router.get("/articles", response_model=list[ArticleInfo], tags=["articles"])
    def list_articles() -> list[ArticleInfo]:
        return api.read(desk.articles)

    @router.get("/articles/{article_id}", response_model=Article, tags=["articles"], responses=NOT_FOUND)
    def get_article(article_id: str) -> Article:
        article = api.read(lambda: desk.get_article(article_id))
        if article is None:
            raise ApiError(404, "not_found", f"no article with id {article_id!r}")
        return article

    @router.delete("/articles/{article_id}", response_model=RemoveResult, tags=["articles"], responses=NOT_FOUND)
    def remove_article(article_id: str) -> RemoveResult:
        with api.lock.write():
            removed = desk.remove(article_id)
        if not removed:
            raise ApiError(404, "not_found", f"no article with id {article_id!r}")
        return RemoveResult(id=article_id)

    @router.post("/search", response_model=list[Passage], tags=["questions"])
    def search(body: SearchRequest) -> list[Passage]:
        """The best passages for a query (hybrid dense + BM25), with scores and exact spans."""
        return api.read(lambda: desk.search(body.query, k=body.k, filters=body.filters))

    @router.post("/ask", response_model=Answer, tags=["questions"],
                 responses={200: {"content": {"text/event-stream": {"schema": ASK_EVENT}},
                                  "description": "An Answer, or with stream=true SSE: `delta` events {text}, then one `answer` event."}})
    def ask(body: AskRequest) -> Any:
        """A grounded answer whose sentences carry verified citations."""
        kwargs = dict(history=body.history, backend=api.backend(body.backend), k=body.k, filters=body.filters, strict=body.strict)
        if not body.stream:
            return api.read(lambda: desk.ask(body.question, **kwargs))  # type: ignore[arg-type]
        events = events_in_worker(lambda: desk.stream_ask(body.question, **kwargs), api.lock)  # type: ignore[arg-type]
        first = _first(events)  # errors before the first event are plain HTTP errors

        def stream() -> Iterator[str]:
            try:
                for event in _chain(first, events):
                    if event.type == "delta":
                        yield _sse("delta", json.dumps({"text": event.text}, ensure_ascii=False))
                    else:
                        yield _sse("answer", event.answer.model_dump_json())
            except Exception as exc:
                yield _sse("error", stream_error(exc))

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @router.post("/brief", response_model=Briefing, tags=["questions"])
    def brief(body: BriefRequest) -> Briefing:
        """A cited briefing of the selected articles (all when the selection is empty)."""
        backend = api.backend(body.backend)
        return api.read(lambda: desk.brief(body.selection, backend=backend, length=body.length, strict=body.strict))

    from app.evaluation.results import EvalReport

    @router.post("/eval", response_model=EvalReport, tags=["evaluation"], responses=NOT_FOUND)
    def evaluation(body: EvalRequest) -> Any:
        """Score citation accuracy on a bundled dataset (default: in a fresh temporary index of the sample corpus)."""
        return api.evaluate(body)

    @v1.get("/models", response_model=ModelList, tags=["openai"])
    def models() -> ModelList:
        return openai_compat.model_list()

    @v1.post("/chat/completions", response_model=ChatCompletion, tags=["openai"],
             responses={**NOT_FOUND, 200: {"content": {"text/event-stream": {"schema": CHAT_EVENT}},
                                           "description": "A chat.completion, or with stream=true chat.completion.chunk events."}})
    def chat_completions(body: ChatCompletionRequest) -> Any:
        """OpenAI-compatible chat: the last user message is the question; citations ride in `citations`/`newsdesk`."""
        try:
            backend = api.backend(openai_compat.backend_for_model(body.model), openai=True)
        except openai_compat.UnknownModel as exc:
            raise ApiError(404, "model_not_found", str(exc)) from None
        try:
            question, history = openai_compat.to_question(body.messages)
        except openai_compat.NoQuestion as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        if not body.stream:
            answer = api.read(lambda: desk.ask(question, history=history, backend=backend))
            return openai_compat.completion(answer, model=body.model, history=history)
        events = events_in_worker(lambda: desk.stream_ask(question, history=history, backend=backend), api.lock)
        first = _first(events)

        def stream() -> Iterator[str]:
            try:
                for chunk in openai_compat.chunks(_chain(first, events), model=body.model, history=history):
                    yield openai_compat.sse_data(chunk)
                yield openai_compat.SSE_DONE
            except Exception as exc:
                yield f"data: {stream_error(exc)}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    app.include_router(router)
    app.include_router(v1)

    @app.api_route("/api/{rest:path}", methods=ALL_METHODS, include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=ALL_METHODS, include_in_schema=False)
    def no_such_route(request: Request) -> None:
        """Unknown /api and /v1 paths get the API's error shape, not the web app mounted at / behind them."""
        path = request.url.path
        if any(isinstance(r, APIRoute) and r.path_regex.match(path) for r in [*router.routes, *v1.routes]):
            raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path}")
        raise ApiError(404, "not_found", f"no route {path}")

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_naive_datetimes(generate_openapi())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _first(events: Iterator[T]) -> T:
    for event in events:
        return event
    raise RuntimeError("the answer stream ended before its first event")


def _chain(first: T, rest: Iterator[T]) -> Iterator[T]:
    yield first
    yield from rest
