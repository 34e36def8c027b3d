"""What an evaluation produces: per-question and per-briefing results, scores per engine, and the whole report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.errors import NewsdeskError
from app.evaluation import metrics as m
from app.models import AnswerSentence, Citation


class EvalError(NewsdeskError):
    """The evaluation cannot run (empty index, failed corpus ingest, unknown backend)."""


# ---- result objects --------------------------------------------------------------------------------------------------
class QuestionResult(BaseModel):
    """One question answered by one backend, with its per-question scores (None = undefined, see metrics)."""

    dataset: str
    id: str
    backend: str
    model: str
    question: str
    answerable: bool
    tags: list[str] = Field(default_factory=list)
    gold_answers: list[str] = Field(default_factory=list)
    answer: str
    abstained: bool
    sentences: list[AnswerSentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[str] = Field(default_factory=list, description="Chunk ids retrieved for the question, best first.")
    latency_ms: float
    scores: dict[str, float | None] = Field(default_factory=dict)
    evidence_missing: list[str] = Field(default_factory=list, description="Gold quotes not found in the corpus.")
    error: str | None = None


class BriefingResult(BaseModel):
    dataset: str
    id: str
    backend: str
    model: str
    headline: str
    points: int
    citations: list[Citation] = Field(default_factory=list)
    latency_ms: float
    scores: dict[str, float | None] = Field(default_factory=dict)
    facts_missing: list[str] = Field(default_factory=list, description="Facts whose evidence is not in the corpus.")
    error: str | None = None


class RetrievalScores(BaseModel):
    """Retrieval is shared by all backends (same retriever, same k)."""

    k: int
    evidence_recall_at_k: m.Score
    mrr: m.Score


class BackendScores(BaseModel):
    backend: str
    model: str
    questions: int
    errors: int = 0
    answer_accuracy: m.Score
    token_f1: m.Score
    citation_precision: m.Score
    citation_recall: m.Score
    evidence_coverage: m.Score
    abstention_unanswerable: m.Score = Field(description="Share of unanswerable questions declined (higher is better).")
    false_abstention: m.Score = Field(description="Share of answerable questions declined (lower is better).")
    confidently_wrong: m.Score = Field(
        default_factory=lambda: m.Score(value=None, n=0),
        description="Share of all questions answered (not declined) and wrong, unanswerable ones included (lower is better).",
    )
    abstention_near_miss: m.Score | None = Field(
        None, description="Share of near-miss unanswerable questions (tag unanswerable-near-miss) declined."
    )
    faithfulness: m.Score | None = Field(None, description="LLM judge (RAGAS-style); None when no judge is configured.")
    key_fact_coverage: m.Score | None = None
    point_citation_precision: m.Score | None = None
    topic_precision: m.Score | None = Field(
        None, description="Topic briefings: share of the articles drawn on that the labels call sources or related."
    )
    topic_recall: m.Score | None = Field(None, description="Topic briefings: share of labelled sources drawn on.")
    topic_refused: m.Score | None = Field(
        None, description="Topic briefings on a topic no article covers: share refused (higher is better)."
    )
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    briefing_latency_p50_ms: float | None = None


class DatasetInfo(BaseModel):
    path: str
    name: str
    kind: str
    sha256: str
    items: int


class EvalReport(BaseModel):
    """Everything report.json holds; `results`/`briefing_results` go to results.jsonl."""

    created_at: datetime
    run_seconds: float
    config: dict[str, Any]
    versions: dict[str, str]
    datasets: list[DatasetInfo]
    corpus: list[dict[str, Any]] = Field(default_factory=list, description="Indexed articles scored against.")
    retrieval: RetrievalScores
    backends: dict[str, BackendScores]
    judge: dict[str, Any] | None = Field(None, description="Support-checker accuracy on evals/support_pairs.jsonl.")
    answer_judge: dict[str, Any] | None = Field(
        None, description="Answer-level check accuracy on evals/answer_pairs.jsonl (per kind, per dev/heldout split)."
    )
    warnings: list[str] = Field(default_factory=list)
    results: list[QuestionResult] = Field(default_factory=list, exclude=True)
    briefing_results: list[BriefingResult] = Field(default_factory=list, exclude=True)


# ---- helpers ---------------------------------------------------------------------------------------------------------
