"""kill -9 during ingest: after reopening, every listed article has all its chunks exactly once and nothing else."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from app.ingest.loaders import load_text
from app.retrieve.lexical import LexicalIndex
from app.settings import Settings
from app.store.chroma import ChromaStore, article_of
from app.store.ingest import Ingestor
from bench.corpus import write_jsonl

pytestmark = pytest.mark.slow

N_ARTICLES = 60
ROOT = Path(__file__).resolve().parents[1]

# The child ingests with small embedding batches so writes are spread over the run. With KILL_AT set it SIGKILLs
# itself right after writing the chunks of the batch holding that article, before the batch's records (the commit
# markers), to pin the worst moment; it first prints how many articles earlier batches committed.
CHILD = r"""
import os, signal, sys
from app.store.embeddings import make_embeddings
from app.store.ingest import Ingestor
from app.settings import Settings
from app.store.chroma import ChromaStore

settings = Settings()
store = ChromaStore(settings, make_embeddings(settings))
kill_at = int(os.environ.get("KILL_AT", "0"))
written = 0
write_chunks = store._write_chunks

def write_then_maybe_die(col, rows):
    global written
    write_chunks(col, rows)
    if written < kill_at <= written + len(rows):
        print("committed", written, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    written += len(rows)

store._write_chunks = write_then_maybe_die
report = Ingestor(store, settings).ingest(sys.argv[1:], progress=lambda done, total, label: print("done", done, flush=True))
print("finished", len(report.added), flush=True)
"""


def _spawn(index_dir: Path, inputs: list[Path], **env: str) -> subprocess.Popen[str]:
    child_env = {**os.environ, "NEWSDESK_INDEX_DIR": str(index_dir), "NEWSDESK_INGEST_FLUSH_CHUNKS": "16", **env}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *map(str, inputs)],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())
        lines.put("")  # EOF

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _assert_consistent(store: ChromaStore) -> int:
    """Every listed article has chunks 0..n-1 exactly once, each an exact slice of its text; no other chunks exist."""
    infos = {a.id: a for a in store.list_articles()}
    got = store._io(store.chunks.get, include=["documents", "metadatas"])
    ids = got["ids"]
    assert len(ids) == len(set(ids))
    assert {article_of(i) for i in ids} <= set(infos), "orphan chunks survived"
    for aid, info in infos.items():
        mine = sorted((i for i in ids if article_of(i) == aid), key=lambda i: int(i.rsplit(":", 1)[1]))
        assert mine == [f"{aid}:{n}" for n in range(info.chunks)], f"article {aid} has chunks {mine}"
    texts = {i: (t, m) for i, t, m in zip(ids, got["documents"], got["metadatas"], strict=True)}
    for aid in infos:
        article = store.get_article(aid)
        assert article is not None
        for i in (i for i in ids if article_of(i) == aid):
            text, meta = texts[i]
            assert article.text[meta["start"] : meta["end"]] == text
    assert len(ids) == sum(a.chunks for a in infos.values())
    return len(infos)


def _reopen_and_finish(index_dir: Path, corpus: list[Path], embeddings, n: int) -> tuple[ChromaStore, int]:  # type: ignore[no-untyped-def]
    settings = Settings(index_dir=index_dir)
    store = ChromaStore(settings, embeddings)  # repair() runs here
    listed = _assert_consistent(store)
    lexical = LexicalIndex(store, settings)
    lexical.refresh()
    assert len(lexical) == store.count_chunks()

    report = Ingestor(store, settings).ingest([str(p) for p in corpus])
    assert report.errors == []
    assert len(report.unchanged) == listed and len(report.added) == n - listed
    assert _assert_consistent(store) == n
    assert lexical.search("protesters", 5) and len(lexical) == store.count_chunks()
    return store, listed


def test_sigkill_mid_ingest_then_reopen(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "index"
    corpus = write_jsonl(N_ARTICLES, tmp_path / "corpus", seed=3, per_file=10)
    proc = _spawn(index_dir, corpus)
    lines, done, deadline = _lines(proc), 0, time.monotonic() + 300
    try:
        while done < 12:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line, f"child ended before reporting progress (rc={proc.poll()})"
            assert not line.startswith("finished"), "the child finished before it could be killed"
            if line.startswith("done"):
                done = int(line.split()[1])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    store, listed = _reopen_and_finish(index_dir, corpus, embeddings, N_ARTICLES)
    assert done <= listed < N_ARTICLES
    print(f"killed after {done} reported; {listed} committed; repair removed {store.repaired} chunks")


def test_sigkill_between_chunks_and_record(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "index"
    corpus = write_jsonl(15, tmp_path / "corpus", seed=4, per_file=5)
    proc = _spawn(index_dir, corpus, KILL_AT="7")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    committed = int(next(line for line in out.splitlines() if line.startswith("committed")).split()[1])

    settings = Settings(index_dir=index_dir)
    store, listed = _reopen_and_finish(index_dir, corpus, embeddings, 15)
    assert listed == committed and 0 < committed < 7
    assert ChromaStore(settings, embeddings).repaired == 0
    assert store.repaired > 0  # the chunks of the batch holding the seventh article had no records and were removed


# Another process writes while this one has the same embedded index open (e.g. `newsdesk ingest` while `serve` runs).
PEER = r"""
import json, sys
from langchain_core.embeddings import DeterministicFakeEmbedding
from app.store.ingest import Ingestor
from app.ingest.loaders import load_text
from app.settings import Settings
from app.store.chroma import ChromaStore

settings = Settings(embedding_model="fake-hash")
fake = DeterministicFakeEmbedding(size=16)
store = ChromaStore(settings, fake)
mode, text = sys.argv[1], sys.argv[2]
if mode == "add":
    Ingestor(store, settings).ingest_articles([load_text(text, title=text[:20])])
else:
    print(json.dumps([p.text for p in store.dense_search(fake.embed_query(text), 3)]))
"""


def _peer(index_dir: Path, mode: str, text: str) -> str:
    env = {**os.environ, "NEWSDESK_INDEX_DIR": str(index_dir)}
    done = subprocess.run(
        [sys.executable, "-c", PEER, mode, text], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_writes_of_another_process_are_seen_and_kept(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", embedding_model="fake-hash")
    fake = DeterministicFakeEmbedding(size=16)
    store = ChromaStore(settings, fake)
    ours, theirs, later = (
        "Harbour cranes stop in Rotterdam.",
        "Tram line to the airport approved.",
        "Ferry fares rise next month.",
    )
    Ingestor(store, settings).ingest_articles([load_text(ours, title="ours")])
    lexical = LexicalIndex(store, settings)
    assert lexical.search("cranes", 1)
    assert store.dense_search(fake.embed_query(ours), 1)[0].text == ours

    _peer(settings.index_dir, "add", theirs)
    # the other process's vectors are visible to this process's dense search (its client was reopened) ...
    assert store.dense_search(fake.embed_query(theirs), 1)[0].text == theirs
    assert {a.title for a in store.list_articles()} == {"ours", theirs[:20]}
    their_id = next(a.id for a in store.list_articles() if a.title == theirs[:20])
    assert article_of(lexical.search("airport tram", 1)[0][0]) == their_id

    # ... and a later write here does not lose them for the other process
    Ingestor(store, settings).ingest_articles([load_text(later, title="later")])
    for text in (ours, theirs, later):
        assert json.loads(_peer(settings.index_dir, "search", text))[0] == text
