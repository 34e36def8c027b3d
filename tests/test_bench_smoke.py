"""Smoke runs of the benchmark code (bench/) on a few articles: the JSON result structure, never timing targets."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench import common, report


def _check_doc(doc: dict[str, Any], name: str) -> None:
    assert doc["benchmark"] == name
    assert doc["schema"] == common.SCHEMA
    m = doc["machine"]
    assert m["nproc"] >= 1 and m["cpu_model"] and m["ram_gb"] and m["python"]
    for r in doc["ratios"]:
        assert set(r) == {"name", "value", "target", "op", "detail", "met"}
        assert r["op"] in (">=", "<=", ">")
        assert isinstance(r["met"], bool)
        assert math.isfinite(r["value"])
    json.dumps(doc)  # what write_result stores


# ---- pure parts ----------------------------------------------------------------------------------------------------------


def test_stats_and_percentiles() -> None:
    s = common.stats([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (s["n"], s["p50"], s["min"], s["max"]) == (5, 3.0, 1.0, 5.0)
    assert common.percentile([1.0, 2.0], 50) == 1.5
    assert common.percentile([10.0, 20.0, 30.0, 40.0, 50.0], 95) == pytest.approx(48.0)
    with pytest.raises(ValueError):
        common.percentile([], 50)


def test_ratio_targets() -> None:
    assert common.Ratio("a", 0.9, 0.85, ">=").met
    assert not common.Ratio("b", 1.6, 1.5, "<=").met
    assert not common.Ratio("c", 0.0, 0.0, ">").met
    assert common.Ratio("d", 1.23456, 1, "<=").as_dict() == {
        "name": "d",
        "value": 1.235,
        "target": 1,
        "op": "<=",
        "detail": "",
        "met": False,
    }


def test_proc_status_and_peak_reset() -> None:
    st = common.proc_status()
    assert st["VmRSS"] > 0 and st["VmHWM"] >= st["VmRSS"] * 0.5
    with common.RssSampler(interval=0.01) as sampler:
        _ = bytearray(8 * 1024 * 1024)
    assert sampler.peak_mb > 0


def test_corpus_questions_are_distinct_and_deterministic() -> None:
    from bench.corpus import questions

    qs = questions(50, seed=3)
    assert len(set(qs)) == 50 and qs == questions(50, seed=3) and qs != questions(50, seed=4)


def test_report_without_results(tmp_path: Path) -> None:
    out = report.write(tmp_path / "none", tmp_path / "perf.md", tmp_path / "img")
    assert "No results yet" in out.read_text()


# ---- smoke runs on a few articles (real model, real Chroma, BM25) --------------------------------------------------------


@pytest.mark.slow
def test_ingest_benchmark_structure(tmp_path: Path, embeddings: Any) -> None:
    from bench import ingest_bench

    doc = ingest_bench.run([2, 3], tmp_path, emb=embeddings, isolate=False, answer_questions=2)
    _check_doc(doc, "ingest")
    rows = doc["results"]["sizes"]
    assert [r["articles"] for r in rows] == [2, 3]
    for r in rows:
        assert r["chunks"] > 0 and r["e2e_chunks_per_s"] > 0 and r["raw_chunks_per_s"] > 0
        assert set(r["stages_seconds"]) == {"embed", "lexical_index", "parse_chunk_store_other", "parse_chunk_alone"}
        assert r["memory"]["peak_rss_mb"] >= r["memory"]["rss_before_mb"] > 0
    # answers are timed on the largest index built (real chunk and span vectors)
    assert "answer" not in rows[0] and rows[1]["answer"]["questions"] == 2
    assert rows[1]["answer"]["ask_extractive_ms"]["p50"] > 0 and rows[1]["stages_seconds"]["embed"] > 0
    assert [r["name"] for r in doc["ratios"]] == [
        "ingest ÷ raw encode, 2 articles",
        "ingest ÷ raw encode, 3 articles",
        f"extractive ask p50 ÷ retrieval p50, {rows[1]['chunks']:,} chunks (3 articles ingested)",
    ]
    assert "## 3. Answer" in report.render({"ingest": doc}, tmp_path / "img")
    path = common.write_result(doc, tmp_path / "results")
    assert common.load_results(tmp_path / "results")["ingest"] == json.loads(path.read_text())


@pytest.mark.slow
def test_retrieval_and_answer_benchmark_structure(tmp_path: Path, embeddings: Any) -> None:
    from bench import retrieval_bench

    doc = retrieval_bench.run(
        tmp_path,
        embeddings,
        curve=[30],
        hybrid_sizes=[60],
        queries=3,
        rounds=1,
        answer_questions=2,
        briefings=1,
        pool=16,
    )
    _check_doc(doc, "retrieval")
    res = doc["results"]
    assert [c["target"] for c in res["lexical_curve"]] == [30, 60]
    assert all(c["chunks"] >= c["target"] and c["lexical_search_ms"]["n"] == 3 for c in res["lexical_curve"])
    (size,) = res["sizes"]
    assert size["retrieval"]["raw_chroma_query_ms"]["n"] == 3
    assert size["retrieval"]["hybrid_ms_excluding_query_embedding"]["p50"] > 0
    assert size["answer"]["questions"] == 2 and size["answer"]["ask_extractive_ms"]["p50"] > 0
    assert len(doc["ratios"]) == 4
    md = report.render({"retrieval": doc}, tmp_path / "img")
    assert "## 2. Retrieval" in md and (tmp_path / "img" / "bench_lexical_curve.png").is_file()


@pytest.mark.slow
def test_baseline_benchmark_structure(tmp_path: Path, embeddings: Any) -> None:
    from bench import baseline_bench

    doc = baseline_bench.run(tmp_path, embeddings, distractors=2, repeat=False)
    _check_doc(doc, "baseline")
    ret = doc["results"]["retrieval"]
    for side in ("newsdesk", "baseline"):
        o = ret[side]["overall"]
        assert o["questions"] == len(baseline_bench.eval_questions()) > 0
        assert 0.0 <= o["hit@1"] <= o["hit@5"] <= 1.0
        assert doc["results"]["ingest"][side]["articles"] == 5  # sample + 2 related + 2 synthetic
    assert "## 4. Baseline" in report.render({"baseline": doc}, tmp_path / "img")


@pytest.mark.slow
@pytest.mark.e2e
def test_serve_benchmark_structure(tmp_path: Path, embeddings: Any) -> None:
    from bench import serve_bench
    from bench.index_build import IndexSpec, build

    index_dir = tmp_path / "index"
    manifest = build(index_dir, IndexSpec(chunks=30, pool=8), embeddings)
    res = serve_bench.serve(index_dir, queries=1, timeout=600)
    assert res["cold_start"]["first_answer_s"] >= res["cold_start"]["ready_s"] > 0
    assert res["memory"]["idle_mb"] > 0 and res["memory"]["peak_under_queries_mb"] > 0
    res["phases"] = serve_bench.phases_subprocess(index_dir)
    assert {"imports", "embedding_model_load", "first_answer"} <= set(res["phases"]["steps_s"])
    doc = common.result(
        "serve", {"chunks": manifest["chunks"], "articles": manifest["articles"], "queries": 1}, res, [], 1.0
    )
    _check_doc(doc, "serve")
    assert "Cold start" in report.render({"serve": doc}, tmp_path / "img")


def test_library_benchmark_structure(tmp_path: Path) -> None:
    """Issue 19's bench runs end to end on a small index and its section renders."""
    from bench import library_bench

    doc = library_bench.run(60, 2)
    assert doc["results"]["matches"]["all"] == 60
    assert {r["name"] for r in doc["ratios"]} >= {"first_view / raw_page", "search_common / raw_search_page"}
    assert all(doc["results"]["latency_ms"][k]["n"] == 2 for k in ("first_view", "raw_page", "search_common"))
    common.write_result(doc, tmp_path)
    text = report.render(common.load_results(tmp_path), tmp_path / "img")
    assert "## 9. The library at 10,000 articles" in text and "first_view / raw_page" in text
