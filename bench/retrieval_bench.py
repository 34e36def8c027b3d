"""Benchmarks 2 and 3: hybrid retrieval ÷ raw Chroma query, the lexical side's growth, extractive ask ÷ retrieval.

One index grows through the curve sizes (bench.index_build). At every size the lexical side (what the hybrid
retriever calls: `LexicalIndex.search`) is timed; at the hybrid sizes, for each query in turn:
  - raw: `collection.query(query_embeddings=[v], n_results=fetch_k)` on the same chunks collection (Chroma's
    default include: documents, metadatas, distances) — the floor;
  - raw at n_results=k: a query for just the k passages returned;
  - hybrid: `HybridRetriever.search(q, k)` wall time with the query vector computed beforehand (the query
    embedding is timed separately, after).
They alternate query by query, so drifting load hits all alike. Then extractive `Newsdesk.ask` end to end and full
retrieval (with the query embedding, as ask has it) alternate on distinct questions; and a few briefings.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bench.common import Ratio, Stopwatch, result, safe_ratio, stats
from bench.corpus import questions
from bench.index_build import IndexSpec, build

log = logging.getLogger(__name__)

RETRIEVAL_TARGET = 1.5
ANSWER_TARGET = 2.0


def _lexical_curve(desk: Any, qs: list[str], n_chunks: int) -> dict[str, Any]:
    lex = desk.retriever.lexical
    with Stopwatch() as build_sw:
        lex.refresh()
    fetch = desk.settings.fetch_k
    lex.search(qs[0], fetch)  # warm
    search_ms, fp_ms = [], []
    for q in qs:
        with Stopwatch() as sw:
            lex.search(q, fetch)
        search_ms.append(sw.ms)
        with Stopwatch() as sw:
            desk.store.fingerprint()
        fp_ms.append(sw.ms)
    return {
        "chunks": n_chunks,
        "lexical_build_s": round(build_sw.seconds, 2),
        "origin": lex.origin,
        "lexical_search_ms": stats(search_ms),
        "fingerprint_ms": stats(fp_ms),
    }


class _Precomputed(Embeddings):
    """Query vectors computed beforehand: the hybrid timing then excludes the query embedding (and the torch
    thread spin-wait that follows an embedding, which slows whatever runs next on a busy 2-core machine)."""

    def __init__(self, inner: Embeddings, vectors: dict[str, list[float]]) -> None:
        self.inner, self.vectors = inner, vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.vectors[text] if text in self.vectors else self.inner.embed_query(text)


def _hybrid(desk: Any, qs: list[str], rounds: int) -> dict[str, Any]:
    from app.retrieve.hybrid import HybridRetriever

    col, settings = desk.store.chunks, desk.settings
    vectors = {q: desk.embeddings.embed_query(q) for q in qs}
    retriever = HybridRetriever(
        desk.store, _Precomputed(desk.embeddings, vectors), settings, lexical=desk.retriever.lexical
    )
    for q in qs[:3]:  # warm both paths
        col.query(query_embeddings=[vectors[q]], n_results=settings.fetch_k)
        retriever.search(q, k=settings.k)
    raw_ms, raw_k_ms, hybrid_ms, dense_ms, lexical_ms = [], [], [], [], []
    for _ in range(rounds):
        for q in qs:
            with Stopwatch() as sw:
                col.query(query_embeddings=[vectors[q]], n_results=settings.fetch_k)
            raw_ms.append(sw.ms)
            with Stopwatch() as sw:
                col.query(query_embeddings=[vectors[q]], n_results=settings.k)
            raw_k_ms.append(sw.ms)
            with Stopwatch() as sw:
                retriever.search(q, k=settings.k)
            hybrid_ms.append(sw.ms)
            dense_ms.append(retriever.timings["dense_ms"])
            lexical_ms.append(retriever.timings["lexical_ms"])
    embed_ms = []
    for q in qs:  # separately, after the timings above
        with Stopwatch() as sw:
            desk.embeddings.embed_query(q)
        embed_ms.append(sw.ms)
    raw, raw_k, hyb = stats(raw_ms), stats(raw_k_ms), stats(hybrid_ms)
    return {
        "raw_chroma_query_ms": raw,
        "raw_chroma_query_k_ms": raw_k,
        "hybrid_ms_excluding_query_embedding": hyb,
        "query_embedding_ms": stats(embed_ms),
        "hybrid_dense_side_ms": stats(dense_ms),
        "hybrid_lexical_side_ms": stats(lexical_ms),
        "ratio_p50": round(safe_ratio(hyb["p50"], raw["p50"]), 3),
        "ratio_p50_vs_raw_k": round(safe_ratio(hyb["p50"], raw_k["p50"]), 3),
        "ratio_p95_vs_raw_p95": round(safe_ratio(hyb["p95"], raw["p95"]), 3),
        "ratio_p95_vs_raw_p50": round(safe_ratio(hyb["p95"], raw["p50"]), 3),
    }


def _forget_queries(desk: Any) -> None:
    """Both sides of the ratio embed their question (app.store.embeddings.QueryMemo would hand the second one the first's)."""
    forget = getattr(desk.embeddings, "forget", None)
    if forget is not None:
        forget()
    from app import nlp
    from app.retrieve.question import analyse

    analyse.cache_clear()  # and the question analysis each side runs (app.retrieve.question), for the same reason
    nlp._parse.cache_clear()


def answer_ratio(a: dict[str, Any], where: str) -> Ratio:
    return Ratio(
        f"extractive ask p50 ÷ retrieval p50, {where}",
        a["ratio_p50"],
        ANSWER_TARGET,
        "<=",
        f"{a['ask_extractive_ms']['p50']} vs {a['retrieval_with_query_embedding_ms']['p50']} ms",
    )


def answer(desk: Any, qs: list[str]) -> dict[str, Any]:
    """Extractive `ask` end to end ÷ `search` with its query embedding, alternating on distinct questions."""
    settings = desk.settings
    for q in qs[:3]:  # loads the extractive engine and the support checker
        desk.ask(q, backend="extractive")
    search_ms, ask_ms, abstained = [], [], 0
    stages: dict[str, list[float]] = {"retrieve_ms": [], "generate_ms": [], "verify_ms": []}
    for q in qs[3:]:
        _forget_queries(desk)
        with Stopwatch() as sw:
            desk.search(q, k=settings.k)
        search_ms.append(sw.ms)
        _forget_queries(desk)
        with Stopwatch() as sw:
            answer = desk.ask(q, backend="extractive")
        ask_ms.append(sw.ms)
        abstained += answer.abstained
        for key in stages:
            stages[key].append(getattr(answer.timings, key))
    s, a = stats(search_ms), stats(ask_ms)
    return {
        "retrieval_with_query_embedding_ms": s,
        "ask_extractive_ms": a,
        "ask_stages_ms": {k: stats(v) for k, v in stages.items()},
        "abstained": abstained,
        "questions": len(ask_ms),
        "ratio_p50": round(safe_ratio(a["p50"], s["p50"]), 3),
    }


def _briefings(desk: Any, n: int) -> dict[str, Any]:
    from app.models import BriefSelection

    ids = [a.id for a in desk.store.list_articles()[: 5 * (n + 1)]]
    desk.brief(BriefSelection(article_ids=ids[:5]), backend="extractive")  # warm
    ms = []
    for i in range(1, n + 1):
        with Stopwatch() as sw:
            b = desk.brief(BriefSelection(article_ids=ids[5 * i : 5 * i + 5]), backend="extractive")
        if not b.cached:
            ms.append(sw.ms)
    return {"articles_per_briefing": 5, "brief_extractive_ms": stats(ms) if ms else None}


def run(
    workdir: Path,
    emb: Any,
    *,
    curve: list[int],
    hybrid_sizes: list[int],
    queries: int = 40,
    rounds: int = 3,
    answer_questions: int = 30,
    briefings: int = 3,
    pool: int = 1024,
    seed: int = 0,
) -> dict[str, Any]:
    """Grow one index through `curve` (chunks); full hybrid/answer measurements at `hybrid_sizes`."""
    from app.services import Newsdesk
    from app.settings import Settings

    t0 = time.perf_counter()
    index_dir = workdir / "index_large"
    spec = IndexSpec(chunks=max(curve + hybrid_sizes), seed=seed, pool=pool)
    qs = questions(queries, seed)
    ask_qs = questions(queries + answer_questions + 3, seed + 1)[-(answer_questions + 3) :]
    lexical_rows: list[dict[str, Any]] = []
    hybrid_rows: list[dict[str, Any]] = []
    want = sorted(set(curve) | set(hybrid_sizes))

    def on_step(n_chunks: int) -> None:
        target = want[len(lexical_rows)]
        desk = Newsdesk(Settings(index_dir=index_dir), embeddings=emb)
        lexical_rows.append({"target": target, **_lexical_curve(desk, qs, n_chunks)})
        if target in hybrid_sizes:
            row: dict[str, Any] = {"target": target, "chunks": n_chunks, "articles": desk.store.count_articles()}
            row["retrieval"] = _hybrid(desk, qs, rounds)
            if answer_questions:
                row["answer"] = answer(desk, ask_qs)
            if briefings:
                row["briefing"] = _briefings(desk, briefings)
            hybrid_rows.append(row)
        log.info("measured at %d chunks", n_chunks)

    with Stopwatch() as build_sw:
        manifest = build(index_dir, spec, emb, steps=want, on_step=on_step, reuse=False)
    ratios: list[Ratio] = []
    for row in hybrid_rows:
        r, a, n = row["retrieval"], row.get("answer"), f"{row['chunks']:,} chunks"
        ratios.append(
            Ratio(
                f"hybrid p50 ÷ raw Chroma p50, {n}",
                r["ratio_p50"],
                RETRIEVAL_TARGET,
                "<=",
                f"{r['hybrid_ms_excluding_query_embedding']['p50']} vs {r['raw_chroma_query_ms']['p50']} ms",
            )
        )
        ratios.append(
            Ratio(
                f"hybrid p50 ÷ raw Chroma p50 at n_results=k, {n}",
                r["ratio_p50_vs_raw_k"],
                RETRIEVAL_TARGET,
                "<=",
                f"{r['hybrid_ms_excluding_query_embedding']['p50']} vs {r['raw_chroma_query_k_ms']['p50']} ms "
                "(a query for the k passages returned, instead of the fetch_k candidates)",
            )
        )
        ratios.append(
            Ratio(
                f"hybrid p95 ÷ raw Chroma p95, {n}",
                r["ratio_p95_vs_raw_p95"],
                RETRIEVAL_TARGET,
                "<=",
                f"{r['hybrid_ms_excluding_query_embedding']['p95']} vs {r['raw_chroma_query_ms']['p95']} ms"
                f" (÷ raw p50: {r['ratio_p95_vs_raw_p50']})",
            )
        )
        if a is not None:
            ratios.append(answer_ratio(a, f"{n} (re-used embeddings: no span vectors stored)"))
    first, last = lexical_rows[0], lexical_rows[-1]
    growth = safe_ratio(last["lexical_search_ms"]["p50"], first["lexical_search_ms"]["p50"])
    size_growth = safe_ratio(last["chunks"], first["chunks"])
    params = {
        "curve": curve,
        "hybrid_sizes": hybrid_sizes,
        "queries": queries,
        "rounds": rounds,
        "answer_questions": answer_questions,
        "index": manifest["spec"],
        "k": Settings().k,
        "fetch_k": Settings().fetch_k,
    }
    results = {
        "index_build_s": round(build_sw.seconds, 1),
        "lexical_curve": lexical_rows,
        "sizes": hybrid_rows,
        "lexical_growth": {"latency_x": round(growth, 2), "corpus_x": round(size_growth, 1)},
    }
    return result("retrieval", params, results, ratios, time.perf_counter() - t0)
