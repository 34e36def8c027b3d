"""Pure formatting of an evaluation report for the web app's Evaluate tab: a metrics table and a summary line."""

from __future__ import annotations

from collections.abc import Mapping

from app.serve.web.format import esc

MAX_SHOWN_WARNINGS = 20
"""Evaluation warnings listed on the page; report.md has them all."""

EVAL_ROWS = [
    ("evidence_recall_at_k", "Evidence recall@k (retrieval)"),
    ("mrr", "MRR (retrieval)"),
    ("answer_accuracy", "Answer accuracy"),
    ("token_f1", "Token F1"),
    ("citation_precision", "Citation precision"),
    ("citation_recall", "Citation recall"),
    ("evidence_coverage", "Evidence coverage"),
    ("abstention_unanswerable", "Declined when unanswerable ↑"),
    ("false_abstention", "Declined when answerable ↓"),
    ("key_fact_coverage", "Briefing key-fact coverage"),
    ("point_citation_precision", "Briefing point precision"),
    ("faithfulness", "Faithfulness (LLM judge)"),
    ("latency_p50_ms", "Latency p50"),
    ("latency_p95_ms", "Latency p95"),
]


def _score_cell(score: object) -> str | None:
    """'0.912 (40)' for a Score dict, '120 ms' for a latency, None when the metric is absent."""
    if isinstance(score, dict):
        value, n = score.get("value"), score.get("n")
        return "n/a" if value is None else f"{value:.3f} ({n})"
    if isinstance(score, int | float):
        return f"{score:,.0f} ms"
    return None


def eval_table(report: Mapping[str, object]) -> tuple[list[str], list[list[str]]]:
    """Metrics as rows, backends as columns, from report.json's content; rows no backend defines are left out."""
    backends = report.get("backends") or {}
    retrieval = report.get("retrieval") or {}
    assert isinstance(backends, Mapping) and isinstance(retrieval, Mapping)
    names = list(backends)
    headers = ["Metric", *(f"{b} ({backends[b].get('model', '')})" for b in names)]
    rows: list[list[str]] = []
    for key, label in EVAL_ROWS:
        if key in retrieval:
            cells = [_score_cell(retrieval[key])] * len(names)
        else:
            cells = [_score_cell(backends[b].get(key)) for b in names]
        if any(c is not None for c in cells):
            rows.append([label, *(c or "n/a" for c in cells)])
    return headers, rows


def eval_summary_html(report: Mapping[str, object]) -> str:
    """Run facts above the metrics table: datasets, time, checker accuracy, warnings."""
    datasets = report.get("datasets") or []
    assert isinstance(datasets, list)
    names = ", ".join(f"{d.get('name')} ({d.get('items')} items)" for d in datasets)
    judge = report.get("judge")
    accuracy = judge.get("accuracy") if isinstance(judge, Mapping) else None
    bits = [f"<strong>{esc(names or 'dataset')}</strong>", f"{_seconds(report.get('run_seconds')):.1f} s"]
    if accuracy is not None:
        bits.append(f"support checker accuracy {accuracy:.3f}")
    warnings = report.get("warnings") or []
    assert isinstance(warnings, list)
    items = "".join(f"<li>{esc(str(w))}</li>" for w in warnings[:MAX_SHOWN_WARNINGS])
    hidden = len(warnings) - MAX_SHOWN_WARNINGS
    more = f"<li>… {hidden} more in report.md</li>" if hidden > 0 else ""
    warn_html = (
        f'<details class="nd-warnings"><summary>{len(warnings)} warning(s)</summary><ul>{items}{more}</ul></details>'
        if warnings
        else ""
    )
    return f'<div class="nd-eval-summary"><div class="nd-meta">{" · ".join(bits)}</div>{warn_html}</div>'


def eval_placeholder() -> str:
    return (
        '<div class="nd-panel-empty"><div class="nd-panel-title">Citation-accuracy evaluation</div>'
        "<p>Pick a dataset (one question per line with gold answers and evidence quotes) and one or more answer engines. "
        "The run scores retrieval, answers, citation precision and recall, abstention and latency on the current "
        "library, and writes report.md, report.json, results.jsonl and charts.</p></div>"
    )


def _seconds(value: object) -> float:
    return float(value) if isinstance(value, int | float | str) and str(value).strip() else 0.0
