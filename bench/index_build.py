"""A large Newsdesk index (up to 100,000 chunks) built fast for the query benchmarks.

Articles come from the synthetic corpus and are chunked by Newsdesk's own `chunk_article` (tiktoken budget; the
word-piece check is skipped: these chunks only need realistic text). Embedding 100,000 chunks would take hours on
2 shared cores, so vectors are *re-used* real embeddings: a pool of real chunk embeddings (all-MiniLM-L6-v2), each
reused with small Gaussian noise and re-normalized. Chunks and article records are written straight through
chromadb with the store's own metadata functions, chunks first and the article record last (the store's commit
order), so the index is one Newsdesk opens, searches and serves like any other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import article, to_article

log = logging.getLogger(__name__)

MANIFEST = "bench_manifest.json"


@dataclass(frozen=True)
class IndexSpec:
    chunks: int
    seed: int = 0
    pool: int = 1024
    noise: float = 0.02  # per-dimension sigma before re-normalizing (cosine to the pooled vector ~0.93)


def _articles(seed: int) -> Iterator[Any]:
    i = 0
    while True:
        yield to_article(article(seed * 1_000_003 + 500_000 + i))  # other seeds than the ingest corpus
        i += 1


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    path = index_dir / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None


def build(
    index_dir: Path,
    spec: IndexSpec,
    embeddings: Any,
    *,
    steps: list[int] | None = None,
    on_step: Callable[[int], None] | None = None,
    reuse: bool = True,
) -> dict[str, Any]:
    """Build (or reuse) an index of about spec.chunks chunks; on_step(n_chunks) is called when each step is reached."""
    from app.chunks.chunking import chunk_article
    from app.chunks.tokens import get_encoding
    from app.settings import Settings
    from app.store.chroma import ChromaStore, article_metadata, chunk_metadata

    manifest = read_manifest(index_dir)
    if reuse and manifest and manifest.get("spec") == asdict(spec) and not steps:
        log.info("reusing index %s (%s chunks)", index_dir, manifest["chunks"])
        return manifest
    shutil.rmtree(index_dir, ignore_errors=True)
    settings = Settings(index_dir=index_dir)
    store = ChromaStore(settings, embeddings)
    chunks_col, articles_col = store.chunks, store.articles
    encoding = get_encoding(settings.tokenizer)
    batch_max = max(1, store.client.get_max_batch_size())
    rng = np.random.default_rng(spec.seed)
    writing = getattr(store, "_writing", None) or contextlib.nullcontext

    source = _articles(spec.seed)
    pending: list[tuple[Any, list[Any]]] = []
    pool_texts: list[str] = []
    while len(pool_texts) < spec.pool:  # the pool: real embeddings of the first chunks
        a = next(source)
        cs = chunk_article(
            a, max_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens, encoding=encoding
        )
        pending.append((a, cs))
        pool_texts += [c.text for c in cs]
    pool = np.asarray(embeddings.embed_documents(pool_texts[: spec.pool]), dtype=np.float32)

    total, used = 0, 0
    todo = sorted(set(steps or []) | {spec.chunks})
    buf: dict[str, list[Any]] = {"ids": [], "documents": [], "embeddings": [], "metadatas": []}
    records: list[tuple[str, str, dict[str, Any]]] = []

    def flush() -> None:
        with writing():  # the store's write section: a running server sees the change (bench-only use of a private API)
            _flush()

    def _flush() -> None:
        for i in range(0, len(buf["ids"]), batch_max):
            chunks_col.upsert(**{k: v[i : i + batch_max] for k, v in buf.items()})
        for k in buf:
            buf[k] = []
        for i in range(0, len(records), batch_max):  # article records last: they commit the chunks
            part = records[i : i + batch_max]
            articles_col.upsert(
                ids=[r[0] for r in part],
                documents=[r[1] for r in part],
                embeddings=[[1.0]] * len(part),
                metadatas=[r[2] for r in part],
            )
        records.clear()

    while todo:
        a, cs = pending.pop(0) if pending else (None, None)
        if a is None:
            a = next(source)
            cs = chunk_article(
                a, max_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens, encoding=encoding
            )
        assert cs is not None
        vecs = pool[(used + np.arange(len(cs))) % len(pool)] + rng.normal(0, spec.noise, (len(cs), pool.shape[1]))
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        used += len(cs)
        buf["ids"] += [c.id for c in cs]
        buf["documents"] += [c.text for c in cs]
        buf["embeddings"] += vecs.astype(np.float32).tolist()
        buf["metadatas"] += [chunk_metadata(a, c) for c in cs]
        records.append((a.id, a.text, article_metadata(a, len(cs))))
        total += len(cs)
        if len(buf["ids"]) >= 4 * batch_max:
            flush()
        if total >= todo[0]:
            flush()
            reached = todo.pop(0)
            log.info("index reached %d chunks (step %d)", total, reached)
            if on_step:
                on_step(total)
    manifest = {"spec": asdict(spec), "chunks": total, "articles": store.count_articles()}
    (index_dir / MANIFEST).write_text(json.dumps(manifest))
    return manifest
