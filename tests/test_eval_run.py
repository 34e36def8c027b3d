"""The evaluation runner and report: a scripted Newsdesk for the logic, the real pipeline for full runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.errors import NewsdeskError
from app.evaluation.command import eval_command
from app.evaluation.datasets import DatasetInvalid, load_dataset, parse_dataset
from app.evaluation.faithfulness import FaithfulnessJudge, make_judge, parse_verdicts
from app.evaluation.report import check_thresholds, load_thresholds, render_markdown, write_report
from app.evaluation.results import EvalReport
from app.evaluation.runner import run_eval
from app.models import (
    Answer,
    AnswerSentence,
    Article,
    ArticleInfo,
    Briefing,
    BriefingPoint,
    BriefSelection,
    Citation,
    Passage,
)
from app.resources import sample_corpus_dir
from app.settings import Settings
from app.verify.support import SupportChecker

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_QA = ROOT / "evals" / "sample_qa.jsonl"
BRIEFING_FACTS = ROOT / "evals" / "briefing_facts.jsonl"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"

TEXT = "Kyiv must cede Donbas. The army is capped at 600,000 troops. Europe objects."
CHUNKS = [(0, 60), (61, 76)]


def _cite(n: int, start: int, end: int) -> Citation:
    return Citation(n=n, article_id="a1", chunk_id="a1:0", quote=TEXT[start:end], start=start, end=end)


def _answer(question: str, backend: str, quote: tuple[int, int] | None) -> Answer:
    if quote is None:
        return Answer(
            question=question, answer="The indexed articles don't say.", abstained=True, backend=backend, model="m"
        )
    text = TEXT[quote[0] : quote[1]]
    return Answer(
        question=question,
        answer=f"{text} [1]",
        sentences=[AnswerSentence(text=text, citations=[1], supported=True, score=1.0)],
        citations=[_cite(1, *quote)],
        backend=backend,
        model=f"{backend}-model",
    )


class ScriptedDesk:
    """A Newsdesk stand-in with one article, fixed retrieval and scripted answers per (backend, question)."""

    SCRIPT: ClassVar[dict[tuple[str, str], tuple[int, int] | None]] = {
        ("alpha", "Which region must Kyiv cede?"): (0, 22),
        ("alpha", "How big is the army?"): None,
        ("alpha", "Who won the election?"): None,
        # beta quotes a true but irrelevant sentence: high citation recall, wrong answer
        ("beta", "Which region must Kyiv cede?"): (61, 76),
        ("beta", "How big is the army?"): None,
        ("beta", "Who won the election?"): (61, 76),
    }

    def __init__(self) -> None:
        self.checker = SupportChecker(None)  # lexical-only: fast and deterministic
        self.asked: list[tuple[str, str | None, int | None]] = []

    def articles(self) -> list[ArticleInfo]:
        return [ArticleInfo(id="a1", title="Plan", chunks=2, chars=len(TEXT))]

    def get_article(self, article_id: str) -> Article | None:
        return Article(id="a1", title="Plan", text=TEXT) if article_id == "a1" else None

    def engine(self, name: str | None = None) -> object:
        if name not in {"alpha", "beta"}:
            raise NewsdeskError(f"unknown backend {name!r}")
        return object()

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        order = CHUNKS[::-1] if "army" in query else CHUNKS
        return [Passage(chunk_id=f"a1:{s}", article_id="a1", text=TEXT[s:e], start=s, end=e) for s, e in order][:k]

    def ask(self, question: str, *, backend: str | None = None, k: int | None = None) -> Answer:
        self.asked.append((question, backend, k))
        return _answer(question, backend or "alpha", self.SCRIPT[(backend or "alpha", question)])

    def brief(self, selection: BriefSelection, *, backend: str | None = None, length: str = "standard") -> Briefing:
        point = BriefingPoint(text=TEXT[0:22], citations=[1])
        return Briefing(headline="Plan", summary=point, citations=[_cite(1, 0, 22)], backend=backend or "", model="m")


QA_LINES = [
    {"id": "q1", "question": "Which region must Kyiv cede?", "answers": ["Donbas"], "evidence": ["Kyiv must cede Donbas."], "answerable": True},
    {"id": "q2", "question": "How big is the army?", "answers": ["600,000 troops"], "evidence": ["capped at 600,000 troops"], "answerable": True},
    {"id": "u1", "question": "Who won the election?", "answers": [], "evidence": [], "answerable": False, "tags": ["unanswerable"]},
]  # fmt: skip
BRIEF_LINE = {
    "id": "b1",
    "selection": {},
    "facts": [{"fact": "cede", "evidence": ["cede Donbas"]}, {"fact": "EU", "evidence": ["Europe objects."]}],
}


@pytest.fixture
def scripted(tmp_path: Path) -> tuple[EvalReport, ScriptedDesk, list[tuple[int, int, str]]]:
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(x) + "\n" for x in QA_LINES), encoding="utf-8")
    briefs = parse_dataset(json.dumps(BRIEF_LINE), path="briefs.jsonl")
    desk = ScriptedDesk()
    calls: list[tuple[int, int, str]] = []
    judge = FaithfulnessJudge(
        FakeListChatModel(
            responses=['{"statements": [{"statement": "a", "verdict": 1}, {"statement": "b", "verdict": 0}]}']
        )
    )
    report = run_eval(
        [qa, briefs], ["alpha", "beta"], Settings(), k=2, desk=desk, judge=judge,  # type: ignore[arg-type]
        progress=lambda done, total, label: calls.append((done, total, label)),
    )  # fmt: skip
    return report, desk, calls


def test_scores_are_hand_computed(scripted):
    report, desk, calls = scripted
    alpha, beta = report.backends["alpha"], report.backends["beta"]
    assert alpha.model == "alpha-model" and alpha.questions == 3
    # q1 answered with the gold sentence; q2 wrongly declined; u1 rightly declined
    assert alpha.answer_accuracy.model_dump() == {"value": 0.5, "n": 2}
    assert alpha.token_f1.value == pytest.approx(0.2)  # q1: P = 1/4, R = 1 -> 0.4; q2: 0
    assert alpha.citation_precision.model_dump() == {"value": 1.0, "n": 1}
    assert alpha.citation_recall.model_dump() == {"value": 1.0, "n": 1}
    assert alpha.evidence_coverage.model_dump() == {"value": 0.5, "n": 2}
    assert alpha.abstention_unanswerable.model_dump() == {"value": 1.0, "n": 1}
    assert alpha.false_abstention.model_dump() == {"value": 0.5, "n": 2}
    # beta: cites a true sentence that is not the evidence; answers the unanswerable question
    assert beta.answer_accuracy.value == 0.0
    assert beta.citation_recall.value == 1.0  # every sentence is supported by its citation...
    assert beta.citation_precision.model_dump() == {"value": 0.5, "n": 2}  # ...but q1's citation misses the gold span
    assert beta.abstention_unanswerable.value == 0.0
    # retrieval: q1 evidence in chunk 1 (rr 1); q2 evidence in chunk 2 (rr 1/2)
    assert report.retrieval.evidence_recall_at_k.model_dump() == {"value": 1.0, "n": 2}
    assert report.retrieval.mrr.value == pytest.approx(0.75)
    # briefing: one of two facts cited; the one point is supported by its citation
    assert alpha.key_fact_coverage.model_dump() == {"value": 0.5, "n": 1}
    assert alpha.point_citation_precision.model_dump() == {"value": 1.0, "n": 1}
    # judge column: only answers that say something are judged
    assert alpha.faithfulness.model_dump() == {"value": 0.5, "n": 1}
    assert beta.faithfulness.model_dump() == {"value": 0.5, "n": 2}
    assert alpha.latency_p50_ms is not None and alpha.latency_p95_ms >= alpha.latency_p50_ms
    assert {k for _, _, k in desk.asked} == {2}
    assert calls[-1][:2] == (8, 8) and [c[0] for c in calls] == list(range(1, 9))
    assert report.judge is not None and report.judge["n"] > 0 and 0 <= report.judge["accuracy"] <= 1


def test_report_files(scripted, tmp_path: Path):
    report, _, _ = scripted
    out = write_report(report, tmp_path / "out")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["backends"]["alpha"]["answer_accuracy"] == {"value": 0.5, "n": 2}
    # beta quotes a true but irrelevant sentence for the answerable question and answers the unanswerable one
    assert data["backends"]["alpha"]["confidently_wrong"] == {"value": 0.0, "n": 3}
    assert data["backends"]["beta"]["confidently_wrong"] == {"value": 2 / 3, "n": 3}
    assert data["config"]["k"] == 2 and data["config"]["backends"] == ["alpha", "beta"]
    assert data["datasets"][0]["sha256"] == load_dataset(tmp_path / "qa.jsonl").sha256
    assert data["versions"]["python"] and "results" not in data
    assert data["judge"]["accuracy"] == report.judge["accuracy"]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 8 and {r["kind"] for r in rows} == {"qa", "briefing"}
    q1 = next(r for r in rows if r["id"] == "q1" and r["backend"] == "alpha")
    assert q1["scores"]["answer_correct"] == 1.0 and q1["citations"][0]["quote"] == "Kyiv must cede Donbas."
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "## Retrieval",
        "## Answers and citations",
        "## Abstention",
        "## Briefings",
        "## Latency",
        "## Support checker",
    ):
        assert heading in md
    assert (
        "| alpha | 0.500 (2) | 0.000 (3) | 0.200 (2) | 1.000 (1) |" in md
    )  # accuracy, confidently wrong, F1, precision
    assert "faithfulness (LLM judge)" in md
    # trial 16 D12: the questions behind the error rates are listed: alpha declined q2; beta answered q1 and u1 wrongly
    misses = md.split("## Questions to look at", 1)[1].split("\n## ", 1)[0]
    assert "### alpha: declined when answerable (1)" in misses and "| q2 | How big is the army?" in misses
    assert "### beta: confidently wrong (2)" in misses and "| u1 | Who won the election? | (unanswerable) |" in misses
    assert "### alpha: confidently wrong" not in misses
    for png in ("metrics.png", "latency.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_judge_column_omitted_without_judge(tmp_path: Path):
    qa = parse_dataset("".join(json.dumps(x) + "\n" for x in QA_LINES), path="qa.jsonl")
    report = run_eval([qa], ["alpha"], Settings(), k=2, desk=ScriptedDesk())  # type: ignore[arg-type]
    assert report.backends["alpha"].faithfulness is None
    assert "faithfulness" not in render_markdown(report)
    assert "## Briefings" not in render_markdown(report)


def test_thresholds(scripted, tmp_path: Path):
    report, _, _ = scripted
    toml = tmp_path / "t.toml"
    toml.write_text(
        "[alpha]\nanswer_accuracy = 0.6\nmrr = 0.5\ncitation_precision = 1.0\n"
        "[alpha.max]\nfalse_abstention = 0.4\n[gamma]\nanswer_accuracy = 1.0\n",
        encoding="utf-8",
    )
    failures = check_thresholds(report, load_thresholds(toml))
    assert failures == [
        "alpha: answer_accuracy = 0.500 < minimum 0.6",
        "alpha: false_abstention = 0.500 > maximum 0.4",
    ]
    with pytest.raises(KeyError, match="unknown metric"):
        check_thresholds(report, {"alpha": {"answer_acuracy": 0.1}})


def test_unknown_backend_fails_before_scoring():
    qa = parse_dataset(json.dumps(QA_LINES[0]), path="qa.jsonl")
    desk = ScriptedDesk()
    with pytest.raises(NewsdeskError, match="unknown backend"):
        run_eval([qa], ["nope"], Settings(), desk=desk)  # type: ignore[arg-type]
    assert desk.asked == []


def test_eval_command_reports_bad_lines_without_touching_the_index(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(QA_LINES[0]) + "\n{oops\n", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    with pytest.raises(DatasetInvalid, match=r"bad.jsonl:2: invalid JSON"):
        eval_command([bad], None, ["extractive"], None, tmp_path / "out", False, None, settings=settings)
    assert not (tmp_path / "index").exists() and not (tmp_path / "out").exists()


def test_faithfulness_parsing_and_config():
    assert parse_verdicts('```json\n{"statements": [{"verdict": 1}, {"verdict": "0"}]}\n```') == [True, False]
    assert parse_verdicts('{"statements": []}') == []
    for reply in ("no json here", '{"other": 1}', '{"statements": [{"verdict": 7}]}'):
        with pytest.raises(ValueError):
            parse_verdicts(reply)
    judge = FaithfulnessJudge(FakeListChatModel(responses=["I cannot grade this."]))
    verdict = judge.score("q", "An answer.", ["context"])
    assert verdict.score is None and verdict.error
    assert judge.score("q", "  ", ["context"]).score is None
    assert make_judge(Settings()) is None
    configured = make_judge(Settings(judge_model="grader", judge_base_url="http://127.0.0.1:9/v1"))
    assert configured is not None and configured.model == "grader"


# ---- the real pipeline -------------------------------------------------------------------------------------------


def _datasets() -> list[Path]:
    return [SAMPLE_QA, *([BRIEFING_FACTS] if BRIEFING_FACTS.exists() else [])]


@pytest.fixture(scope="module")
def extractive_run(tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> tuple[EvalReport, Path, Settings]:
    base = tmp_path_factory.mktemp("eval")
    settings = Settings(index_dir=base / "user-index")
    report = run_eval(_datasets(), ["extractive"], settings, corpus=[sample_corpus_dir()], embeddings=embeddings)
    return report, write_report(report, base / "out"), settings


@pytest.mark.slow
def test_extractive_run_writes_everything_and_meets_thresholds(extractive_run):
    report, out, settings = extractive_run
    assert not settings.index_dir.exists()  # the corpus went to a temporary index
    for name in ("report.json", "report.md", "results.jsonl", "metrics.png", "latency.png"):
        assert (out / name).stat().st_size > 0, name
    ds = load_dataset(SAMPLE_QA)
    rows = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum(json.loads(r)["kind"] == "qa" for r in rows) == len(ds.qa)
    assert report.datasets[0].sha256 == ds.sha256
    assert [a["title"] for a in report.corpus] == ["Zelenskyy Cautious on US Plan, EU Rejects Concessions"]
    assert not [w for w in report.warnings if "not found in the corpus" in w]
    assert report.judge is not None and report.judge["mode"] == "embeddings"
    assert check_thresholds(report, load_thresholds(THRESHOLDS)) == []


@pytest.mark.slow
def test_extractive_run_is_deterministic(extractive_run, embeddings: Any, tmp_path: Path):
    report, _, _ = extractive_run
    subset = tmp_path / "subset.jsonl"
    subset.write_text("".join(SAMPLE_QA.read_text(encoding="utf-8").splitlines(keepends=True)[:6]), encoding="utf-8")
    again = run_eval(
        [subset],
        ["extractive"],
        Settings(index_dir=tmp_path / "i"),
        corpus=[sample_corpus_dir()],
        embeddings=embeddings,
    )
    before = {r.id: (r.answer, r.scores, [c.model_dump() for c in r.citations]) for r in report.results}
    for r in again.results:
        assert (r.answer, r.scores, [c.model_dump() for c in r.citations]) == before[r.id]


@pytest.mark.slow
@pytest.mark.llm
def test_llamacpp_scored_through_the_same_path(embeddings: Any, tmp_path: Path):
    lines = SAMPLE_QA.read_text(encoding="utf-8").splitlines(keepends=True)
    subset = tmp_path / "few.jsonl"
    subset.write_text("".join(lines[:3] + lines[-1:]), encoding="utf-8")
    report = run_eval([subset], ["extractive", "llamacpp"], Settings(index_dir=tmp_path / "i"),
                      corpus=[sample_corpus_dir()], embeddings=embeddings)  # fmt: skip
    assert list(report.backends) == ["extractive", "llamacpp"]
    scores = report.backends["llamacpp"]
    assert scores.questions == 4 and scores.errors == 0
    for name in ("answer_accuracy", "token_f1", "citation_precision", "citation_recall", "evidence_coverage",
                 "abstention_unanswerable", "false_abstention"):  # fmt: skip
        value = getattr(scores, name).value
        assert value is None or 0.0 <= value <= 1.0, name
    assert "| llamacpp |" in render_markdown(report)
