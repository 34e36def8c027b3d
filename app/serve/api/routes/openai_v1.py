"""/v1/models and /v1/chat/completions: the OpenAI-compatible door (mapping in app.serve.api.openai_compat)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter

from app import limits
from app.models import AnswerEvent
from app.serve.api import openai_compat
from app.serve.api.context import ApiContext
from app.serve.api.errors import NOT_FOUND, ApiError
from app.serve.api.schemas import CHAT_EVENT, ChatCompletion, ChatCompletionRequest, ChatOptions, ModelList
from app.serve.api.streaming import event_stream
from app.services import AskOptions


def build(api: ApiContext) -> APIRouter:
    router = APIRouter(tags=["openai"])
    desk = api.desk

    @router.get("/models", response_model=ModelList)
    def models() -> ModelList:
        return openai_compat.model_list(desk.settings.backend)

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={
            **NOT_FOUND,
            200: {
                "content": {"text/event-stream": {"schema": CHAT_EVENT}},
                "description": "A chat.completion, or with stream=true chat.completion.chunk events.",
            },
        },
    )
    def chat_completions(body: ChatCompletionRequest) -> Any:
        """OpenAI-compatible chat: the last user message is the question; citations ride in `citations`/`newsdesk`."""
        try:
            backend = api.backend(openai_compat.backend_for_model(body.model), openai=True)
        except openai_compat.UnknownModel as exc:
            raise ApiError(404, "model_not_found", str(exc)) from None
        # Every message (question and history) within the one question limit, before any work: 413 above it.
        limits.check_message_sizes([openai_compat.message_text(m) for m in body.messages], api.settings)
        try:
            question, history = openai_compat.to_question(body.messages)
        except openai_compat.NoQuestion as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        options = body.newsdesk or ChatOptions()
        footer = desk.settings.openai_sources_footer if options.sources_footer is None else options.sources_footer

        ask = AskOptions(history=history, backend=backend, filters=options.filters, temperature=body.temperature,
                         max_tokens=body.max_completion_tokens or body.max_tokens)  # fmt: skip

        def events() -> Iterator[AnswerEvent]:
            return desk.stream_ask(question, sentences=True, **ask)

        if not body.stream:
            answer = api.read(lambda: desk.ask(question, **ask))
            return openai_compat.completion(answer, model=body.model, history=history, footer=footer)

        def chunks(stream: Iterator[AnswerEvent]) -> Iterator[str]:
            for chunk in openai_compat.chunks(stream, model=body.model, history=history, footer=footer):
                yield openai_compat.sse_data(chunk)
            yield openai_compat.SSE_DONE

        return event_stream(events, api.lock, chunks, openai_compat.sse_error)

    return router
