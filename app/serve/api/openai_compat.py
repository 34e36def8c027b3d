"""OpenAI chat.completions <-> Newsdesk: messages to (question, history), Answer to completion and chunks. Pure."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Sequence

from app.answer.engines import ENGINE_NAMES
from app.answer.render import WITHDRAWN as WITHDRAWN  # re-exported: the note /v1 clients read
from app.answer.render import citation_refs, closing_text, sources_footer  # one rendering for every door
from app.chunks.tokens import count_tokens
from app.errors import NewsdeskError
from app.models import Answer, AnswerDone, AnswerEvent, AnswerSentenceVerified, ChatTurn, Citation
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
ID_HEX_CHARS = 24
"""Length of the random part of a completion id, as OpenAI's 'chatcmpl-...' ids have."""
LLM_BACKENDS = frozenset({"openai", "llamacpp"})
"""Backends that sample text, so temperature and max_tokens apply; the extractive engine quotes."""
ALWAYS_IGNORED = ("top_p", "presence_penalty", "frequency_penalty", "logit_bias", "stop", "seed", "tools", "logprobs")
"""Accepted for compatibility, never applied: the answer is drafted from retrieved passages and then verified."""


class UnknownModel(NewsdeskError):
    """The request names a model Newsdesk does not serve."""


class NoQuestion(NewsdeskError):
    """The messages hold no user message with text."""


def model_ids() -> list[str]:
    return [MODEL_ID, *(f"{MODEL_ID}/{b}" for b in BACKENDS)]


def ignored_parameters(backend: str) -> list[str]:
    """chat.completions parameters a backend accepts without applying them (sampling is the LLM's, not a quote's)."""
    sampling = [] if backend in LLM_BACKENDS else ["temperature", "max_tokens", "max_completion_tokens"]
    return [*sampling, *ALWAYS_IGNORED]


def model_list(default_backend: str) -> ModelList:
    cards = [ModelCard(id=MODEL_ID, backend=default_backend, ignored_parameters=ignored_parameters(default_backend))]
    cards += [ModelCard(id=f"{MODEL_ID}/{b}", backend=b, ignored_parameters=ignored_parameters(b)) for b in BACKENDS]
    return ModelList(data=cards)


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
    answer: Answer,
    *,
    model: str,
    history: Sequence[ChatTurn] = (),
    footer: bool = False,
    id_: str | None = None,
    created: int | None = None,
) -> ChatCompletion:
    """A non-streamed chat.completion whose content is the verified answer with its [n] markers."""
    content = answer.answer + (sources_footer(answer.citations) if footer else "")
    return ChatCompletion(
        id=id_ or new_id(),
        created=created or int(time.time()),
        model=model,
        choices=[Choice(message=AssistantMessage(content=content, citations=answer.citations))],
        usage=usage(answer.question, history, content),
        citations=citation_refs(answer.citations),
        newsdesk=extra(answer),
    )


def chunks(
    events: Iterable[AnswerEvent],
    *,
    model: str,
    history: Sequence[ChatTurn] = (),
    footer: bool = False,
    id_: str | None = None,
    created: int | None = None,
) -> Iterator[ChatCompletionChunk]:
    """chat.completion.chunk objects: a role chunk, each answer sentence once verified, then a final chunk.

    Live draft deltas are not sent: a chat client cannot take streamed text back, and verification can renumber or drop
    what the draft said. Each verified sentence (AnswerSentenceVerified) is final, with its [n] and the growing
    top-level `citations`. Sentences come only once the answer answers the question (app.verify.answer_gate), so a
    declined answer is sent as its decline alone; should verification still change streamed text, a withdrawal note
    follows as more text.
    """
    id_ = id_ or new_id()
    created = created or int(time.time())
    streamed: list[str] = []
    cited: list[Citation] = []

    def chunk(delta: ChunkDelta, refs: list[str] | None = None) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id=id_, created=created, model=model, choices=[ChunkChoice(delta=delta)], citations=refs
        )

    yield chunk(ChunkDelta(role="assistant", content=""))
    for event in events:
        if isinstance(event, AnswerSentenceVerified):
            streamed.append(event.text)
            cited += event.citations
            yield chunk(ChunkDelta(content=event.text), citation_refs(cited) if event.citations else None)
        elif isinstance(event, AnswerDone):
            answer = event.answer
            tail = closing_text("".join(streamed), answer)
            if footer:
                tail += sources_footer(answer.citations)
            if tail:
                streamed.append(tail)
                yield chunk(ChunkDelta(content=tail))
            yield ChatCompletionChunk(
                id=id_,
                created=created,
                model=model,
                choices=[ChunkChoice(delta=ChunkDelta(citations=answer.citations), finish_reason="stop")],
                citations=citation_refs(answer.citations),
                newsdesk=extra(answer),
                usage=usage(answer.question, history, "".join(streamed)),
            )
            return
    raise RuntimeError("the answer stream ended without a final answer")


def sse_data(chunk: ChatCompletionChunk) -> str:
    return f"data: {chunk.model_dump_json(exclude_none=True)}\n\n"


def sse_error(error_json: str) -> str:
    """An error inside a chat stream: a data line holding {"error": ...}, as OpenAI's own streams send it."""
    return f"data: {error_json}\n\n"
