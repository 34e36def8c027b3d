"""Shared plumbing of the benchmarks: machine description, timing statistics, ratios with targets, result files."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SCHEMA = 1


def offline_env() -> None:
    """No model or data is ever fetched: the hub is told so before anything loads a model."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# ---- the machine -----------------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM, load average, Python and the versions of the libraries measured."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str] = {}
    for pkg in (
        "torch",
        "sentence-transformers",
        "chromadb",
        "langchain-chroma",
        "langchain-core",
        "bm25s",
        "tiktoken",
    ):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    try:
        import torch

        threads = torch.get_num_threads()
    except ImportError:
        threads = None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gb": _mem_total_gb(),
        "loadavg": loadavg(),
        "python": platform.python_version(),
        "torch_threads": threads,
        "versions": versions,
    }


# ---- statistics -------------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sample."""
    if not values:
        raise ValueError("percentile of an empty sample")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def stats(samples_ms: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, mean, min, max of latencies in milliseconds (rounded to 0.01 ms)."""
    return {
        "n": len(samples_ms),
        "p50": round(percentile(samples_ms, 50), 2),
        "p95": round(percentile(samples_ms, 95), 2),
        "mean": round(statistics.fmean(samples_ms), 2),
        "min": round(min(samples_ms), 2),
        "max": round(max(samples_ms), 2),
    }


@dataclass(frozen=True)
class Ratio:
    """A measured ratio with its target: `value op target` (op is '>=', '<=' or '>')."""

    name: str
    value: float
    target: float
    op: str
    detail: str = ""

    @property
    def met(self) -> bool:
        if self.op == ">":
            return self.value > self.target
        return self.value >= self.target if self.op == ">=" else self.value <= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "value": round(self.value, 3), "met": self.met}


def safe_ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


# ---- results ------------------------------------------------------------------------------------------------------------


def result(
    name: str, params: dict[str, Any], results: dict[str, Any], ratios: Sequence[Ratio], seconds: float
) -> dict[str, Any]:
    """The JSON document every benchmark writes."""
    return {
        "schema": SCHEMA,
        "benchmark": name,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "machine": machine(),
        "params": params,
        "results": results,
        "ratios": [r.as_dict() for r in ratios],
    }


def write_result(doc: dict[str, Any], out_dir: Path = RESULTS_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{doc['benchmark']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_results(out_dir: Path = RESULTS_DIR) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out_dir.glob("*.json"))}


# ---- processes and memory -------------------------------------------------------------------------------------------------


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS / VmHWM / VmSize of a process in KiB, from /proc (no psutil needed)."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "VmSize"):
            out[key] = int(value.split()[0])
    return out


def rss_mb(pid: int | str = "self") -> float:
    return round(proc_status(pid).get("VmRSS", 0) / 1024, 1)


def reset_peak_rss(pid: int | str = "self") -> bool:
    """Reset VmHWM (peak RSS) to the current RSS (Linux: write 5 to clear_refs). False when not permitted."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class RssSampler:
    """Samples a process's RSS in a thread; `peak_mb` is the largest sample (a fallback where VmHWM can't be reset)."""

    def __init__(self, pid: int | str = "self", interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_kb = max(self.peak_kb, proc_status(self.pid).get("VmRSS", 0))
            except OSError:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stopwatch:
    """`with Stopwatch() as sw: ...` then sw.seconds / sw.ms."""

    def __enter__(self) -> Stopwatch:
        self.t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0

    @property
    def ms(self) -> float:
        return self.seconds * 1000


# ---- embeddings -------------------------------------------------------------------------------------------------------------


def load_embeddings(settings: Any = None) -> Embeddings:
    """Newsdesk's own embeddings (langchain HuggingFaceEmbeddings over the bundled all-MiniLM-L6-v2), warmed up."""
    offline_env()
    from app.settings import Settings
    from app.store.embeddings import make_embeddings

    emb = make_embeddings(settings or Settings())
    emb.embed_documents(["warm up the model", "and its tokenizer"])
    return emb


def sentence_transformer(emb: Embeddings) -> Any:
    """The SentenceTransformer inside Newsdesk's embeddings: the raw baseline uses the very same model object."""
    model = getattr(emb, "_client", None)
    if model is None or not hasattr(model, "encode"):
        raise TypeError(f"{type(emb).__name__} wraps no SentenceTransformer; the benchmarks need the local model")
    return model


class TimedEmbeddings(Embeddings):
    """Wraps an Embeddings and adds up the time spent embedding (to split an ingest into embed vs the rest)."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.doc_seconds = 0.0
        self.query_seconds = 0.0
        self.docs = 0

    def __getattr__(self, name: str) -> Any:  # `_client` etc.: the chunker asks for the model's tokenizer
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        t0 = time.perf_counter()
        out = self.inner.embed_documents(texts)
        self.doc_seconds += time.perf_counter() - t0
        self.docs += len(texts)
        return out

    def embed_chunks(self, texts: list[str]) -> tuple[list[list[float]], list[str | None]]:
        """What the ingest calls: chunk vectors and span vectors from one forward pass (app.store.embeddings)."""
        from app.store.embeddings import embed_chunks

        t0 = time.perf_counter()
        out = embed_chunks(self.inner, texts)
        self.doc_seconds += time.perf_counter() - t0
        self.docs += len(texts)
        return out

    def embed_query(self, text: str) -> list[float]:
        t0 = time.perf_counter()
        out = self.inner.embed_query(text)
        self.query_seconds += time.perf_counter() - t0
        return out
