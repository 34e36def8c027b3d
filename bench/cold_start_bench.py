"""Benchmark 7 (issue 18): first contact. Same-run ratios against a cold `newsdesk --help` (the floor every command pays):

- cold `newsdesk ask` (a fresh process over the sample index) ÷ cold `--help`, median of 3; also its peak RSS, and the
  same ratio in CPU seconds (user + sys of the process: on this shared machine other jobs stretch the wall time of a
  short `--help` more than that of an `ask`, so the wall ratio depends on the load; the CPU ratio much less);
- `newsdesk serve`: spawn → first /healthz answer (page served) and → ready (/healthz 200), ÷ cold `--help`;
- the same cold ask with NEWSDESK_EMBEDDING_ONNX=false (the torch path), for the record;
- where a cold ask's time goes: the steps of an ask taken one by one in a fresh process (PHASES), CPU and wall
  seconds each, and the process's exit (what it costs after the last step).

    python -m bench.cold_start_bench                        # this tree; bench/results/cold_start.json
    python -m bench.cold_start_bench --code DIR --name cold_start_before   # another source tree (e.g. `git archive`)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, Ratio, free_port, result, safe_ratio, write_result

QUESTION = "How many points are in the US peace plan?"
RUNS = 3
"""Cold runs per measure; the median is reported (the machine is shared, single runs are noisy)."""
SERVE_TIMEOUT_S = 300
ASK_RATIO_TARGET = 5.0
"""Issue 18's bar: a cold ask may cost at most five cold `--help`s."""
SERVE_RATIO_TARGET = 30.0
"""Where issue 18 started (ready after ~11 s ÷ 0.37 s for --help): readiness must not get slower than that."""


PHASES = r"""
import json, sys, time
QUESTION, t_spawn = sys.argv[1], float(sys.argv[2])
marks = [("interpreter start-up", time.process_time(), time.perf_counter() - t_spawn)]
def mark(name):
    marks.append((name, time.process_time(), time.perf_counter() - t_spawn))
import app.cli
try:  # what `main()` does for every command, in a tree that has it
    from app.process import tune_collector
    tune_collector()
except ImportError:
    pass
mark("app.cli and its imports (as for --help)")
try:  # chromadb as Newsdesk imports it, in a tree that has app.store.client
    import app.store.client
except ImportError:
    import chromadb
mark("import chromadb")
from app.nlp import _import_spacy
_import_spacy()
mark("import spacy")
import app.services, app.retrieve.hybrid, app.verify.grounded, app.answer.engines.extractive
mark("Newsdesk's stages and their other libraries")
from app.services import Newsdesk
from app.settings import Settings
desk = Newsdesk(Settings())
desk.embeddings.embed_query(QUESTION)
mark("embedding model and the question's vector")
desk.store.count_chunks()
mark("store open")
desk.retriever.lexical.search(QUESTION, 1, None)
mark("BM25 index load")
from app.nlp import pipeline
pipeline()
mark("spaCy pipeline load")
desk.ask(QUESTION)
mark("the answer: retrieve, draft, verify")
print(json.dumps(marks))
"""
"""A cold ask taken apart: each step in the order an ask meets it, in one fresh process (run with -c)."""


def phases(env: dict[str, str], cwd: Path) -> list[dict[str, Any]]:
    """CPU and wall seconds of each step of PHASES, then of the exit after the last one."""
    t0 = time.perf_counter()  # CLOCK_MONOTONIC: the child's clock, so its marks count from this spawn
    proc = subprocess.Popen([sys.executable, "-c", PHASES, QUESTION, repr(t0)], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall_end = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("the phases script failed")
    marks = json.loads(out.strip().splitlines()[-1])
    marks.append(["exit", usage.ru_utime + usage.ru_stime, wall_end])
    steps, cpu0, wall0 = [], 0.0, 0.0
    for name, cpu, wall in marks:
        steps.append({"step": name, "cpu_s": round(cpu - cpu0, 3), "wall_s": round(wall - wall0, 3)})
        cpu0, wall0 = cpu, wall
    return steps


def _env(code: Path, index_dir: Path, onnx_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        PYTHONPATH=str(code),
        NEWSDESK_INDEX_DIR=str(index_dir),
        NEWSDESK_EMBEDDING_ONNX_DIR=str(onnx_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        **extra,
    )
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


def timed_run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS MB, stdout, CPU seconds: user + sys) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def serve_times(env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(seconds to the first /healthz answer, seconds to /healthz 200) of a fresh `newsdesk serve`."""
    port = free_port()
    env = {**env, "NEWSDESK_PORT": str(port)}
    url = f"http://127.0.0.1:{port}/healthz"
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cli("serve"), env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = None
    try:
        while time.perf_counter() - t0 < SERVE_TIMEOUT_S:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited {proc.returncode}")
            try:
                status = httpx.get(url, timeout=2).status_code
            except httpx.HTTPError:
                status = None
            now = time.perf_counter() - t0
            if status is not None and first is None:
                first = now
            if status == 200:
                assert first is not None
                return first, now
            time.sleep(0.05)
        raise TimeoutError(f"serve not ready in {SERVE_TIMEOUT_S}s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def prepare(code: Path, work: Path) -> tuple[Path, Path]:
    """The sample index (ingested as `make run` does) and the ONNX export, built by the measured tree."""
    index_dir, onnx_dir = work / "index", work / "onnx"
    env = _env(code, index_dir, onnx_dir)
    subprocess.run(_cli("ingest", str(ROOT / "app/data/sample")), env=env, cwd=code, check=True, capture_output=True)
    if (code / "app/store/onnx_encoder.py").is_file():
        subprocess.run([sys.executable, "-m", "app.store.embeddings"], env=env, cwd=code, check=True)
    return index_dir, onnx_dir


def measure(code: Path, runs: int = RUNS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="newsdesk-cold-") as tmp:
        index_dir, onnx_dir = prepare(code, Path(tmp))
        env = _env(code, index_dir, onnx_dir)
        helps, asks, rss, torch_asks, firsts, readies = [], [], [], [], [], []
        help_cpu, ask_cpu = [], []
        steps: list[list[dict[str, Any]]] = []
        answers = set()
        for _ in range(runs):  # interleaved, so a burst of load on the shared machine hits every measure alike
            wall, _, _, cpu = timed_run(_cli("--help"), env, code)
            helps.append(wall)
            help_cpu.append(cpu)
            wall, peak, out, cpu = timed_run(_cli("ask", QUESTION), env, code)
            asks.append(wall)
            ask_cpu.append(cpu)
            rss.append(peak)
            answers.add(out)
            torch_env = {**env, "NEWSDESK_EMBEDDING_ONNX": "false"}
            wall, _, out, _ = timed_run(_cli("ask", QUESTION), torch_env, code)
            torch_asks.append(wall)
            answers.add(out)
            steps.append(phases(env, code))
            first, ready = serve_times(env, code)
            firsts.append(first)
            readies.append(ready)
    med = statistics.median
    return {
        "help_s": med(helps),
        "ask_s": med(asks),
        "ask_rss_mb": med(rss),
        "help_cpu_s": med(help_cpu),
        "ask_cpu_s": med(ask_cpu),
        "ask_torch_s": med(torch_asks),
        "serve_first_response_s": med(firsts),
        "serve_ready_s": med(readies),
        "identical_answers": len(answers) == 1,
        "phases": [{"step": s["step"], "cpu_s": med([run[i]["cpu_s"] for run in steps]),
                    "wall_s": med([run[i]["wall_s"] for run in steps])} for i, s in enumerate(steps[0])],
        "samples": {"help": helps, "ask": asks, "ask_rss_mb": rss, "ask_torch": torch_asks,
                    "serve_first": firsts, "serve_ready": readies, "help_cpu": help_cpu, "ask_cpu": ask_cpu},
    }  # fmt: skip


def ratios(r: dict[str, Any]) -> list[Ratio]:
    h = r["help_s"]
    return [
        Ratio("cold ask ÷ cold --help", safe_ratio(r["ask_s"], h), ASK_RATIO_TARGET, "<=",
              f"median of {RUNS}: {r['ask_s']:.2f} s vs {h:.2f} s, sample index"),
        Ratio("cold ask ÷ cold --help, CPU seconds", safe_ratio(r["ask_cpu_s"], r["help_cpu_s"]), ASK_RATIO_TARGET,
              "<=", f"median of {RUNS}: {r['ask_cpu_s']:.2f} vs {r['help_cpu_s']:.2f} CPU s (user + sys), same runs"),
        Ratio("serve ready ÷ cold --help", safe_ratio(r["serve_ready_s"], h), 30.0, "<=",
              f"/healthz 200 after {r['serve_ready_s']:.2f} s; page served after {r['serve_first_response_s']:.2f} s"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=ROOT, help="Source tree to measure (default: this one).")
    parser.add_argument("--name", default="cold_start", help="Result name (bench/results/NAME.json).")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    t0 = time.perf_counter()
    measured = measure(args.code.resolve(), args.runs)
    doc = result(args.name, {"question": QUESTION, "runs": args.runs, "code": str(args.code)}, measured,
                 ratios(measured), time.perf_counter() - t0)  # fmt: skip
    print(f"wrote {write_result(doc)}")
    for r in doc["ratios"]:
        print(f"{r['name']}: {r['value']} (target {r['op']} {r['target']}, met={r['met']}) {r['detail']}")
    print(f"cold ask RSS {measured['ask_rss_mb']:.0f} MB; identical answers: {measured['identical_answers']}")


if __name__ == "__main__":
    main()
