"""Benchmark 4: Newsdesk against a plain LangChain RAG written the way the LangChain docs show it.

The baseline: one Document per text file or JSON record, `RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200)`, `Chroma.from_documents` with `HuggingFaceEmbeddings` over the same all-MiniLM-L6-v2 (its
default encode settings), and `similarity_search(question, k=5)`. Both ingest the same files: the sample article,
the two related articles of tests/data/briefing_extra (same story, so they compete for the questions) and synthetic
news articles as distractors. Ingest runs in the order baseline, Newsdesk, Newsdesk, baseline (drifting load hits
both alike); throughput is in articles/s and input MB/s, since the two cut different chunks.

Hit rate@5: a question is a hit when one of its evidence quotes lies whole inside one of the top 5 chunks
(whitespace-insensitive, `app.evaluation.metrics.quote_in_text`). Questions: the answerable ones of
evals/sample_qa.jsonl (evidence quotes) and tests/data/retrieval_questions.jsonl (the answer sentence is the quote).
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Ratio, Stopwatch, result, safe_ratio
from bench.ingest_bench import corpus_dir

K = 5
DATASETS = [ROOT / "evals" / "sample_qa.jsonl", ROOT / "tests" / "data" / "retrieval_questions.jsonl"]


def eval_questions(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    """[{dataset, id, question, evidence}] for every question that has evidence quotes."""
    out: list[dict[str, Any]] = []
    for path in paths or DATASETS:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            evidence = item.get("evidence") or ([item["answer"]] if isinstance(item.get("answer"), str) else [])
            if item.get("answerable", True) and evidence:
                out.append(
                    {"dataset": path.name, "id": item.get("id", ""), "question": item["question"], "evidence": evidence}
                )
    return out


def input_files(workdir: Path, distractors: int, seed: int = 0) -> list[Path]:
    from app.resources import sample_corpus_dir

    extra = sorted((ROOT / "tests" / "data" / "briefing_extra").glob("*.json"))
    synthetic = sorted(corpus_dir(workdir, distractors, seed).glob("*.jsonl")) if distractors else []
    return sorted(sample_corpus_dir().glob("*.txt")) + extra + synthetic


def load_documents(files: list[Path]) -> list[Any]:
    """What a LangChain user writes: a Document per .txt file (what TextLoader returns), one per JSON record."""
    from langchain_core.documents import Document

    docs: list[Any] = []
    for f in files:
        if f.suffix == ".txt":
            docs.append(Document(page_content=f.read_text(encoding="utf-8"), metadata={"source": str(f)}))
            continue
        lines = f.read_text(encoding="utf-8").splitlines() if f.suffix == ".jsonl" else [f.read_text(encoding="utf-8")]
        for line in lines:
            if line.strip():
                rec = json.loads(line)
                meta = {k: rec[k] for k in ("title", "source", "url", "published") if rec.get(k)}
                docs.append(Document(page_content=rec["text"], metadata=meta))
    return docs


def baseline_ingest(files: list[Path], embeddings: Any, persist: Path) -> tuple[Any, dict[str, Any]]:
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    shutil.rmtree(persist, ignore_errors=True)
    with Stopwatch() as sw:
        docs = load_documents(files)
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        store = Chroma.from_documents(splits, embeddings, persist_directory=str(persist), collection_name="baseline")
    return store, {"seconds": sw.seconds, "articles": len(docs), "chunks": len(splits)}


def newsdesk_ingest(files: list[Path], embeddings: Any, index_dir: Path) -> tuple[Any, dict[str, Any]]:
    from app.services import Newsdesk
    from app.settings import Settings

    shutil.rmtree(index_dir, ignore_errors=True)
    desk = Newsdesk(Settings(index_dir=index_dir), embeddings=embeddings)
    _ = desk.store.chunks, desk.ingestor.chunker  # setup (as the baseline's model is loaded before timing)
    with Stopwatch() as sw:
        report = desk.ingest(files)
        desk.retriever.lexical.refresh()
    if report.errors:
        raise RuntimeError(f"Newsdesk could not ingest: {report.errors[:3]}")
    return desk, {"seconds": sw.seconds, "articles": len(report.added), "chunks": report.chunks}


def hit_rates(search: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """hit@1, hit@5 and MRR@5 of search(question) -> list of chunk texts, per dataset and overall."""
    from app.evaluation.metrics import quote_in_text

    per: dict[str, list[tuple[bool, bool, float]]] = {}
    misses: list[str] = []
    for it in items:
        texts = search(it["question"])[:K]
        rank = next((i for i, t in enumerate(texts, 1) if any(quote_in_text(q, t) for q in it["evidence"])), 0)
        per.setdefault(it["dataset"], []).append((rank == 1, rank > 0, 1 / rank if rank else 0.0))
        if not rank:
            misses.append(it["id"])

    def agg(rows: list[tuple[bool, bool, float]]) -> dict[str, float]:
        return {
            "questions": len(rows),
            "hit@1": round(statistics.fmean(r[0] for r in rows), 3),
            "hit@5": round(statistics.fmean(r[1] for r in rows), 3),
            "mrr@5": round(statistics.fmean(r[2] for r in rows), 3),
        }

    everything = [r for rows in per.values() for r in rows]
    return {"overall": agg(everything), "by_dataset": {k: agg(v) for k, v in per.items()}, "misses": misses}


def _throughput(runs: list[dict[str, Any]], mb: float) -> dict[str, Any]:
    secs = statistics.fmean(r["seconds"] for r in runs)
    return {
        "seconds_runs": [round(r["seconds"], 2) for r in runs],
        "seconds": round(secs, 2),
        "articles": runs[0]["articles"],
        "chunks": runs[0]["chunks"],
        "articles_per_s": round(runs[0]["articles"] / secs, 3),
        "chunks_per_s": round(runs[0]["chunks"] / secs, 2),
        "input_mb_per_s": round(mb / secs, 4),
    }


def run(workdir: Path, emb: Any, *, distractors: int = 100, seed: int = 0, repeat: bool = True) -> dict[str, Any]:
    from langchain_huggingface import HuggingFaceEmbeddings

    from app.settings import Settings
    from app.store.embeddings import local_model_path

    t0 = time.perf_counter()
    files = input_files(workdir, distractors, seed)
    mb = sum(f.stat().st_size for f in files) / 1e6
    base_emb = HuggingFaceEmbeddings(model_name=str(local_model_path(Settings().embedding_model)))  # the docs' defaults
    base_emb.embed_documents(["warm up"])
    b_runs, n_runs = [], []
    order = ["baseline", "newsdesk", "newsdesk", "baseline"] if repeat else ["baseline", "newsdesk"]
    base_store = desk = None
    for i, which in enumerate(order):  # a fresh folder per run: Chroma clients are cached per path in a process
        if which == "baseline":
            base_store, info = baseline_ingest(files, base_emb, workdir / f"baseline_chroma_{i}")
            b_runs.append(info)
        else:
            desk, info = newsdesk_ingest(files, emb, workdir / f"baseline_newsdesk_index_{i}")
            n_runs.append(info)
    assert base_store is not None and desk is not None
    items = eval_questions()
    base_hits = hit_rates(lambda q: [d.page_content for d in base_store.similarity_search(q, k=K)], items)
    desk_hits = hit_rates(lambda q: [p.text for p in desk.search(q, k=K)], items)
    b, n = _throughput(b_runs, mb), _throughput(n_runs, mb)
    ratios = [
        Ratio(
            "Newsdesk ingest ÷ LangChain baseline ingest (articles/s)",
            safe_ratio(n["articles_per_s"], b["articles_per_s"]),
            1.0,
            ">=",
            f"{n['articles_per_s']} vs {b['articles_per_s']} articles/s",
        ),
        Ratio(
            "Newsdesk hit@5 − baseline hit@5",
            desk_hits["overall"]["hit@5"] - base_hits["overall"]["hit@5"],
            0.0,
            ">",
            f"{desk_hits['overall']['hit@5']} vs {base_hits['overall']['hit@5']} on {len(items)} questions (target: higher)",
        ),
    ]
    params = {
        "distractors": distractors,
        "files": [str(f.relative_to(workdir) if f.is_relative_to(workdir) else f.relative_to(ROOT)) for f in files],
        "input_mb": round(mb, 3),
        "k": K,
        "datasets": [str(p.relative_to(ROOT)) for p in DATASETS if p.is_file()],
        "baseline": "RecursiveCharacterTextSplitter(1000, 200) + Chroma.from_documents + similarity_search(k=5)",
    }
    results = {"ingest": {"newsdesk": n, "baseline": b}, "retrieval": {"newsdesk": desk_hits, "baseline": base_hits}}
    return result("baseline", params, results, ratios, time.perf_counter() - t0)
