"""Benchmark: the library at 10,000 articles (issue 19). One fresh embedded index of N synthetic articles; in one run,
interleaved, each case timed R times:

  raw page       Chroma `articles.get(ids=<the page's ids>, include=["metadatas"])`: the raw store read of the page
                 the Library tab shows (and `get(limit, offset)`, the raw read of *a* page, unsorted);
  first view     the Library tab's page callback (app.serve.web.library.LibraryHandlers.first_page): no filter,
                 newest first, one page, through the catalogue, formatted for the table;
  search         the same callback with a search (a common word; a title's words) and with a source filter;
  deeper         page 200 (offset 5,000), the API's GET /api/articles, the status/picker refresh, the source facets.

Targets (issue 19): the first view and a search each within 2x the raw store read of that page. Also measured once:
the catalogue's first build from the committed records (an index written before the catalogue existed), and the
old first view (every article's metadata, then the table) as the "before" figure.

Articles carry one short passage each and 8-number vectors: the library reads article records and the catalogue,
never vectors or chunks, so a real embedding would only slow the build.

    python -m bench.library_bench [--articles 10000] [--reps 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Ratio, result, safe_ratio, stats, write_result
from bench.corpus import article, to_article

PAGE_TARGET = 2.0
"""Issue 19's bar: one page of the library (first view or search) costs at most twice the raw read of that page."""
PAGE = 25  # app.serve.web.library.PAGE_ROWS
WRITE_BATCH = 500


class TinyEmbeddings:
    """Eight numbers from a hash: the catalogue never reads vectors."""

    def embed_query(self, text: str) -> list[float]:
        return [b / 255 + 0.01 for b in hashlib.sha256(text.encode()).digest()[:8]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


def build(desk: Any, n: int) -> float:
    """Write n articles (one passage each) the store's way; returns seconds."""
    from app.models import Chunk

    emb, t0 = TinyEmbeddings(), time.perf_counter()
    batch: list[Any] = []
    for i in range(n):
        a = to_article(article(9_000_000 + i))
        end = min(len(a.text), 200)
        chunk = Chunk(id=f"{a.id}:0", article_id=a.id, n=0, text=a.text[:end], start=0, end=end, tokens=1)
        batch.append((a, [chunk], [emb.embed_query(chunk.text)]))
        if len(batch) == WRITE_BATCH or i == n - 1:
            desk.store.add_articles(batch)
            batch = []
    return time.perf_counter() - t0


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def run(n: int, reps: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from app.serve.api.app import create_api
    from app.serve.web import format as fmt
    from app.serve.web.handlers import Handlers
    from app.serve.web.library import LibraryHandlers
    from app.services import Newsdesk
    from app.settings import Settings
    from app.store.catalogue import ArticleQuery

    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nd-library-bench-") as tmp:
        settings = Settings(_env_file=None, index_dir=Path(tmp) / "index")  # type: ignore[call-arg]
        desk = Newsdesk(settings, embeddings=TinyEmbeddings())  # type: ignore[arg-type]
        build_s = build(desk, n)
        store = desk.store
        assert store.count_articles() == n

        # The catalogue's first build from the records (an index that predates it): drop it, reconcile once.
        store.catalogue.close()
        for f in settings.index_dir.glob("catalogue.*"):
            f.unlink()
        del store.__dict__["catalogue"]
        t0 = time.perf_counter()
        first = desk.library(ArticleQuery(limit=PAGE))
        rebuild_s = time.perf_counter() - t0
        catalogue_mb = sum(f.stat().st_size for f in settings.index_dir.glob("catalogue.*")) / 1e6
        assert first.total == n

        lib, web = LibraryHandlers(desk), Handlers(desk, settings)
        api = TestClient(create_api(desk, settings))
        common = "protesters"
        title = to_article(article(9_000_000 + n // 3)).title
        title_words = " ".join(title.split()[:3])  # e.g. "Riga housing talks:"
        source = desk.sources()[0].source

        def page_ids(**kw: Any) -> list[str]:
            return [a.id for a in desk.library(ArticleQuery(limit=PAGE, **kw)).items]

        first_ids, common_ids, title_ids = page_ids(), page_ids(q=common), page_ids(q=title_words)
        raw = store.articles

        cases: dict[str, Callable[[], Any]] = {
            "raw_page": lambda: raw.get(ids=first_ids, include=["metadatas"]),
            "raw_page_offset": lambda: raw.get(limit=PAGE, offset=0, include=["metadatas"]),
            "raw_search_page": lambda: raw.get(ids=common_ids, include=["metadatas"]),
            "raw_title_page": lambda: raw.get(ids=title_ids, include=["metadatas"]),
            "first_view": lambda: lib.first_page("", "", None, None, "published", "desc"),
            "search_common": lambda: lib.first_page(common, "", None, None, "published", "desc"),
            "search_title": lambda: lib.first_page(title_words, "", None, None, "published", "desc"),
            "filter_source": lambda: lib.first_page("", source, "2025-03-01", "2025-09-30", "title", "asc"),
            "page_200": lambda: lib.move("", "", None, None, "published", "desc", 199 * PAGE, 0),
            "api_list": lambda: api.get("/api/articles", params={"limit": PAGE}).raise_for_status(),
            "api_search": lambda: api.get("/api/articles", params={"limit": PAGE, "q": common}).raise_for_status(),
            "status_and_picker": lambda: web.library_updates("extractive"),
            "source_facets": lambda: lib.facets(),
        }
        for fn in cases.values():  # warm: first calls open handles, fill caches
            fn()
        samples: dict[str, list[float]] = {k: [] for k in cases}
        rng = random.Random(0)
        for _ in range(reps):
            order = list(cases)
            rng.shuffle(order)
            for name in order:
                samples[name].append(timed(cases[name]))

        # Before: the old first view read every article's metadata, then built the whole table.
        before = [timed(lambda: fmt.library_rows(desk.articles())) for _ in range(3)]
        totals = {
            "all": first.total,
            "common": desk.library(ArticleQuery(q=common, limit=0)).total,
            "title": desk.library(ArticleQuery(q=title_words, limit=0)).total,
        }

    res = {name: stats(s) for name, s in samples.items()}
    p50 = {name: r["p50"] for name, r in res.items()}
    ratios = [
        Ratio("first_view / raw_page", safe_ratio(p50["first_view"], p50["raw_page"]), PAGE_TARGET, "<=",
              f"{PAGE} of {n:,} articles, newest first"),
        Ratio("search_common / raw_search_page", safe_ratio(p50["search_common"], p50["raw_search_page"]), PAGE_TARGET,
              "<=", f"q={common!r}: {totals['common']:,} match, first {PAGE}"),
        Ratio("search_title / raw_title_page", safe_ratio(p50["search_title"], p50["raw_title_page"]), PAGE_TARGET,
              "<=", f"q={title_words!r}: {totals['title']:,} match"),
    ]  # fmt: skip
    return result(
        "library",
        {"articles": n, "reps": reps, "page": PAGE, "queries": {"common": common, "title": title_words}},
        {
            "latency_ms": res,
            "matches": totals,
            "build_seconds": round(build_s, 1),
            "catalogue_rebuild_seconds": round(rebuild_s, 2),
            "catalogue_mb": round(catalogue_mb, 1),
            "before_first_view_ms": stats(before),
        },
        ratios,
        time.perf_counter() - t_start,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="Print only; do not write bench/results/library.json.")
    args = parser.parse_args()
    doc = run(args.articles, args.reps)
    print(json.dumps({"ratios": doc["ratios"], "results": doc["results"]}, indent=2))
    if not args.no_write:
        print(f"wrote {write_result(doc)}")


if __name__ == "__main__":
    main()
