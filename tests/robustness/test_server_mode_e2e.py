"""Chroma server mode end to end through the API: two stateless Newsdesk workers sharing one real `chroma run`
(NEWSDESK_CHROMA_URL): ingest, ask, stream, brief, remove, a Chroma restart mid-run, and a worker restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from rb_helpers import SEED_FILE, ChromaProcess, HostileSite, NewsdeskServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.server]

QUESTION = "To what size must Ukraine limit its army under the plan?"


def sse_events(text: str) -> list[tuple[str, Any]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_two_workers_share_one_chroma_server_through_restarts(
    tmp_path: Path, hostile_site: HostileSite, figures: dict[str, Any]
) -> None:
    chroma = ChromaProcess(tmp_path / "chroma-data")
    chroma.start()
    a = NewsdeskServer(tmp_path / "worker-a", chroma_url=chroma.url, collection="e2e")
    b = NewsdeskServer(tmp_path / "worker-b", chroma_url=chroma.url, collection="e2e")
    steps: list[str] = []
    try:
        a.start()
        b.start()
        with a.client() as ca, b.client() as cb:
            # ingest three ways on worker A
            r = ca.post("/api/articles", files=[("file", (SEED_FILE.name, SEED_FILE.read_bytes(), "text/plain"))])
            assert r.status_code == 201, r.text
            seed_id = r.json()["added"][0]["id"]
            r = ca.post(
                "/api/articles",
                json={
                    "text": "The harbour of Port Ellis reopened on Tuesday after the storm. "
                    "Harbour master Ines Vargas said 42 boats had returned.",
                    "title": "Harbour",
                },
            )
            assert r.status_code == 201
            pasted_id = r.json()["added"][0]["id"]
            r = ca.post("/api/articles", json={"url": f"{hostile_site.url}/article.html"})
            assert r.status_code == 201, r.text
            url_id = r.json()["added"][0]["id"]
            assert ca.get("/healthz").json()["store"] == "server"
            steps.append("ingest text, file and URL")

            # worker B sees the same library and answers the same (its lexical index follows the shared store)
            ids_a = sorted(x["id"] for x in ca.get("/api/articles").json()["items"])
            assert (
                sorted(x["id"] for x in cb.get("/api/articles").json()["items"])
                == ids_a
                == sorted([seed_id, pasted_id, url_id])
            )
            ans_a = ca.post("/api/ask", json={"question": QUESTION}).json()
            ans_b = cb.post("/api/ask", json={"question": QUESTION}).json()
            assert "600,000" in ans_a["answer"] and ans_a["citations"] and not ans_a["abstained"]
            assert (ans_b["answer"], ans_b["citations"]) == (ans_a["answer"], ans_a["citations"])
            harbour = cb.post("/api/ask", json={"question": "How many boats returned to Port Ellis?"}).json()
            assert "42" in harbour["answer"] and {c["article_id"] for c in harbour["citations"]} & {pasted_id, url_id}
            steps.append("ask on both workers")

            events = sse_events(ca.post("/api/ask", json={"question": QUESTION, "stream": True}).text)
            assert events[-1][0] == "answer" and events[-1][1]["answer"] == ans_a["answer"]
            chat = openai.OpenAI(base_url=f"{b.url}/v1", api_key="x", max_retries=0).chat.completions.create(
                model="newsdesk", messages=[{"role": "user", "content": QUESTION}]
            )
            assert chat.choices[0].message.content == ans_a["answer"]
            steps.append("stream and OpenAI chat")

            briefing = cb.post("/api/brief", json={"selection": {"article_ids": [seed_id]}, "length": "short"}).json()
            assert briefing["citations"] and all(c["article_id"] == seed_id for c in briefing["citations"])
            steps.append("brief")

            # restart Chroma mid-run: both workers recover without a restart of their own
            chroma.restart(down_seconds=2)
            assert ca.post("/api/ask", json={"question": QUESTION}).json()["answer"] == ans_a["answer"]
            assert cb.get("/healthz").json()["articles"] == 3
            r = cb.post(
                "/api/articles",
                json={"text": "Kite flying returned to Brindle beach on Sunday, organisers said.", "title": "Kites"},
            )
            assert r.status_code == 201
            kite_id = r.json()["added"][0]["id"]
            steps.append("chroma restart")

            # remove on B, gone on A
            assert cb.delete(f"/api/articles/{pasted_id}").status_code == 200
            assert ca.get(f"/api/articles/{pasted_id}").status_code == 404
            harbour_a = ca.post("/api/ask", json={"question": "How many boats returned to Port Ellis?"}).json()
            assert pasted_id not in {c["article_id"] for c in harbour_a["citations"]}
            steps.append("remove")

        # a worker restart loses nothing: the state lives in Chroma
        a.stop()
        a.start()
        with a.client() as ca:
            assert sorted(x["id"] for x in ca.get("/api/articles").json()["items"]) == sorted(
                [seed_id, url_id, kite_id]
            )
            assert ca.post("/api/ask", json={"question": QUESTION}).json()["answer"] == ans_a["answer"]
            steps.append("worker restart")

        # Chroma down: healthz says so (503), requests fail cleanly (never a 500), and come back with it
        chroma.stop()
        with b.client(timeout=60) as cb:
            down = cb.get("/healthz")
            assert down.status_code == 503 and down.json()["status"] == "unavailable"
            chroma.start()
            assert cb.get("/healthz").status_code == 200
            steps.append("chroma down and back")
    finally:
        a.stop()
        b.stop()
        chroma.stop()
    figures["server_mode"] = {
        "workers": 2,
        "steps_passed": len(steps),
        "steps": steps,
        "chroma_restarts": chroma.restarts + 1,
        "articles_lost": 0,
    }
