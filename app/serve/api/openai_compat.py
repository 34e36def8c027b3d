"""OpenAI chat.completions <-> Newsdesk: messages to (question, history), Answer to completion and chunks. Pure."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence

from app.answer.engines import ENGINE_NAMES
from app.chunks.tokens import count_tokens
from app.errors import NewsdeskError
from app.models import Answer, AnswerDelta, AnswerDone, ChatTurn
from app.serve.api.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    Choice,
    ChunkChoice,
    ChunkDelta,
    ModelCard,
    ModelList,
    NewsdeskExtra,
    Usage,
)

MODEL_ID = "newsdesk"
BACKENDS: tuple[str, ...] = ENGINE_NAMES
SSE_DONE = "data: [DONE]\n\n"
PIECE_WORDS = 6
"""Words per streamed content chunk of the verified answer: small enough to read as a stream, few enough chunks."""
ID_HEX_CHARS = 24
"""Length of the random part of a completion id, as OpenAI's 'chatcmpl-...' ids have."""


class UnknownModel(NewsdeskError):
    """The request names a model Newsdesk does not serve."""


class NoQuestion(NewsdeskError):
    """The messages hold no user message with text."""


def model_ids() -> list[str]:
    return [MODEL_ID, *(f"{MODEL_ID}/{b}" for b in BACKENDS)]


def model_list() -> ModelList:
    return ModelList(data=[ModelCard(id=m) for m in model_ids()])


def backend_for_model(model: str) -> str | None:
    """'newsdesk' -> None (the default engine); 'newsdesk/<backend>' -> that backend; anything else is an error."""
    if model == MODEL_ID:
        return None
    prefix, _, backend = model.partition("/")
    if prefix == MODEL_ID and backend in BACKENDS:
        return backend
    raise UnknownModel(f"model {model!r} does not exist; use one of: {', '.join(model_ids())}")


def message_text(message: ChatMessage) -> str:
    """The text of a message whose content is a string or a list of parts (non-text parts are ignored)."""
    if message.content is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    return "".join(p.text or "" for p in message.content if p.type in ("text", "input_text"))


def to_question(messages: Sequence[ChatMessage]) -> tuple[str, list[ChatTurn]]:
    """The last user message is the question; earlier user/assistant turns are the history (system turns dropped)."""
    last_user = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), None)
    if last_user is None:
        raise NoQuestion("the messages contain no user message to answer")
    question = message_text(messages[last_user]).strip()
    if not question:
        raise NoQuestion("the last user message is empty")
    history = [
        ChatTurn(role="user" if m.role == "user" else "assistant", content=text)
        for m in messages[:last_user]
        if m.role in ("user", "assistant") and (text := message_text(m).strip())
    ]
    return question, history


def new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:ID_HEX_CHARS]}"


def extra(answer: Answer) -> NewsdeskExtra:
    return NewsdeskExtra(
        answer=answer.answer,
        standalone_question=answer.standalone_question,
        sentences=answer.sentences,
        citations=answer.citations,
        abstained=answer.abstained,
        check=answer.check,
        backend=answer.backend,
        model=answer.model,
    )


def usage(question: str, history: Iterable[ChatTurn], answer_text: str) -> Usage:
    prompt = count_tokens(question) + sum(count_tokens(t.content) for t in history)
    completion = count_tokens(answer_text)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def completion(
    answer: Answer, *, model: str, history: Sequence[ChatTurn] = (), id_: str | None = None, created: int | None = None
) -> ChatCompletion:
    """A non-streamed chat.completion whose content is the verified answer with its [n] markers."""
    return ChatCompletion(
        id=id_ or new_id(),
        created=created or int(time.time()),
        model=model,
        choices=[Choice(message=AssistantMessage(content=answer.answer, citations=answer.citations))],
        usage=usage(answer.question, history, answer.answer),
        newsdesk=extra(answer),
    )


def _pieces(text: str, words: int = PIECE_WORDS) -> list[str]:
    tokens = re.findall(r"\S+\s*|\s+", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


def chunks(
    events: Iterable[AnswerDelta | AnswerDone],
    *,
    model: str,
    history: Sequence[ChatTurn] = (),
    id_: str | None = None,
    created: int | None = None,
) -> Iterator[ChatCompletionChunk]:
    """chat.completion.chunk objects: a role chunk, the verified answer in pieces, then a final chunk with citations.

    Live deltas are text before verification: their [n] markers can be renumbered and strict mode can drop sentences,
    and a chat client cannot take streamed text back. So the content streamed here is the verified answer, sent when
    verification ends (the /api/ask stream shows the live text and replaces it).
    """
    id_ = id_ or new_id()
    created = created or int(time.time())

    def chunk(delta: ChunkDelta) -> ChatCompletionChunk:
        return ChatCompletionChunk(id=id_, created=created, model=model, choices=[ChunkChoice(delta=delta)])

    yield chunk(ChunkDelta(role="assistant", content=""))
    for event in events:
        if isinstance(event, AnswerDone):
            answer = event.answer
            for piece in _pieces(answer.answer):
                yield chunk(ChunkDelta(content=piece))
            yield ChatCompletionChunk(
                id=id_,
                created=created,
                model=model,
                choices=[ChunkChoice(delta=ChunkDelta(citations=answer.citations), finish_reason="stop")],
                newsdesk=extra(answer),
                usage=usage(answer.question, history, answer.answer),
            )
            return
    raise RuntimeError("the answer stream ended without a final answer")


def sse_data(chunk: ChatCompletionChunk) -> str:
    return f"data: {chunk.model_dump_json(exclude_none=True)}\n\n"


def sse_error(error_json: str) -> str:
    """An error inside a chat stream: a data line holding {"error": ...}, as OpenAI's own streams send it."""
    return f"data: {error_json}\n\n"
