"""Benchmark: refreshing a followed feed (issue 16). A loopback site serves an RSS feed of N items and their pages.

Measured in one run, on one fresh index:
  1. first refresh of the N-item feed: wall time, HTTP requests the site received, articles added;
  2. the same N pages ingested as plain URLs into a second fresh index (same run): the ratio 1 ÷ 2 is the cost of the
     feed machinery over ingesting the pages themselves;
  3. a refresh after one item is added to the feed: requests and articles added (only the new one);
  4. a repeated refresh of the unchanged feed: one request (a 304), nothing added.

    python -m bench.feeds_bench [--items 50]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Ratio, load_embeddings, result, safe_ratio, write_result
from bench.feed_site import serve_site

FEED_OVERHEAD_TARGET = 1.25
"""A refresh may cost at most a quarter more than ingesting its pages directly: the feed request and parsing are
small next to fetching, parsing and embedding N pages."""


def run(items: int) -> dict[str, Any]:
    from app.services import Newsdesk
    from app.settings import Settings

    t_start = time.perf_counter()
    embeddings = load_embeddings()
    with serve_site() as site, tempfile.TemporaryDirectory(prefix="nd-feeds-bench-") as tmp:

        def desk(name: str) -> Newsdesk:
            settings = Settings(_env_file=None, index_dir=Path(tmp) / name, url_allowlist=["127.0.0.1"])  # type: ignore[call-arg]
            d = Newsdesk(settings, embeddings=embeddings)
            _ = d.store.count_articles()  # open the index outside the timings
            return d

        site.add_items(range(items))
        feed = site.base + "/rss.xml"
        follow, plain = desk("feed"), desk("plain")
        follow.feed_add(feed)

        def refresh() -> dict[str, Any]:
            before = sum(site.hits.values())
            t0 = time.perf_counter()
            [r] = follow.feed_refresh(feed)
            seconds = time.perf_counter() - t0
            return {
                "status": r.status,
                "seconds": round(seconds, 3),
                "requests_received": sum(site.hits.values()) - before,
                "requests_reported": r.requests,
                "added": len(r.report.added),
                "unchanged": len(r.report.unchanged),
                "errors": len(r.report.errors),
            }

        first = refresh()
        before = sum(site.hits.values())
        t0 = time.perf_counter()
        report = plain.ingest([f"{site.base}/a/{n}.html" for n in range(items)])
        direct = {
            "seconds": round(time.perf_counter() - t0, 3),
            "requests_received": sum(site.hits.values()) - before,
            "added": len(report.added),
        }
        site.add_items([items])
        one_new = refresh()
        repeated = refresh()
    ratio = safe_ratio(first["seconds"], direct["seconds"])
    ratios = [
        Ratio(
            f"first refresh of a {items}-item feed ÷ ingesting its {items} pages as URLs",
            ratio,
            FEED_OVERHEAD_TARGET,
            "<=",
            f"{first['seconds']:.2f} vs {direct['seconds']:.2f} s; {first['requests_received']} requests, "
            f"{first['added']} added",
        )
    ]
    results = {"first": first, "direct": direct, "one_new": one_new, "repeated": repeated}
    return result("feeds", {"items": items}, results, ratios, time.perf_counter() - t_start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="Print only; do not write bench/results/feeds.json.")
    args = parser.parse_args()
    doc = run(args.items)
    print(json.dumps(doc["results"], indent=2))
    print(json.dumps(doc["ratios"], indent=2))
    if not args.no_write:
        print(write_result(doc))


if __name__ == "__main__":
    main()
