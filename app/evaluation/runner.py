"""Runs datasets through Newsdesk engines and scores them (`run_eval`)."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.errors import NewsdeskError
from app.evaluation import metrics as m
from app.evaluation.datasets import BriefingItem, Dataset, QAItem, load_datasets
from app.evaluation.results import (
    BackendScores,
    BriefingResult,
    DatasetInfo,
    EvalError,
    EvalReport,
    QuestionResult,
    RetrievalScores,
)
from app.models import Answer, BriefSelection
from app.resources import prompts_dir, shipped_datasets_dir
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from app.evaluation.faithfulness import FaithfulnessJudge
    from app.models import Briefing
    from app.services import Newsdesk
    from app.verify.support import SupportChecker

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
SUPPORT_PAIRS = shipped_datasets_dir() / "support_pairs.jsonl"
NEAR_MISS_TAG = "unanswerable-near-miss"
"""Dataset tag of unanswerable questions whose topic is present but whose asked fact is not (another year, person...)."""


class CachedSupport:
    """supports(claim, quotes) over the shared support checker, memoized (precision and recall ask the same pairs)."""

    def __init__(self, checker: SupportChecker) -> None:
        self.checker = checker
        self._memo: dict[tuple[str, tuple[str, ...]], bool] = {}

    def __call__(self, claim: str, quotes: list[str]) -> bool:
        key = (claim, tuple(quotes))
        if key not in self._memo:
            self._memo[key] = self.checker.check(claim, list(quotes)).supported
        return self._memo[key]


@contextmanager
def _desk(
    settings: Settings, corpus: Sequence[str | Path] | None, embeddings: Embeddings | None, given: Newsdesk | None
) -> Iterator[Newsdesk]:
    """The current index, or (with a corpus) a fresh index in a temporary folder that is deleted afterwards."""
    from app.services import Newsdesk

    if given is not None and corpus:
        raise ValueError("run_eval: pass either a Newsdesk or a corpus, not both")
    if not corpus:
        desk = given or Newsdesk(settings, embeddings=embeddings)
        if not desk.articles():
            raise EvalError(
                f"the index at {settings.chroma_url or settings.index_dir} is empty; ingest articles or pass --corpus"
            )
        yield desk
        return
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        temp = settings.model_copy(
            update={"index_dir": Path(tmp) / "index", "chroma_url": None, "cache_dir": Path(tmp) / "cache"}
        )
        desk = Newsdesk(temp, embeddings=embeddings)
        report = desk.ingest(list(corpus))
        for e in report.errors:
            log.warning("corpus input failed", extra={"input": e.input, "error": e.error})
        if not desk.articles():
            errors = "; ".join(f"{e.input}: {e.error}" for e in report.errors) or "no articles found"
            raise EvalError(f"the evaluation corpus could not be indexed ({errors})")
        yield desk
        # Chroma keeps files open in the temporary folder; drop our references before it is removed.
        del desk


def _versions() -> dict[str, str]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("newsdesk", "langchain", "langchain-core", "langchain-openai", "chromadb", "sentence-transformers",
                "torch", "tiktoken", "bm25s", "openai", "llama-cpp-python", "pydantic", "matplotlib"):  # fmt: skip
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def _config(settings: Settings, backends: Sequence[str], k: int, corpus: Sequence[str | Path] | None) -> dict[str, Any]:
    keep = ("embedding_provider", "embedding_model", "chunk_tokens", "chunk_overlap_tokens", "tokenizer", "fetch_k",
            "rrf_k", "mmr", "mmr_lambda", "context_tokens", "max_answer_tokens", "temperature", "strict",
            "support_threshold", "abstain_threshold", "openai_model", "gguf_path", "judge_model")  # fmt: skip
    dumped = settings.model_dump(mode="json")
    config: dict[str, Any] = {
        "k": k,
        "backends": list(backends),
        "corpus": [str(c) for c in corpus] if corpus else None,
    }
    config["index"] = "temporary" if corpus else str(settings.chroma_url or settings.index_dir)
    config["settings"] = {key: dumped[key] for key in keep if key in dumped}
    try:
        from app.answer.prompts import prompt_version

        config["prompts"] = {p.stem: prompt_version(p.stem) for p in sorted(prompts_dir().glob("*.md"))}
    except ImportError:
        pass
    return config


def _judge_accuracy(checker: SupportChecker, warnings: list[str]) -> dict[str, Any] | None:
    """Accuracy of the support checker (the judge behind citation scores) on the labelled support pairs."""
    if not SUPPORT_PAIRS.exists():
        warnings.append(f"judge accuracy not measured: {SUPPORT_PAIRS} is missing")
        return None
    try:
        from app.evaluation.judge import FLIP_PAIRS, flip_summary, load_pairs, measure_checker
    except ImportError as e:
        warnings.append(f"judge accuracy not measured: {e}")
        return None
    result = measure_checker(checker, load_pairs(SUPPORT_PAIRS))
    data: dict[str, Any] = result.model_dump(mode="json") if isinstance(result, BaseModel) else dict(vars(result))
    data = {key: value for key, value in data.items() if isinstance(value, int | float | str | dict | None)}
    data["pairs"] = SUPPORT_PAIRS.name
    if FLIP_PAIRS.exists():  # issue 20: meaning flips that keep every name and number, per kind and split
        data["flips"] = flip_summary(checker)
    return data


def _answer_judge_accuracy(warnings: list[str]) -> dict[str, Any] | None:
    """Accuracy of the answer-level check (does a sentence answer the question?) on the labelled answer pairs."""
    from app.evaluation.answer_judge import DEFAULT_PAIRS, judge_answer_check, load_answer_pairs

    if not DEFAULT_PAIRS.exists():
        warnings.append(f"answer-check accuracy not measured: {DEFAULT_PAIRS} is missing")
        return None
    report = judge_answer_check(load_answer_pairs(DEFAULT_PAIRS))
    data = report.model_dump(mode="json", exclude={"mistakes"})
    data["pairs"] = DEFAULT_PAIRS.name
    return data


# ---- scoring ---------------------------------------------------------------------------------------------------------
def score_question(
    item: QAItem,
    answer: Answer,
    retrieved: Sequence[str],
    gold: Sequence[Sequence[m.SpanRef]],
    supports: m.Supports,
    k: int,
) -> dict[str, float | None]:
    """All per-question scores; `gold` holds the located spans of each evidence quote."""
    flat = [s for spans in gold for s in spans]
    text = m.answer_text(answer)
    correct = m.answer_correct(text, item.answers) if item.answerable else None
    return {
        "evidence_recall_at_k": m.evidence_recall_at_k(item.evidence, retrieved, k),
        "reciprocal_rank": m.reciprocal_rank(item.evidence, retrieved),
        "answer_correct": correct,
        "token_f1": m.token_f1(text, item.answers) if item.answerable else None,
        "citation_precision": m.citation_precision(answer, flat, supports),
        "citation_recall": m.citation_recall(answer, supports),
        "evidence_coverage": m.evidence_coverage(answer, gold) if item.answerable else None,
        "abstained": float(answer.abstained),
        "confidently_wrong": m.confidently_wrong(item.answerable, answer.abstained, correct),
    }


def summarize(backend: str, results: Sequence[QuestionResult], briefs: Sequence[BriefingResult]) -> BackendScores:
    """Aggregate per-question scores of one backend (macro averages; see metrics.aggregate)."""

    def col(name: str, rows: Sequence[QuestionResult | BriefingResult] = results) -> m.Score:
        return m.aggregate(r.scores.get(name) for r in rows)

    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    near_miss = [r for r in unanswerable if NEAR_MISS_TAG in r.tags]
    latencies = [r.latency_ms for r in results]
    judged = any("faithfulness" in r.scores for r in results)
    topics = any("topic_recall" in b.scores for b in briefs)
    return BackendScores(
        backend=backend,
        model=next((r.model for r in results if r.model), next((b.model for b in briefs if b.model), "")),
        questions=len(results),
        errors=sum(r.error is not None for r in results) + sum(b.error is not None for b in briefs),
        answer_accuracy=col("answer_correct"),
        token_f1=col("token_f1"),
        citation_precision=col("citation_precision"),
        citation_recall=col("citation_recall"),
        evidence_coverage=col("evidence_coverage"),
        abstention_unanswerable=m.Score(value=m.share([r.abstained for r in unanswerable]), n=len(unanswerable)),
        false_abstention=m.Score(value=m.share([r.abstained for r in answerable]), n=len(answerable)),
        confidently_wrong=col("confidently_wrong"),
        abstention_near_miss=m.Score(value=m.share([r.abstained for r in near_miss]), n=len(near_miss))
        if near_miss
        else None,
        faithfulness=col("faithfulness") if judged else None,
        key_fact_coverage=col("key_fact_coverage", briefs) if briefs else None,
        point_citation_precision=col("point_citation_precision", briefs) if briefs else None,
        topic_precision=col("topic_precision", briefs) if topics else None,
        topic_recall=col("topic_recall", briefs) if topics else None,
        topic_refused=col("topic_refused", briefs) if topics else None,
        latency_p50_ms=m.percentile(latencies, 50),
        latency_p95_ms=m.percentile(latencies, 95),
        briefing_latency_p50_ms=m.percentile([b.latency_ms for b in briefs], 50),
    )


class _Scorer:
    """Answers and scores every item of the datasets on one Newsdesk."""

    def __init__(self, desk: Newsdesk, k: int, judge: FaithfulnessJudge | None, progress: Progress, total: int) -> None:
        self.desk, self.k, self.judge, self.progress, self.total = desk, k, judge, progress, total
        self.supports = CachedSupport(desk.checker)
        self.articles = {a.id: self._text(a.id) for a in desk.articles()}
        self._retrieved: dict[str, tuple[list[str], list[str]]] = {}
        self.done = 0

    def _text(self, article_id: str) -> str:
        article = self.desk.get_article(article_id)
        return article.text if article else ""

    def _gold(self, quotes: Sequence[str], article_id: str | None) -> list[list[m.SpanRef]]:
        articles = {article_id: self.articles[article_id]} if article_id in self.articles else self.articles
        return m.locate_evidence(quotes, articles)

    def _tick(self, label: str) -> None:
        self.done += 1
        self.progress(self.done, self.total, label)

    def retrieve(self, question: str) -> tuple[list[str], list[str]]:
        """(chunk ids, chunk texts) for the question; retrieval does not depend on the backend, so it runs once."""
        if question not in self._retrieved:
            passages = self.desk.search(question, k=self.k)
            self._retrieved[question] = ([p.chunk_id for p in passages], [p.text for p in passages])
        return self._retrieved[question]

    def question(self, ds: Dataset, item: QAItem, backend: str) -> QuestionResult:
        ids, texts = self.retrieve(item.question)
        error = None
        t0 = time.perf_counter()
        try:
            answer = self.desk.ask(item.question, backend=backend, k=self.k)
        except NewsdeskError as e:
            # A failed question is scored as an empty, non-abstaining answer (wrong, uncited) and counted.
            log.warning("question failed", extra={"id": item.id, "backend": backend, "error": str(e)})
            answer, error = Answer(question=item.question, answer="", backend=backend, model=""), str(e)
        latency = (time.perf_counter() - t0) * 1000
        gold = self._gold(item.evidence, item.article_id)
        scores = score_question(item, answer, texts, gold, self.supports, self.k)
        if self.judge is not None:
            verdict = self.judge.score(item.question, m.answer_text(answer), texts)
            scores["faithfulness"] = verdict.score
        self._tick(f"{backend} {item.id}")
        return QuestionResult(
            dataset=ds.name, id=item.id, backend=backend, model=answer.model, question=item.question,
            answerable=item.answerable, tags=item.tags, gold_answers=item.answers, answer=answer.answer,
            abstained=answer.abstained, sentences=answer.sentences, citations=answer.citations, retrieved=ids,
            latency_ms=round(latency, 2), scores=scores, error=error,
            evidence_missing=[q for q, spans in zip(item.evidence, gold, strict=True) if not spans],
        )  # fmt: skip

    def briefing(self, ds: Dataset, item: BriefingItem, backend: str) -> BriefingResult:
        selection = BriefSelection.model_validate(item.selection)
        t0 = time.perf_counter()
        error, briefing = None, None
        try:
            briefing = self.desk.brief(selection, backend=backend, length=item.length)
        except NewsdeskError as e:
            log.warning("briefing failed", extra={"id": item.id, "backend": backend, "error": str(e)})
            error = str(e)
        latency = (time.perf_counter() - t0) * 1000
        facts = [[s for spans in self._gold(f.evidence, None) for s in spans] for f in item.facts]
        scores = _briefing_scores(briefing, facts, self.supports)
        if item.sources is not None:
            drawn_on = [a.title for a in briefing.sources] if briefing else None
            scores |= m.topic_source_scores(drawn_on, item.sources, item.related)
            if briefing is None and not item.sources:
                error = None  # no article is about the topic: the refusal is the right outcome
        self._tick(f"{backend} {item.id}")
        return BriefingResult(
            dataset=ds.name, id=item.id, backend=backend, model=briefing.model if briefing else "",
            headline=briefing.headline if briefing else "", points=len(m.briefing_points(briefing)) if briefing else 0,
            citations=briefing.citations if briefing else [], latency_ms=round(latency, 2), scores=scores, error=error,
            facts_missing=[f.fact for f, spans in zip(item.facts, facts, strict=True) if not spans],
        )  # fmt: skip


def _briefing_scores(
    briefing: Briefing | None, facts: list[list[m.SpanRef]], supports: m.Supports
) -> dict[str, float | None]:
    if briefing is None:
        return {"key_fact_coverage": 0.0 if facts else None, "point_citation_precision": None}
    return {
        "key_fact_coverage": m.key_fact_coverage(briefing, facts),
        "point_citation_precision": m.point_citation_precision(briefing, supports),
    }


# ---- entry points ----------------------------------------------------------------------------------------------------
def run_eval(
    datasets: Sequence[str | Path | Dataset],
    backends: Sequence[str],
    settings: Settings,
    k: int | None = None,
    corpus: Sequence[str | Path] | None = None,
    progress: Progress | None = None,
    *,
    embeddings: Embeddings | None = None,
    judge: FaithfulnessJudge | None = None,
    desk: Newsdesk | None = None,
) -> EvalReport:
    """Score every dataset item on every backend. With `corpus`, a fresh temporary index is built from it (the user's
    index is untouched); otherwise the current index is used. `judge` defaults to the configured LLM judge, if any;
    `desk` replaces the Newsdesk built from settings (tests, or a caller that already has one)."""
    from app.evaluation.faithfulness import make_judge

    started, t0 = datetime.now(UTC), time.perf_counter()
    loaded = [d if isinstance(d, Dataset) else None for d in datasets]
    paths = [d for d in datasets if not isinstance(d, Dataset)]
    files = iter(load_datasets(list(paths)) if paths else [])
    sets = [d if d is not None else next(files) for d in loaded]
    backends = list(dict.fromkeys(backends)) or [settings.backend]
    k = k or settings.k
    judge = judge or make_judge(settings)
    progress = progress or (lambda done, total, label: None)
    qa = [(d, q) for d in sets for q in d.qa]
    briefs = [(d, b) for d in sets for b in d.briefings]
    warnings: list[str] = []

    with _desk(settings, corpus, embeddings, desk) as desk:
        scorer = _Scorer(desk, k, judge, progress, total=(len(qa) + len(briefs)) * len(backends))
        results: list[QuestionResult] = []
        briefing_results: list[BriefingResult] = []
        per_backend: dict[str, BackendScores] = {}
        for backend in backends:
            desk.engine(backend)  # fail early, with the backend's own message, when it is unavailable
            rows = [scorer.question(d, q, backend) for d, q in qa]
            brows = [scorer.briefing(d, b, backend) for d, b in briefs]
            per_backend[backend] = summarize(backend, rows, brows)
            results += rows
            briefing_results += brows
        first = [r for r in results if r.backend == backends[0]]
        retrieval = RetrievalScores(
            k=k,
            evidence_recall_at_k=m.aggregate(r.scores["evidence_recall_at_k"] for r in first),
            mrr=m.aggregate(r.scores["reciprocal_rank"] for r in first),
        )
        missing = sorted({f"{r.dataset}/{r.id}: {q!r}" for r in first for q in r.evidence_missing})
        warnings += [f"evidence quote not found in the corpus: {w}" for w in missing]
        warnings += [f"{r.backend} {r.dataset}/{r.id} failed: {r.error}" for r in results if r.error]
        warnings += [f"{b.backend} {b.dataset}/{b.id} failed: {b.error}" for b in briefing_results if b.error]
        judge_report = _judge_accuracy(desk.checker, warnings)
        answer_judge = _answer_judge_accuracy(warnings) if settings.answer_check else None
        corpus_info = [
            a.model_dump(mode="json", include={"id", "title", "source", "chunks", "chars"}) for a in desk.articles()
        ]
        chunks = sum(a["chunks"] for a in corpus_info)
        if chunks and k >= chunks:
            warnings.append(
                f"k = {k} retrieves all {chunks} chunks of the corpus: evidence recall@k is trivially 1; read MRR"
            )

    return EvalReport(
        created_at=started,
        run_seconds=round(time.perf_counter() - t0, 2),
        config={**_config(settings, backends, k, corpus), "judge_model": judge.model if judge else None},
        versions=_versions(),
        datasets=[DatasetInfo(path=d.path, name=d.name, kind=d.kind, sha256=d.sha256, items=d.size) for d in sets],
        corpus=corpus_info,
        retrieval=retrieval,
        backends=per_backend,
        judge=judge_report,
        answer_judge=answer_judge,
        warnings=warnings,
        results=results,
        briefing_results=briefing_results,
    )
