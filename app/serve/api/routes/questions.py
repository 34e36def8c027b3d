"""/api/search, /api/ask (JSON or a stream of server-sent events) and /api/brief."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter

from app import limits
from app.models import Answer, AnswerDelta, AnswerDone, AnswerEvent, AnswerSentenceVerified, Briefing, Passage
from app.serve.api.context import ApiContext
from app.serve.api.schemas import ASK_EVENT, AskRequest, BriefRequest, SearchRequest
from app.serve.api.streaming import event_stream


def sse(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


def ask_events(events: Iterator[AnswerEvent]) -> Iterator[str]:
    """`delta` events {text, draft: true} as the engine writes (unverified: the `answer` event replaces them),
    `sentence` events (AnswerSentenceVerified: final text and [n], sent only once verified and once the answer
    answers the question, as on /v1), then one `answer` event with the verified Answer."""
    for event in events:
        if isinstance(event, AnswerDelta):
            yield sse("delta", json.dumps({"text": event.text, "draft": True}, ensure_ascii=False))
        elif isinstance(event, AnswerSentenceVerified):
            yield sse("sentence", event.model_dump_json())
        elif isinstance(event, AnswerDone):
            yield sse("answer", event.answer.model_dump_json())


def build(api: ApiContext) -> APIRouter:
    router = APIRouter(tags=["questions"])
    desk = api.desk

    @router.post("/search", response_model=list[Passage])
    def search(body: SearchRequest) -> list[Passage]:
        """The best passages for a query (hybrid dense + BM25), with scores and exact spans."""
        return api.read(lambda: desk.search(body.query, k=body.k, filters=body.filters))

    @router.post(
        "/ask",
        response_model=Answer,
        responses={
            200: {
                "content": {"text/event-stream": {"schema": ASK_EVENT}},
                "description": "An Answer, or with stream=true SSE: `delta` events {text, draft} (the unverified draft), "
                "`sentence` events (each verified sentence, once the answer answers the question), then one "
                "`answer` event (the verified Answer, which replaces the draft).",
            }
        },
    )
    def ask(body: AskRequest) -> Any:
        """A grounded answer whose sentences carry verified citations."""
        question = limits.check_question(body.question, api.settings)  # 413 / 422, the limit every door shares
        limits.check_message_sizes([turn.content for turn in body.history], api.settings)
        backend = api.backend(body.backend)

        def answer() -> Answer:
            return desk.ask(question, history=body.history, backend=backend, k=body.k, filters=body.filters,
                            strict=body.strict)  # fmt: skip

        def events() -> Iterator[AnswerEvent]:
            return desk.stream_ask(question, history=body.history, backend=backend, k=body.k,
                                   filters=body.filters, strict=body.strict, sentences=True)  # fmt: skip

        if not body.stream:
            return api.read(answer)
        return event_stream(events, api.lock, ask_events, lambda error: sse("error", error))

    @router.post("/brief", response_model=Briefing)
    def brief(body: BriefRequest) -> Briefing:
        """A cited briefing of the selected articles (all when the selection is empty)."""
        backend = api.backend(body.backend)
        selection = body.selection
        if body.source:  # a source is the articles it has (within the selection's ids when it names some)
            ids = api.read(lambda: desk.source_ids(body.source or "", body.selection.article_ids))
            selection = selection.model_copy(update={"article_ids": ids})
        return api.read(lambda: desk.brief(selection, backend=backend, length=body.length, strict=body.strict))

    return router
