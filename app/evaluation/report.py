"""Writes an EvalReport: report.json, report.md (tables), results.jsonl and PNG charts; checks thresholds."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.evaluation.metrics import Score
from app.evaluation.results import EvalReport, QuestionResult

# Metrics per backend shown in tables and charts: (attribute, label). Retrieval metrics are shared by all backends.
ANSWER_METRICS = [
    ("answer_accuracy", "answer accuracy"),
    ("confidently_wrong", "confidently wrong ↓"),
    ("token_f1", "token F1"),
]
CITATION_METRICS = [
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("evidence_coverage", "evidence coverage"),
]
RETRIEVAL_METRICS = {"evidence_recall_at_k": "evidence recall@k", "mrr": "MRR"}
LOWER_IS_BETTER = {"false_abstention", "confidently_wrong"}


def metric_value(report: EvalReport, backend: str, name: str) -> float | None:
    """A metric of one backend by name (retrieval metrics are shared); KeyError for an unknown metric or backend."""
    if name in RETRIEVAL_METRICS:
        score = getattr(report.retrieval, name)
    else:
        scores = report.backends[backend]
        if name not in type(scores).model_fields:
            raise KeyError(f"unknown metric {name!r}")
        score = getattr(scores, name)
    if isinstance(score, Score):
        return score.value
    return score if isinstance(score, int | float) or score is None else None


# ---- thresholds ------------------------------------------------------------------------------------------------------
def load_thresholds(path: str | Path) -> dict[str, Any]:
    """TOML: [backend] metric = minimum; [backend.max] metric = maximum (for lower-is-better metrics)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def check_thresholds(report: EvalReport, thresholds: dict[str, Any]) -> list[str]:
    """Every threshold a scored backend misses, as a readable line (an undefined metric misses its threshold)."""
    failures: list[str] = []
    for backend, table in thresholds.items():
        if backend not in report.backends:
            continue
        for name, bound in table.items():
            if name == "max":
                continue
            value = metric_value(report, backend, name)
            if value is None or value < bound:
                failures.append(f"{backend}: {name} = {_fmt(value)} < minimum {bound}")
        for name, bound in table.get("max", {}).items():
            value = metric_value(report, backend, name)
            if value is None or value > bound:
                failures.append(f"{backend}: {name} = {_fmt(value)} > maximum {bound}")
    return failures


# ---- json ------------------------------------------------------------------------------------------------------------
def report_json(report: EvalReport) -> str:
    return report.model_dump_json(indent=2)


def write_results(report: EvalReport, path: Path) -> None:
    """results.jsonl: one line per (question, backend), then one per (briefing, backend), with a `kind` key."""
    with path.open("w", encoding="utf-8") as f:
        for r in report.results:
            f.write(json.dumps({"kind": "qa", **r.model_dump(mode="json")}, ensure_ascii=False) + "\n")
        for b in report.briefing_results:
            f.write(json.dumps({"kind": "briefing", **b.model_dump(mode="json")}, ensure_ascii=False) + "\n")


# ---- markdown --------------------------------------------------------------------------------------------------------
def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _cell(score: Score | None) -> str:
    return "n/a" if score is None else f"{_fmt(score.value)} ({score.n})"


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_markdown(report: EvalReport) -> str:
    """report.md: config, then tables for retrieval, answers beside citations, abstention, briefings, latency, judge."""
    judge_acc = _fmt(report.judge.get("accuracy")) if report.judge else "n/a"
    answer_acc = _answer_judge_cell(report)
    judged = any(b.faithfulness is not None for b in report.backends.values())
    out = [
        "# Newsdesk evaluation",
        "",
        f"- run: {report.created_at:%Y-%m-%d %H:%M:%S} UTC, {report.run_seconds:.1f} s",
        f"- backends: {', '.join(f'{b.backend} ({b.model})' for b in report.backends.values())}; k = {report.retrieval.k}",
        f"- index: {report.config.get('index')}; corpus: {', '.join(a['title'] for a in report.corpus) or 'n/a'}",
    ]
    out += [
        f"- dataset `{d.path}` ({d.kind}, {d.items} item{'s' if d.items != 1 else ''}) sha256 `{d.sha256[:16]}`"
        for d in report.datasets
    ]
    out += ["", "Scores are macro averages over questions; (n) is how many questions the metric is defined for.", ""]

    out += ["## Retrieval (shared by all backends)", ""]
    out += _table(
        [f"evidence recall@{report.retrieval.k}", "MRR"],
        [[_cell(report.retrieval.evidence_recall_at_k), _cell(report.retrieval.mrr)]],
    )
    out += ["", "## Answers and citations", "",
            "Answer correctness sits beside citation scores: quoting the top passage verbatim scores high citation "
            "precision and recall while answering nothing. Citation scores are only as good as the support checker "
            "that judges them; its measured accuracy is shown beside them.", ""]  # fmt: skip
    header = [
        "backend",
        *(label for _, label in ANSWER_METRICS + CITATION_METRICS),
        "checker accuracy",
        "answer-check accuracy (dev / held-out)",
    ]
    header += ["faithfulness (LLM judge)"] if judged else []
    rows = []
    for b in report.backends.values():
        row = [
            b.backend,
            *(_cell(getattr(b, key)) for key, _ in ANSWER_METRICS + CITATION_METRICS),
            judge_acc,
            answer_acc,
        ]
        rows.append(row + ([_cell(b.faithfulness)] if judged else []))
    out += _table(header, rows)

    out += ["", "## Abstention", ""]
    out += _table(
        [
            "backend",
            "answer accuracy",
            "confidently wrong (lower is better)",
            "declined when unanswerable (higher is better)",
            "declined near-miss unanswerable",
            "declined when answerable (lower is better)",
        ],
        [
            [
                b.backend,
                _cell(b.answer_accuracy),
                _cell(b.confidently_wrong),
                _cell(b.abstention_unanswerable),
                _cell(b.abstention_near_miss),
                _cell(b.false_abstention),
            ]
            for b in report.backends.values()
        ],
    )
    out += _misses(report)
    if any(b.key_fact_coverage is not None for b in report.backends.values()):
        topics = any(b.topic_recall is not None for b in report.backends.values())
        topic_heads = ["topic source precision", "topic source recall", "off-topic refused"] if topics else []
        out += ["", "## Briefings", ""]
        out += _table(
            [
                "backend",
                "key-fact coverage",
                "point citation precision",
                *topic_heads,
                "checker accuracy",
                "latency p50",
            ],
            [
                [
                    b.backend,
                    _cell(b.key_fact_coverage),
                    _cell(b.point_citation_precision),
                    *([_cell(b.topic_precision), _cell(b.topic_recall), _cell(b.topic_refused)] if topics else []),
                    judge_acc,
                    _ms(b.briefing_latency_p50_ms),
                ]
                for b in report.backends.values()
            ],
        )
        if topics:
            out += ["", "Topic briefings (`brief --query`): the articles a briefing drew on against the labelled "
                    "sources; off-topic refused is the share of topics no article covers that were refused."]  # fmt: skip
    out += ["", "## Latency per question", ""]
    out += _table(
        ["backend", "p50", "p95", "questions", "errors"],
        [
            [b.backend, _ms(b.latency_p50_ms), _ms(b.latency_p95_ms), str(b.questions), str(b.errors)]
            for b in report.backends.values()
        ],
    )
    out += ["", "## Support checker (judge) accuracy", ""]
    if report.judge:
        keys = [key for key in ("accuracy", "precision", "recall", "f1", "n", "mode") if key in report.judge]
        out += _table(keys, [[_fmt(v) if isinstance(v := report.judge[key], float) else str(v) for key in keys]])
        out += ["", f"Measured on `{report.judge.get('pairs')}` (labelled claim/passage pairs)."]
        if flips := report.judge.get("flips"):  # issue 20: accuracy per kind of meaning flip, dev and held-out
            out += ["", f"Meaning flips and paraphrases (`{flips['pairs']}`, n={flips['n']}): share judged right per "
                    "kind; paraphrases should be accepted, flips flagged.", "", flips["table"]]  # fmt: skip
    else:
        out += ["Not measured (see warnings)."]
    if report.warnings:
        out += ["", "## Warnings", "", *(f"- {w}" for w in report.warnings)]
    return "\n".join(out) + "\n"


MISSES_SHOWN = 40  # rows per kind and backend in report.md; every question is in results.jsonl


def _clip(text: str, limit: int = 110) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _misses(report: EvalReport) -> list[str]:
    """The questions behind the two error rates, per backend: what was answered wrongly and what was declined."""
    out: list[str] = []
    for backend in report.backends:
        rows = [r for r in report.results if r.backend == backend]
        kinds = (
            ("confidently wrong", [r for r in rows if r.scores.get("confidently_wrong")]),
            ("declined when answerable", [r for r in rows if r.answerable and r.abstained]),
        )
        for label, misses in kinds:
            if not misses:
                continue
            out += ["", f"### {backend}: {label} ({len(misses)})", ""]
            out += _table(
                ["id", "question", "expected", "answer"],
                [_miss_row(r) for r in misses[:MISSES_SHOWN]],
            )
            if len(misses) > MISSES_SHOWN:
                out += ["", f"{len(misses) - MISSES_SHOWN} more in results.jsonl."]
    return ["", "## Questions to look at", "", *out[1:]] if out else []


def _miss_row(r: QuestionResult) -> list[str]:
    expected = "; ".join(r.gold_answers) or "(unanswerable)"
    return [r.id, _clip(r.question, 80), _clip(expected, 40), _clip(r.answer)]


# ---- charts ----------------------------------------------------------------------------------------------------------
def _bars(
    path: Path, groups: list[str], series: dict[str, list[float]], title: str, ylabel: str, ylim: float | None
) -> None:
    """Grouped bar chart; Figure() renders with Agg without touching pyplot's global state."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(5.0, 1.5 + len(groups) * (0.35 + 0.25 * len(series))), 4.5), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ax.bar(xs, values, width=width, label=name)
    ax.set_xticks(range(len(groups)), groups, rotation=30, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(0, ylim)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path, dpi=110, format="png")


def write_charts(report: EvalReport, folder: Path) -> list[Path]:
    """metrics.png (every score per backend) and latency.png (p50/p95 per backend)."""
    names = [("evidence_recall_at_k", "recall@k"), ("mrr", "MRR"), *ANSWER_METRICS, *CITATION_METRICS,
             ("abstention_unanswerable", "declined unanswerable"), ("false_abstention", "declined answerable"),
             ("confidently_wrong", "confidently wrong"), ("abstention_near_miss", "declined near-miss"),
             ("key_fact_coverage", "key-fact coverage"), ("point_citation_precision", "point precision"),
             ("topic_precision", "topic precision"), ("topic_recall", "topic recall"),
             ("topic_refused", "off-topic refused"), ("faithfulness", "faithfulness")]  # fmt: skip
    names = [
        (key, label) for key, label in names if any(metric_value(report, b, key) is not None for b in report.backends)
    ]
    series = {b: [metric_value(report, b, key) or 0.0 for key, _ in names] for b in report.backends}
    metrics_png, latency_png = folder / "metrics.png", folder / "latency.png"
    _bars(metrics_png, [label for _, label in names], series, "Scores per backend", "score", 1.05)
    lat = {
        "p50": [b.latency_p50_ms or 0.0 for b in report.backends.values()],
        "p95": [b.latency_p95_ms or 0.0 for b in report.backends.values()],
    }
    _bars(latency_png, list(report.backends), lat, "Latency per question", "ms", None)
    return [metrics_png, latency_png]


def write_report(report: EvalReport, folder: Path) -> Path:
    """Write report.json, report.md, results.jsonl, metrics.png and latency.png into `folder` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(report_json(report) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    write_results(report, folder / "results.jsonl")
    write_charts(report, folder)
    return folder


def _answer_judge_cell(report: EvalReport) -> str:
    """'0.770 / 0.655': the answer-level check's accuracy on the labelled pairs, dev and held-out splits."""
    if not report.answer_judge:
        return "n/a"
    splits = report.answer_judge.get("per_split") or {}
    return " / ".join(_fmt((splits.get(name) or {}).get("accuracy")) for name in ("dev", "heldout"))
