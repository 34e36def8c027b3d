"""Benchmarks 5 and 6: `newsdesk serve` memory (idle, under queries) and cold start, with what dominates it.

Serve: `newsdesk serve --no-sample` is started on a free loopback port over the large index. Cold start is the time
from spawning it to its first answered question (POST /api/ask, extractive). RSS is read from /proc: VmHWM at
ready is the start-up peak; after resetting VmHWM (clear_refs) the peak under sequential ask/search queries.
Phases: a fresh interpreter repeats what `serve` does, step by step, timing each (imports, model load, store open,
lexical index, answer engine, web app build, first answer).

    python -m bench.serve_bench --phases --index DIR   # the phase split alone, prints JSON
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, RssSampler, Stopwatch, free_port, offline_env, proc_status, reset_peak_rss, stats
from bench.corpus import questions


def _newsdesk_cmd() -> list[str]:
    script = Path(sys.executable).with_name("newsdesk")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "app.cli"]


def _env(index_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        {
            "NEWSDESK_INDEX_DIR": str(index_dir),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "NEWSDESK_LOG_LEVEL": "WARNING",
        }
    )
    return env


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def serve(index_dir: Path, *, queries: int = 30, timeout: float = 900.0, seed: int = 0) -> dict[str, Any]:
    """Start `newsdesk serve` over index_dir, time the first answer, then measure RSS idle and under queries."""
    import httpx

    port = free_port()
    log_path = index_dir.parent / f"serve_{port}.log"
    cmd = [*_newsdesk_cmd(), "serve", "--port", str(port), "--no-sample"]
    base = f"http://127.0.0.1:{port}"
    qs = questions(queries + 1, seed + 2)
    with log_path.open("w") as log_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(index_dir), stdout=log_file, stderr=subprocess.STDOUT)
        try:
            with httpx.Client(timeout=600) as client:
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"newsdesk serve exited with {proc.returncode}; see {log_path}")
                    if time.perf_counter() - t0 > timeout:
                        raise TimeoutError(f"newsdesk serve not ready after {timeout:.0f}s; see {log_path}")
                    try:
                        if client.get(f"{base}/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.1)
                ready_s = time.perf_counter() - t0
                r = client.post(f"{base}/api/ask", json={"question": qs[0], "backend": "extractive"})
                r.raise_for_status()
                first_answer_s = time.perf_counter() - t0
                startup = proc_status(proc.pid)
                time.sleep(5)
                idle = proc_status(proc.pid)
                reset = reset_peak_rss(proc.pid)
                ask_ms, search_ms = [], []
                with RssSampler(proc.pid) as sampler:
                    for q in qs[1:]:
                        with Stopwatch() as sw:
                            client.post(f"{base}/api/search", json={"query": q}).raise_for_status()
                        search_ms.append(sw.ms)
                        with Stopwatch() as sw:
                            client.post(
                                f"{base}/api/ask", json={"question": q, "backend": "extractive"}
                            ).raise_for_status()
                        ask_ms.append(sw.ms)
                after = proc_status(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    peak_queries = _mb(after["VmHWM"]) if reset else sampler.peak_mb
    return {
        "cold_start": {
            "ready_s": round(ready_s, 2),
            "first_answer_s": round(first_answer_s, 2),
            "first_answer_after_ready_s": round(first_answer_s - ready_s, 2),
        },
        "memory": {
            "startup_peak_mb": _mb(startup["VmHWM"]),
            "after_first_answer_mb": _mb(startup["VmRSS"]),
            "idle_mb": _mb(idle["VmRSS"]),
            "peak_under_queries_mb": peak_queries,
            "after_queries_mb": _mb(after["VmRSS"]),
            "peak_from": "VmHWM" if reset else "sampled VmRSS",
        },
        "api_latency_ms": {"search": stats(search_ms), "ask_extractive": stats(ask_ms)},
        "queries": len(ask_ms),
    }


# ---- the phase split (in a fresh interpreter) ---------------------------------------------------------------------


_HEAVY = [
    "torch",
    "transformers",
    "sentence_transformers",
    "chromadb",
    "langchain_core",
    "langchain_chroma",
    "langchain_huggingface",
    "bm25s",
    "tiktoken",
    "fastapi",
    "uvicorn",
    "gradio",
]


def phases(index_dir: Path) -> dict[str, Any]:
    """Time each step `newsdesk serve` takes before its first answer (imports, model, store, lexical, engine, web)."""
    import importlib

    t_start = time.perf_counter()
    imports: dict[str, float] = {}
    for mod in _HEAVY:  # in this order; each includes whatever it imports that was not loaded yet
        with Stopwatch() as sw:
            importlib.import_module(mod)
        imports[mod] = round(sw.seconds, 2)
    with Stopwatch() as sw:
        from app.serve.server import mount_web
        from app.services import Newsdesk
        from app.settings import Settings
    imports["app"] = round(sw.seconds, 2)
    steps: dict[str, float] = {"imports": round(sum(imports.values()), 2)}
    settings = Settings(index_dir=index_dir)
    desk = Newsdesk(settings)

    def step(name: str, fn: Any) -> None:
        with Stopwatch() as sw:
            fn()
        steps[name] = round(sw.seconds, 2)

    step("embedding_model_load", lambda: desk.embeddings.embed_query("warm up"))
    step("store_open", lambda: desk.store.count_articles())
    step("lexical_index_load", lambda: desk.retriever.lexical.refresh())
    step("support_checker_and_engine", lambda: (desk.checker, desk.engine("extractive")))

    def web() -> None:
        from app.serve.api.app import create_api

        mount_web(create_api(desk, settings), desk, settings)

    step("api_and_web_app_build", web)
    step("first_answer", lambda: desk.ask(questions(1, 3)[0], backend="extractive"))
    total = time.perf_counter() - t_start
    return {
        "steps_s": steps,
        "imports_s": imports,
        "total_s": round(total, 2),
        "lexical_origin": desk.retriever.lexical.origin,
        "chunks": desk.store.count_chunks(),
    }


def phases_subprocess(index_dir: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.serve_bench", "--phases", "--index", str(index_dir)]
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(index_dir), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"phase split failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phases", action="store_true", required=True)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    offline_env()
    print(json.dumps(phases(args.index)))


if __name__ == "__main__":
    main()
