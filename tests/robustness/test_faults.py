"""Faults: kill -9 the server during a large ingest and during a run of small ones, restart, and check the index
(every article reported ingested is there once and complete: its chunk records match its count, each an exact
slice of its text); restart the Chroma server under concurrent queries in server mode and check every query."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from rb_helpers import SEED_FILE, ChromaProcess, NewsdeskServer, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def corpus_jsonl(n: int, seed: int) -> bytes:
    from bench.corpus import articles

    return "\n".join(json.dumps(r, ensure_ascii=False) for r in articles(n, seed)).encode() + b"\n"


def check_index(index_dir: Path) -> dict[str, Any]:
    """Read the stopped server's Chroma files directly: ids unique, every article's chunks all there and exact."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(index_dir), settings=ChromaSettings(anonymized_telemetry=False))
    articles = client.get_collection("newsdesk_articles")
    chunks = client.get_collection("newsdesk_chunks")
    got = articles.get(include=["documents", "metadatas"])
    incomplete: list[str] = []
    for aid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        parts = chunks.get(where={"article_id": aid}, include=["documents", "metadatas"])
        ns = sorted(int(m["n"]) for m in parts["metadatas"])
        exact = all(
            text[int(m["start"]) : int(m["end"])] == doc
            for doc, m in zip(parts["documents"], parts["metadatas"], strict=True)
        )
        if ns != list(range(int(meta["chunks"]))) or not exact:
            incomplete.append(aid)
    orphans = {m["article_id"] for m in chunks.get(include=["metadatas"])["metadatas"]} - set(got["ids"])
    result = {
        "ids": got["ids"],
        "incomplete": incomplete,
        "orphan_articles": sorted(orphans),
        "chunks": chunks.count(),
        "committed_chunks": sum(int(m["chunks"]) for m in got["metadatas"]),
        "unique": len(set(got["ids"])) == len(got["ids"]),
    }
    del client
    return result


def test_kill9_during_ingest_then_restart_keeps_the_index_consistent(tmp_path: Path, figures: dict[str, Any]) -> None:
    from app.ingest.formats import load_bytes

    server = NewsdeskServer(tmp_path / "kill9")
    server.start()
    faults = survived = 0
    reported: set[str] = set()
    try:
        # 1) one large upload (60 long articles); kill -9 once some of it is committed
        big = corpus_jsonl(60, seed=11)
        expected = {a.id: a.text for a in load_bytes(big, "jsonl", name="big.jsonl", source="big")}
        outcome: dict[str, Any] = {}

        def upload() -> None:
            try:
                with server.client(timeout=600) as c:
                    outcome["status"] = c.post(
                        "/api/articles", files=[("file", ("big.jsonl", big, "application/jsonl"))]
                    ).status_code
            except httpx.TransportError as exc:
                outcome["error"] = type(exc).__name__

        t = threading.Thread(target=upload)
        t.start()

        def committed() -> int:
            try:
                return int(httpx.get(f"{server.url}/healthz", timeout=5).json()["articles"])
            except (httpx.TransportError, ValueError, KeyError):
                return 0

        wait_until(lambda: committed() > 0, 300, "the first committed article of the large ingest", interval=0.1)
        server.kill9()
        faults += 1
        t.join(60)
        assert "status" not in outcome, "the large ingest finished before the kill; make it larger"
        after_big = check_index(server.workdir / "index")
        assert after_big["unique"] and not after_big["incomplete"]
        assert set(after_big["ids"]) <= set(expected) and 0 < len(after_big["ids"]) < len(expected)

        # 2) restart; small ingests one by one, killed mid-run
        server.start()
        with server.client() as c:
            health = c.get("/healthz").json()
            # chunks of the article being written at the kill are orphans until the restart repairs them
            assert health["articles"] == len(after_big["ids"]) and health["chunks"] == after_big["committed_chunks"]
        survived += 1
        small = corpus_jsonl(30, seed=12)
        records = [line for line in small.decode().splitlines() if line]
        stop = threading.Event()

        def ingest_one_by_one() -> None:
            with server.client(timeout=120) as c:
                for line in records:
                    if stop.is_set():
                        return
                    try:
                        r = c.post(
                            "/api/articles",
                            json={k: v for k, v in json.loads(line).items() if k in ("text", "title", "source")},
                        )
                    except httpx.TransportError:
                        return
                    if r.status_code in (200, 201):
                        body = r.json()
                        reported.update(a["id"] for a in body["added"] + body["unchanged"])

        t = threading.Thread(target=ingest_one_by_one)
        t.start()
        wait_until(lambda: len(reported) >= 5, 300, "five small ingests")
        server.kill9()
        faults += 1
        stop.set()
        t.join(60)
        after_small = check_index(server.workdir / "index")
        server.start()
        with server.client() as c:
            listed = [a["id"] for a in c.get("/api/articles", params={"limit": 500}).json()["items"]]
            health = c.get("/healthz").json()
            assert (
                c.post(
                    "/api/ask", json={"question": "What did the finance minister say about the deficit?"}
                ).status_code
                == 200
            )
        lost = reported - set(listed)
        assert after_small["unique"] and not after_small["incomplete"], after_small
        assert not lost, lost
        assert len(listed) == len(set(listed)) and health["chunks"] == sum(
            a["chunks"]
            for a in httpx.get(f"{server.url}/api/articles", params={"limit": 500}, timeout=30).json()["items"]
        )
        survived += 1
    finally:
        server.stop()
    figures["kill9"] = {
        "faults_injected": faults,
        "faults_survived": survived,
        "articles_committed_before_first_kill": len(after_big["ids"]),
        "articles_in_killed_upload": len(expected),
        "articles_reported_ingested": len(reported),
        "articles_lost": len(lost),
        "incomplete_articles": len(after_big["incomplete"]) + len(after_small["incomplete"]),
        "orphan_chunks_repaired_on_restart": after_big["chunks"]
        - after_big["committed_chunks"]
        + after_small["chunks"]
        - after_small["committed_chunks"],
        "duplicate_articles": 0 if after_small["unique"] and after_big["unique"] else 1,
    }


@pytest.mark.server
def test_chroma_server_restart_during_queries(tmp_path: Path, figures: dict[str, Any]) -> None:
    chroma = ChromaProcess(tmp_path / "chroma-data")
    chroma.start()
    server = NewsdeskServer(tmp_path / "server-mode", chroma_url=chroma.url, collection="faults")
    questions = [
        "How many points are in the US peace plan?",
        "To what size must Ukraine limit its army under the plan?",
        "Who is Kaja Kallas?",
        "What did Zelenskyy say about the plan?",
    ]
    results: list[tuple[str, int, Any]] = []
    try:
        server.start()
        with server.client() as c:
            assert (
                c.post(
                    "/api/articles", files=[("file", (SEED_FILE.name, SEED_FILE.read_bytes(), "text/plain"))]
                ).status_code
                == 201
            )
            reference = {q: c.post("/api/ask", json={"question": q}).json()["answer"] for q in questions}
            articles_before = c.get("/api/articles", params={"limit": 500}).json()["items"]
        stop = threading.Event()

        def query_loop(i: int) -> None:
            with server.client(timeout=120) as c:
                n = 0
                while not stop.is_set():
                    q = questions[(i + n) % len(questions)]
                    try:
                        if n % 3 == 2:
                            r = c.post("/api/search", json={"query": q, "k": 3})
                            results.append(("search", r.status_code, len(r.json()) if r.status_code == 200 else r.text))
                        else:
                            r = c.post("/api/ask", json={"question": q})
                            results.append(
                                (
                                    "ask",
                                    r.status_code,
                                    r.json().get("answer") == reference[q] if r.status_code == 200 else r.text,
                                )
                            )
                    except httpx.TransportError as exc:
                        results.append(("transport", 0, str(exc)))
                    n += 1

        threads = [threading.Thread(target=query_loop, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        time.sleep(2)
        chroma.restart(down_seconds=3)  # graceful stop, 3 s down, start on the same port and data
        time.sleep(2)
        chroma.restart(down_seconds=2, kill=True)  # kill -9, 2 s down
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join(180)
        with server.client() as c:
            health = c.get("/healthz").json()
            after = c.get("/api/articles", params={"limit": 500}).json()["items"]
            final = {q: c.post("/api/ask", json={"question": q}).json()["answer"] for q in questions}
    finally:
        server.stop()
        chroma.stop()
    failed = [r for r in results if r[1] != 200 or r[2] is False]
    figures["chroma_restart"] = {
        "faults_injected": chroma.restarts,
        "faults_survived": chroma.restarts if not failed and final == reference else 0,
        "queries_during_restarts": len(results),
        "queries_failed": len(failed),
        "articles_lost": len({a["id"] for a in articles_before} - {a["id"] for a in after}),
    }
    assert chroma.restarts == 2
    assert results and not failed, failed[:5]
    assert final == reference and health["status"] == "ok"
    assert [a["id"] for a in after] == [a["id"] for a in articles_before]
