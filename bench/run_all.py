"""Run the Newsdesk benchmarks (`make bench`), write bench/results/*.json and regenerate docs/performance.md.

python -m bench.run_all                      # ingest 10/100/1,000 articles; indexes up to 100,000 chunks
python -m bench.run_all --quick              # small sizes, results in bench/results/quick/, doc untouched
python -m bench.run_all --full               # also ingests 10,000 articles
python -m bench.run_all --only ingest,serve  # some benchmarks (ingest, retrieval, baseline, serve)
python -m bench.run_all --profile            # pyinstrument profiles of ingest, search and ask into the results dir
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, load_embeddings, offline_env, result, write_result

log = logging.getLogger("bench")
ALL = ("ingest", "retrieval", "baseline", "serve")


@dataclass
class Plan:
    ingest_sizes: list[int] = field(default_factory=lambda: [10, 100, 1000])
    curve: list[int] = field(default_factory=lambda: [1000, 3000, 10_000, 30_000, 100_000])
    hybrid_sizes: list[int] = field(default_factory=lambda: [10_000, 100_000])
    queries: int = 40
    rounds: int = 3
    answer_questions: int = 30  # on the ingested indexes (real chunk and span vectors)
    retrieval_answer_questions: int = 0  # on the re-used-embeddings index (no span vectors: the fallback path)
    briefings: int = 3
    pool: int = 1024
    distractors: int = 100
    baseline_repeat: bool = True
    serve_queries: int = 30


def quick_plan() -> Plan:
    return Plan(
        ingest_sizes=[10, 50],
        curve=[500, 2000],
        hybrid_sizes=[2000],
        queries=10,
        rounds=2,
        answer_questions=8,
        briefings=1,
        pool=128,
        distractors=10,
        baseline_repeat=False,
        serve_queries=5,
    )


def large_index(workdir: Path, plan: Plan, emb: Any) -> tuple[Path, dict[str, Any]]:
    """The large index the retrieval benchmark grew (or a fresh one of the same size)."""
    from bench.index_build import IndexSpec, build

    index_dir = workdir / "index_large"
    spec = IndexSpec(chunks=max(plan.curve + plan.hybrid_sizes), pool=plan.pool)
    return index_dir, build(index_dir, spec, emb, reuse=True)


def run_serve(workdir: Path, plan: Plan, emb: Any) -> dict[str, Any]:
    from bench import serve_bench

    t0 = time.perf_counter()
    index_dir, manifest = large_index(workdir, plan, emb)
    res = serve_bench.serve(index_dir, queries=plan.serve_queries)
    res["phases"] = serve_bench.phases_subprocess(index_dir)
    params = {"chunks": manifest["chunks"], "articles": manifest["articles"], "queries": plan.serve_queries}
    return result("serve", params, res, [], time.perf_counter() - t0)


def profile(workdir: Path, out_dir: Path, emb: Any) -> list[Path]:
    """pyinstrument text profiles of an ingest (100 articles), 20 searches and 5 extractive answers."""
    from pyinstrument import Profiler

    from app.services import Newsdesk
    from app.settings import Settings
    from bench.corpus import questions
    from bench.ingest_bench import corpus_dir

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    desk = Newsdesk(Settings(index_dir=workdir / "profile_index"), embeddings=emb)
    folder = corpus_dir(workdir, 100)
    jobs = [
        ("ingest", lambda: (desk.ingest([folder]), desk.retriever.lexical.refresh())),
        ("search", lambda: [desk.search(q) for q in questions(20, 11)]),
        ("ask", lambda: [desk.ask(q, backend="extractive") for q in questions(5, 12)]),
    ]
    for name, job in jobs:
        prof = Profiler(interval=0.005)
        prof.start()
        job()
        prof.stop()
        path = out_dir / f"profile_{name}.txt"
        path.write_text(prof.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes; results go to bench/results/quick/")
    size.add_argument("--full", action="store_true", help="also ingest 10,000 articles")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {', '.join(ALL)}")
    parser.add_argument("--ingest-sizes", help="comma-separated article counts, e.g. 10,100")
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/newsdesk-bench"), help="corpora and indexes (scratch)"
    )
    parser.add_argument("--results", type=Path, help="where the JSON results go")
    parser.add_argument("--no-doc", action="store_true", help="do not regenerate docs/performance.md")
    parser.add_argument("--profile", action="store_true", help="also write pyinstrument profiles")
    parser.add_argument(
        "--torch-threads", type=int, help="torch intra-op threads, via OMP_NUM_THREADS (default: torch's own)"
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    offline_env()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    plan = quick_plan() if args.quick else Plan()
    if args.full:
        plan.ingest_sizes.append(10_000)
    if args.ingest_sizes:
        plan.ingest_sizes = [int(x) for x in args.ingest_sizes.split(",")]
    results_dir = args.results or (RESULTS_DIR / "quick" if args.quick else RESULTS_DIR)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.torch_threads:  # before torch loads, and inherited by the ingest workers and `newsdesk serve`
        os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)

    emb = load_embeddings()
    if "ingest" in only:
        from bench import ingest_bench

        log.info("ingest: %s articles", plan.ingest_sizes)
        doc = ingest_bench.run(plan.ingest_sizes, args.workdir, answer_questions=plan.answer_questions)
        log.info("wrote %s", write_result(doc, results_dir))
    if "retrieval" in only:
        from bench import retrieval_bench

        log.info("retrieval: curve %s, hybrid at %s chunks", plan.curve, plan.hybrid_sizes)
        doc = retrieval_bench.run(
            args.workdir,
            emb,
            curve=plan.curve,
            hybrid_sizes=plan.hybrid_sizes,
            queries=plan.queries,
            rounds=plan.rounds,
            answer_questions=plan.retrieval_answer_questions,
            briefings=plan.briefings,
            pool=plan.pool,
        )
        log.info("wrote %s", write_result(doc, results_dir))
    if "baseline" in only:
        from bench import baseline_bench

        log.info("baseline: %d distractors", plan.distractors)
        doc = baseline_bench.run(args.workdir, emb, distractors=plan.distractors, repeat=plan.baseline_repeat)
        log.info("wrote %s", write_result(doc, results_dir))
    if "serve" in only:
        log.info("serve: memory and cold start")
        log.info("wrote %s", write_result(run_serve(args.workdir, plan, emb), results_dir))
    if args.profile:
        for path in profile(args.workdir, results_dir, emb):
            log.info("wrote %s", path)
    if not args.no_doc and not args.quick:
        from bench.report import write

        log.info("wrote %s", write(results_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
