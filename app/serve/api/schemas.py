"""Request and response bodies of the HTTP API; answers, briefings and reports are app.models objects as-is."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema, model_validator

from app.answer.engines import ENGINE_NAMES, check_engine_name
from app.models import AnswerCheck, AnswerSentence, BriefSelection, ChatTurn, Citation, IsoDateTime, SearchFilters

BackendName = Annotated[
    str, AfterValidator(check_engine_name), WithJsonSchema({"type": "string", "enum": list(ENGINE_NAMES)})
]
"""An engine name from the registry (app.answer.engines)."""

# Request booleans are StrictBool: only JSON true/false. Lax parsing read "false" as false but "yes" and 1 as true,
# so a typo on a destructive call ("dry_run": "no") removed articles; a non-boolean is a 422 instead.

# ---- errors ----------------------------------------------------------------------


class ErrorBody(BaseModel):
    type: str = Field(description="Stable machine-readable kind, e.g. not_found, payload_too_large.")
    message: str = Field(description="What went wrong, for people; never a stack trace.")
    status: int = Field(description="The HTTP status code, repeated.")


class ErrorResponse(BaseModel):
    """Every error the API returns has this shape."""

    error: ErrorBody


# ---- /api ------------------------------------------------------------------------


class ArticleCreate(BaseModel):
    """One article to ingest: pasted `text` (with optional title/source) or a `url` to fetch. Exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="Article text (plain text; the first line is not special).")
    title: str | None = Field(None, max_length=500)
    source: str = Field("pasted", max_length=200, description="Publisher or origin label.")
    url: str | None = Field(None, max_length=2048, description="http(s) URL of an article page to fetch and extract.")

    @model_validator(mode="after")
    def _one_input(self) -> ArticleCreate:
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of 'text' or 'url'")
        return self


class RemoveResult(BaseModel):
    id: str
    removed: bool = True


class BulkRemove(BaseModel):
    """Which articles to remove: ids and/or the library's filters (all must hold); at least one is required."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = Field(None, max_length=10_000, description="Article ids.")
    q: str | None = Field(None, max_length=500, description="Words in title, source or text.")
    source: str | None = Field(None, max_length=200)
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None
    dry_run: StrictBool = Field(False, description="Only count what would go (articles and passages); remove nothing.")


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=2000)
    k: int | None = Field(None, ge=1, le=50, description="Passages to return (default: settings.k).")
    filters: SearchFilters | None = None


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, description="At most settings.max_question_chars (4000) characters (413 above)."
    )
    history: list[ChatTurn] = Field(default_factory=list, max_length=50, description="Earlier turns, oldest first.")
    backend: BackendName | None = Field(
        None, description="Answer engine; default from settings. Never falls back silently."
    )
    k: int | None = Field(None, ge=1, le=50)
    filters: SearchFilters | None = None
    strict: StrictBool | None = Field(None, description="Drop unsupported sentences instead of marking them.")
    stream: StrictBool = Field(
        False,
        description="Answer as Server-Sent Events: `delta` events (the unverified draft, marked draft: true), "
        "`sentence` events (each sentence once verified and once the answer answers the question; a declined answer "
        "sends none), then one `answer` event, the verified Answer that replaces the draft.",
    )


class BriefRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    selection: BriefSelection = Field(default_factory=BriefSelection, description="Empty: all indexed articles.")
    source: str | None = Field(
        None, max_length=200, description="Only articles of this source (GET /api/sources lists them)."
    )
    backend: BackendName | None = None
    length: Literal["short", "standard", "long"] = "standard"
    strict: StrictBool | None = None


class EvalRequest(BaseModel):
    """Score citation accuracy on a dataset shipped in evals/ (by name, e.g. 'sample_qa')."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(
        pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,79}$", description="Dataset file name under evals/ (without .jsonl)."
    )
    backends: list[BackendName] = Field(default_factory=lambda: ["extractive"], min_length=1, max_length=3)
    k: int | None = Field(None, ge=1, le=50)
    limit: int | None = Field(None, ge=1, le=500, description="Score only the first N items.")
    corpus: Literal["sample", "index"] = Field(
        "sample", description="'sample': a fresh temporary index of the bundled sample corpus; 'index': the live index."
    )


class Health(BaseModel):
    status: Literal["ok", "warming", "unavailable"] = Field(description="warming: models still loading (issue 18).")
    version: str
    backend: str = Field(description="Default answer engine.")
    model: str = Field(description="Model behind the default engine.")
    store: Literal["embedded", "server"]
    articles: int | None = None
    chunks: int | None = None
    detail: str | None = Field(None, description="Why the service is unavailable.")


# ---- /v1 (OpenAI-compatible) ------------------------------------------------------


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None


class ChatOptions(BaseModel):
    """Newsdesk options of a /v1 chat request."""

    model_config = ConfigDict(extra="forbid")

    filters: SearchFilters | None = Field(None, description="Answer only from these articles / source / dates.")
    sources_footer: StrictBool | None = Field(
        None, description="Append a Markdown 'Sources' list to the text (default: settings.openai_sources_footer)."
    )


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's chat.completions request Newsdesk uses; other parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(description="'newsdesk' (default engine) or 'newsdesk/<backend>'.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: StrictBool = False
    n: int | None = Field(None, ge=1, le=1, description="Only one choice is produced.")
    temperature: float | None = Field(None, ge=0, le=2, description="LLM backends only; the extractive one ignores it.")
    max_tokens: int | None = Field(None, ge=1, description="Reply cap; LLM backends only.")
    max_completion_tokens: int | None = Field(
        None, ge=1, description="Newer name of max_tokens; wins when both are set."
    )
    newsdesk: ChatOptions | None = Field(
        None, description="Newsdesk's extra body field (openai SDK: extra_body={'newsdesk': {...}})."
    )


class NewsdeskExtra(BaseModel):
    """Newsdesk's structured answer beside the OpenAI fields: verified sentences, citations and the answer's verdict."""

    answer: str = Field(description="The verified answer text with [n] markers.")
    standalone_question: str | None = None
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    check: AnswerCheck | None = Field(
        None,
        description="Does the answer answer the question asked (apart from per-sentence support)? None: not checked.",
    )
    backend: str
    model: str


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    citations: list[Citation] = Field(
        default_factory=list, description="Newsdesk extra: what the [n] markers point to."
    )


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    citations: list[str] = Field(
        default_factory=list,
        description="Where [n] points, n-1 indexed: article URL or newsdesk://article/ID#start-end.",
    )
    newsdesk: NewsdeskExtra


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    citations: list[Citation] | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: ChunkDelta
    finish_reason: Literal["stop", "length"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    citations: list[str] | None = Field(None, description="Where [n] points so far (as in a chat.completion).")
    newsdesk: NewsdeskExtra | None = Field(None, description="On the last chunk only.")
    usage: Usage | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "newsdesk"
    backend: str | None = Field(None, description="The answer engine behind this model id.")
    ignored_parameters: list[str] = Field(
        default_factory=list, description="chat.completions parameters this model accepts but does not apply."
    )


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# ---- OpenAPI documentation the models alone do not give -------------------------------------
ASK_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["delta", "sentence", "answer", "error"]},
        "data": {
            "type": "string",
            "description": "JSON: {text, draft} for delta (unverified), an AnswerSentenceVerified for sentence, an "
            "Answer for answer, an ErrorResponse for error.",
        },
    },
}
CHAT_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "enum": ["message"]},
        "data": {
            "type": "string",
            "description": "JSON of a chat.completion.chunk (or an ErrorResponse), then [DONE].",
        },
    },
}


ARTICLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ArticleCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["file"],
                }
            },
        },
    }
}


NAIVE_DATETIME = "ISO 8601 date-time; dates as published carry no UTC offset (e.g. 2025-11-21T10:22:00)."


def document_naive_datetimes(node: Any) -> None:
    """Article dates are naive (no offset), which JSON Schema's `date-time` (RFC 3339) rejects: describe them instead."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "date-time":
            del node["format"]
            node.setdefault("description", NAIVE_DATETIME)
        for value in node.values():
            document_naive_datetimes(value)
    elif isinstance(node, list):
        for value in node:
            document_naive_datetimes(value)
