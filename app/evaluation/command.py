"""`newsdesk eval`: run the datasets, write the report folder, print a summary."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from app.evaluation.report import render_markdown, report_json, write_report
from app.evaluation.runner import Progress, run_eval
from app.settings import Settings


def eval_command(
    datasets: Sequence[str | Path],
    corpus: Sequence[str | Path] | None = None,
    backends: Sequence[str] | None = None,
    k: int | None = None,
    out: str | Path = Path("evals/reports/latest"),
    as_json: bool = False,
    progress: Progress | None = None,
    *,
    settings: Settings | None = None,
) -> int:
    """`newsdesk eval`: run, write report.json/report.md/results.jsonl/charts into `out`, print a summary (or report.json
    with as_json). Returns the exit code (0). Expected failures raise NewsdeskError (bad dataset lines, empty index)."""
    settings = settings or Settings()
    report = run_eval(
        list(datasets), list(backends or [settings.backend]), settings, k=k, corpus=corpus, progress=progress
    )
    folder = write_report(report, Path(out))
    if as_json:
        sys.stdout.write(report_json(report) + "\n")
    else:
        sys.stdout.write(
            render_markdown(report) + f"\nWrote {folder}/report.json, report.md, results.jsonl and charts.\n"
        )
    return 0
