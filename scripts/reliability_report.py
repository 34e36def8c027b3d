"""Run the robustness suite (tests/robustness) and write its figures to docs/reliability.md.

    .venv/bin/python scripts/reliability_report.py [--out docs/reliability.md] [-k EXPR]

The scenarios are the tests themselves: each records what it tried and what held into a JSON file (the
`figures` fixture, via $RELIABILITY_FIGURES_OUT); this script runs them, then renders that file and the test
outcomes. Nothing in the report is typed by hand. Exit code: pytest's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_suite(figures_path: Path, junit_path: Path, select: str | None) -> tuple[int, float]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "tests/robustness",
        "-m",
        "e2e",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit_path}",
    ]
    if select:
        cmd += ["-k", select]
    env = {**os.environ, "RELIABILITY_FIGURES_OUT": str(figures_path)}
    t0 = time.perf_counter()
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    return code, time.perf_counter() - t0


def outcomes(junit_path: Path) -> list[dict[str, Any]]:
    if not junit_path.exists():
        return []
    rows = []
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        rows.append(
            {
                "test": f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}",
                "outcome": "failed" if failed else "skipped" if skipped else "passed",
                "seconds": float(case.get("time") or 0),
            }
        )
    return rows


def _get(figures: dict[str, Any], *path: str, default: Any = 0) -> Any:
    node: Any = figures
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def summary(figures: dict[str, Any]) -> list[tuple[str, str]]:
    load = figures.get("load", {})
    kill, chroma, bad, fuzz, server = (
        figures.get(k, {}) for k in ("kill9", "chroma_restart", "bad_input", "fuzz", "server_mode")
    )
    injected = _get(kill, "faults_injected") + _get(chroma, "faults_injected") + _get(server, "chroma_restarts")
    survived = (
        _get(kill, "faults_survived")
        + _get(chroma, "faults_survived")
        + (_get(server, "chroma_restarts") if server else 0)
    )
    doors = figures.get("security_doors", {})
    lost = sum(_get(figures, k, "articles_lost") for k in ("load", "kill9", "chroma_restart", "server_mode"))
    return [
        (
            "Requests held under load",
            f"{_get(load, 'requests_ok')} of {_get(load, 'requests_total')} ({_get(load, 'clients')} concurrent clients × "
            f"{_get(load, 'requests_per_client')} mixed requests), {_get(load, 'errors')} errors",
        ),
        (
            "Answers identical to the single-user answer",
            f"{_get(load, 'answers_compared') - _get(load, 'answers_different_from_single_user')} of {_get(load, 'answers_compared')}",
        ),
        (
            "Faults injected / survived",
            f"{injected} / {survived} (kill -9 during ingest: {_get(kill, 'faults_injected')}; Chroma server restarts: "
            f"{_get(chroma, 'faults_injected') + _get(server, 'chroma_restarts')})",
        ),
        (
            "Hostile inputs tried / answered with a clear 4xx",
            f"{_get(bad, 'inputs_tried')} / {_get(bad, 'clear_4xx')} (article list changed: {_get(bad, 'article_list_changed')})",
        ),
        (
            "Fuzz requests from the OpenAPI spec / 5xx",
            f"{_get(fuzz, 'requests')} over {_get(fuzz, 'operations')} operations / {_get(fuzz, 'server_errors')}",
        ),
        (
            "Attacks on every door (web app, cross-site, sizes, dates) / refused with a clear 4xx",
            f"{_get(doors, 'attacks_tried')} / {_get(doors, 'refused_with_4xx')} (article list changed: "
            f"{_get(doors, 'article_list_changed')}; external URLs in /docs: {_get(doors, 'docs_external_urls')})",
        ),
        ("Articles lost", str(lost)),
        ("Articles duplicated", str(_get(load, "articles_duplicated") + _get(kill, "duplicate_articles"))),
    ]


def render(figures: dict[str, Any], tests: list[dict[str, Any]], code: int, seconds: float) -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    passed = sum(t["outcome"] == "passed" for t in tests)
    lines = [
        "# Reliability",
        "",
        "Generated by `scripts/reliability_report.py` from a run of `tests/robustness/` — do not edit by hand.",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit `{commit or 'unknown'}`, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {passed} of {len(tests)} scenarios passed in {seconds:.0f} s (pytest exit code {code}).",
        "",
        "| figure | value |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in summary(figures)],
        "",
        "## Scenarios",
        "",
        "| test | outcome | seconds |",
        "| --- | --- | ---: |",
        *[f"| `{t['test']}` | {t['outcome']} | {t['seconds']:.1f} |" for t in tests],
        "",
        "What each one does (all on 127.0.0.1, real processes, extractive backend):",
        "",
        "- **bad input** (`test_bad_input.py`): empty, binary, invalid UTF-8, 20 MB text, huge and deeply nested JSON, "
        "deeply nested and script-laden HTML, gzip bombs, unsupported types, malformed and non-http URLs, private, "
        "link-local and loopback addresses (and redirects to them), redirect loops, slow and dripping servers; each must "
        "be a 4xx with the error shape, and the article list must not change.",
        "- **load** (`test_load.py`): concurrent clients mixing ask, OpenAI chat, search and ingest (the same article "
        "from several clients at once); answers compared with single-user answers, the library checked for duplicates and losses.",
        "- **faults** (`test_faults.py`): `kill -9` of the server during a large upload and during a run of small "
        "ingests, then a direct check of the Chroma files (every committed article complete, each chunk an exact slice of "
        "its text) and a restart (chunks of the interrupted write removed, every reported article present once); Chroma "
        "server restarts (graceful and `kill -9`) under concurrent queries.",
        "- **fuzz** (`test_fuzz.py`): schemathesis cases from the served OpenAPI spec, schema-valid and schema-violating; "
        "checks: no 5xx, documented status codes, content types and response schemas.",
        "- **server mode** (`test_server_mode_e2e.py`): two workers sharing one `chroma run`: ingest, ask, stream, "
        "OpenAI chat, brief, remove, Chroma restart, worker restart, Chroma down (503) and back.",
        "- **security doors** (`test_security_doors_e2e.py`): with the web app mounted, a token-guarded server's gradio "
        "routes without the login (a server file named as an upload, pasted text, eval, ask, file=, config, upload) and "
        "an open server's cross-site posts (Origin/Referer of another site), oversized /v1 and /api/ask messages and "
        "history, a blank question, numeric dates, a 3 M-character JSON record and deeply nested JSONL; each must be a "
        "4xx, the article lists must not change, and /docs must load nothing from outside the machine.",
        "",
        "## Raw figures",
        "",
        "```json",
        json.dumps(figures, indent=2, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    parser.add_argument("-k", dest="select", help="Only scenarios matching this pytest -k expression.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsdesk-reliability-") as tmp:
        figures_path, junit_path = Path(tmp) / "figures.json", Path(tmp) / "junit.xml"
        code, seconds = run_suite(figures_path, junit_path, args.select)
        figures = json.loads(figures_path.read_text()) if figures_path.exists() else {}
        tests = outcomes(junit_path)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(figures, tests, code, seconds), encoding="utf-8")
    sys.stdout.write(f"wrote {args.out} ({len(tests)} scenarios, exit code {code})\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
