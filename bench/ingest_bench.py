"""Benchmark 1: ingest throughput (parse + chunk + embed + store + lexical index) ÷ raw SentenceTransformer.encode.

Each size runs in a fresh process (clean memory numbers; peak RSS of the ingest is measured there too):
  1. the corpus is written as JSONL files (what `newsdesk ingest` reads);
  2. a throwaway parse + chunk pass gives the chunk texts (and the cost of parsing and chunking alone);
  3. raw `SentenceTransformer.encode` of the first half of those texts, with Newsdesk's batch size;
  4. `Newsdesk.ingest([folder])` into a fresh index, then the BM25 index build (timed together: end to end);
  5. raw encode of the second half. The raw runs sandwich the end-to-end run, so drifting machine load hits both.

    python -m bench.ingest_bench --worker 100 --workdir /tmp/nd-bench   # one size, prints JSON
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    Ratio,
    RssSampler,
    Stopwatch,
    TimedEmbeddings,
    load_embeddings,
    offline_env,
    proc_status,
    reset_peak_rss,
    result,
    rss_mb,
    safe_ratio,
    sentence_transformer,
)
from bench.corpus import write_jsonl

TARGET = 0.85
STREAM_TARGET = 1.5  # peak memory of the larger ingest ÷ the smaller one


def corpus_dir(workdir: Path, n: int, seed: int = 0) -> Path:
    """The n-article JSONL corpus under workdir (written once, reused)."""
    folder = workdir / f"corpus_{n}_s{seed}"
    if not (folder / ".complete").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        write_jsonl(n, folder, seed)
        (folder / ".complete").write_text("")
    return folder


def _chunk_texts(folder: Path, settings: Any, emb: Any) -> list[str]:
    """Parse and chunk the corpus the way the ingest does, without embedding or storing."""
    from app.chunks.chunking import chunker_for
    from app.ingest.loaders import LoadError, iter_load

    chunk = chunker_for(settings, emb)
    texts: list[str] = []
    seen: set[str] = set()
    for label, got in iter_load([str(folder)], settings):
        if isinstance(got, LoadError):
            raise RuntimeError(f"corpus file {label} does not load: {got}")
        for article in got:
            if article.id not in seen:
                seen.add(article.id)
                texts += [c.text for c in chunk(article)]
    return texts


ANSWER_FROM = 100
"""Sizes from this many articles (and the largest size) also time extractive answers on the index just built."""


def measure(n: int, workdir: Path, emb: Any = None, seed: int = 0, answer_questions: int = 30) -> dict[str, Any]:
    """One size, in this process. Returns throughputs, the stage split, memory and (from ANSWER_FROM) answer times."""
    offline_env()
    from app.services import Newsdesk
    from app.settings import Settings

    emb = emb or load_embeddings()
    model = sentence_transformer(emb)
    folder = corpus_dir(workdir, n, seed)
    index_dir = workdir / f"ingest_index_{n}"
    shutil.rmtree(index_dir, ignore_errors=True)
    settings = Settings(index_dir=index_dir)
    batch = settings.embedding_batch_size

    with Stopwatch() as prep:
        texts = _chunk_texts(folder, settings, emb)
    half = len(texts) // 2

    def raw(part: list[str]) -> float:
        with Stopwatch() as sw:
            model.encode(part, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
        return sw.seconds

    timed = TimedEmbeddings(emb)
    desk = Newsdesk(settings, embeddings=timed)
    _ = desk.store.chunks, desk.ingestor.chunker  # open the index and load the tokenizers: setup, not ingest
    timed.doc_seconds = timed.query_seconds = 0.0

    raw_a = raw(texts[:half])
    base_rss = rss_mb()
    hwm_reset = reset_peak_rss()
    with RssSampler() as sampler, Stopwatch() as e2e:
        report = desk.ingest([folder])
        with Stopwatch() as lexical:
            desk.retriever.lexical.refresh()
    peak_rss = round(proc_status().get("VmHWM", 0) / 1024, 1) if hwm_reset else sampler.peak_mb
    raw_b = raw(texts[half:])

    if report.errors:
        raise RuntimeError(f"ingest of {folder} reported errors: {report.errors[:3]}")
    if report.chunks != len(texts):
        raise RuntimeError(f"ingest made {report.chunks} chunks, the parse+chunk pass {len(texts)}")
    raw_seconds = raw_a + raw_b
    raw_cps = len(texts) / raw_seconds
    e2e_cps = report.chunks / e2e.seconds
    embed_s = timed.doc_seconds
    corpus_bytes = sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    answered: dict[str, Any] = {}
    if answer_questions:
        from bench.corpus import questions
        from bench.retrieval_bench import answer

        answered = {"answer": answer(desk, questions(answer_questions + 3, seed + 1))}
    return {
        "articles": n,
        "chunks": report.chunks,
        "corpus_mb": round(corpus_bytes / 1e6, 2),
        "batch_size": batch,
        "raw_encode_seconds": round(raw_seconds, 2),
        "raw_chunks_per_s": round(raw_cps, 2),
        "e2e_seconds": round(e2e.seconds, 2),
        "e2e_chunks_per_s": round(e2e_cps, 2),
        "ratio": round(safe_ratio(e2e_cps, raw_cps), 3),
        "stages_seconds": {
            "embed": round(embed_s, 2),
            "lexical_index": round(lexical.seconds, 2),
            "parse_chunk_store_other": round(e2e.seconds - embed_s - lexical.seconds, 2),
            "parse_chunk_alone": round(prep.seconds, 2),
        },
        "embed_in_ingest_chunks_per_s": round(report.chunks / embed_s, 2) if embed_s else None,
        "memory": {
            "rss_before_mb": base_rss,
            "peak_rss_mb": peak_rss,
            "peak_delta_mb": round(peak_rss - base_rss, 1),
            "peak_from": "VmHWM" if hwm_reset else "sampled VmRSS",
        },
        **answered,
    }


def _worker(n: int, workdir: Path, seed: int, answer_questions: int) -> dict[str, Any]:
    """Run `measure` in a fresh interpreter (so memory numbers are this size's only)."""
    cmd = [
        sys.executable,
        "-m",
        "bench.ingest_bench",
        "--worker",
        str(n),
        "--workdir",
        str(workdir),
        "--seed",
        str(seed),
        "--answer-questions",
        str(answer_questions),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ingest benchmark for {n} articles failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(
    sizes: list[int], workdir: Path, *, emb: Any = None, isolate: bool = True, seed: int = 0, answer_questions: int = 30
) -> dict[str, Any]:
    """Benchmark 1 over the sizes (with benchmark 3, answers, on the indexes built); returns the result document."""
    t0 = time.perf_counter()
    answers = {n: answer_questions if n >= ANSWER_FROM or n == max(sizes) else 0 for n in sizes}
    rows = [
        _worker(n, workdir, seed, answers[n]) if isolate else measure(n, workdir, emb, seed, answers[n]) for n in sizes
    ]
    from bench.retrieval_bench import answer_ratio

    ratios = [
        Ratio(
            f"ingest ÷ raw encode, {r['articles']:,} articles",
            r["ratio"],
            TARGET,
            ">=",
            f"{r['e2e_chunks_per_s']} vs {r['raw_chunks_per_s']} chunks/s ({r['chunks']:,} chunks)",
        )
        for r in rows
    ]
    ratios += [
        answer_ratio(r["answer"], f"{r['chunks']:,} chunks ({r['articles']:,} articles ingested)")
        for r in rows
        if r.get("answer")
    ]
    big = [r for r in rows if r["articles"] >= 100]
    if len(big) >= 2:  # streaming: 10x the corpus must not mean (much) more memory
        lo, hi = big[-2], big[-1]
        ratios.append(
            Ratio(
                f"ingest peak RSS growth, {hi['articles']:,} ÷ {lo['articles']:,} articles",
                safe_ratio(hi["memory"]["peak_delta_mb"], lo["memory"]["peak_delta_mb"]),
                STREAM_TARGET,
                "<=",
                f"Δ {hi['memory']['peak_delta_mb']} vs {lo['memory']['peak_delta_mb']} MB over the RSS before ingest",
            )
        )
    params = {"sizes": sizes, "seed": seed, "isolated_processes": isolate, "answer_questions": answers}
    return result("ingest", params, {"sizes": rows}, ratios, time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", type=int, required=True, help="articles to ingest")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--answer-questions", type=int, default=0, help="also time this many extractive answers")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.worker, args.workdir, seed=args.seed, answer_questions=args.answer_questions)))


if __name__ == "__main__":
    main()
