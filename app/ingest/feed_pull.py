"""Pull a feed: one (conditional) GET of the feed, then each new item's page through the safe fetcher, the feed's
metadata filling what the page lacks, the feed's own text standing in for a page that cannot be fetched. Issue 16."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from app.ingest.feeds import FEED_TYPES, FeedItem, ParsedFeed, is_feed_type, parse_feed
from app.ingest.fetch import CONTENT_TYPES, Fetched, fetch_url, load_url, make_client, parse_fetched
from app.ingest.formats import LoadError
from app.models import Article, IngestNote
from app.settings import Settings
from app.text import build_article

log = logging.getLogger(__name__)

ItemResult = list[Article] | LoadError | IngestNote
"""What one item (or input) gave: its articles, its error, or a note about it (skipped, or indexed with a caveat)."""

FEED_TEXT_NOTE = "indexed from the feed's own text"
"""How an item indexed without its page is marked in the report."""


@dataclass
class FeedPull:
    """One pull of a feed: its validators for the next conditional GET, and every item's result."""

    url: str
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    title: str = ""
    requests: int = 0
    already_seen: int = 0
    results: list[tuple[str, ItemResult]] = field(default_factory=list)
    guids: list[tuple[str, str]] = field(default_factory=list)  # (item guid, its label in results)


def fetch_feed_or_page(url: str, settings: Settings, headers: dict[str, str] | None = None) -> Fetched:
    """GET `url` accepting pages and feeds alike (one request, whatever it turns out to be)."""
    return fetch_url(url, settings, headers=headers, content_types={**CONTENT_TYPES, **FEED_TYPES})


def pull_feed(
    url: str,
    settings: Settings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    seen: set[str] | frozenset[str] = frozenset(),
) -> FeedPull:
    """Fetch and parse the feed (If-None-Match / If-Modified-Since when validators are given: a 304 ends here), then
    load each item whose guid is not in `seen`. Raises LoadError when the feed itself cannot be fetched or parsed."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    fetched = fetch_url(url, settings, headers=headers, content_types=FEED_TYPES)
    pull = FeedPull(url=url, etag=fetched.etag, last_modified=fetched.last_modified, requests=1)
    if fetched.status == 304:
        pull.not_modified, pull.etag, pull.last_modified = True, etag, last_modified
        return pull
    feed = parse_feed(fetched.body, url)
    pull.title = feed.title
    with make_client(settings) as client:
        for item in feed.items:
            if item.guid in seen:
                pull.already_seen += 1
                continue
            results = list(item_results(item, feed, url, settings, client))
            pull.results += results
            pull.guids.append((item.guid, results[0][0]))
            pull.requests += item.link is not None  # the page's GET (redirect hops aside)
    return pull


def feed_results(fetched: Fetched, url: str, settings: Settings) -> Iterator[tuple[str, ItemResult]]:
    """An already fetched document: its items' results when it is a feed, else the page's articles."""
    if not is_feed_type(fetched.content_type):
        errors: list[LoadError] = []
        articles = parse_fetched(fetched, url, errors=errors)
        if articles:
            yield url, articles
        for e in errors:
            yield url, e
        return
    feed = parse_feed(fetched.body, url)
    if not feed.items:
        yield url, IngestNote(input=url, note=f"feed {feed.title or url!r} has no items")
    with make_client(settings) as client:
        for item in feed.items:
            yield from item_results(item, feed, url, settings, client)


def item_results(
    item: FeedItem, feed: ParsedFeed, feed_url: str, settings: Settings, client: httpx.Client
) -> Iterator[tuple[str, ItemResult]]:
    """One item: its page's article with the feed's metadata filling gaps; else the feed's own text, marked."""
    label = item.link or f"{feed_url}#{item.title or item.guid}"
    source = httpx.URL(item.link or feed_url).host.removeprefix("www.")
    why = "the item has no page link"
    if item.link:
        try:
            articles = load_url(item.link, settings, client=client)
            if articles:
                yield label, [_fill(a, item) for a in articles]
                return
            why = "its page had no text"
        except LoadError as e:
            why = f"its page could not be used: {e.message}"
    if not item.text:
        yield label, LoadError(label, f"{why}, and the feed carries no text for it")
        return
    article = build_article(
        item.title or feed.title or "Untitled",
        item.text,
        source=source,
        url=item.link,
        published=item.published,
        author=item.author,
    )
    yield label, IngestNote(input=label, note=f"{FEED_TEXT_NOTE} ({why})")
    yield label, [article]


def _fill(article: Article, item: FeedItem) -> Article:
    """The page's article, with the feed's title, author and date where the page has none."""
    update: dict[str, object] = {}
    if item.title and (not article.title or article.title == "Untitled"):
        update["title"] = item.title
    if article.author is None and item.author:
        update["author"] = item.author
    if article.published is None and item.published:
        update["published"] = item.published
    return article.model_copy(update=update) if update else article
