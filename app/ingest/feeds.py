"""RSS 2.0 / Atom feeds → typed FeedItems (pure: bytes in, data out; feedparser does the parsing). Issue 16."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser
import lxml.html

from app.ingest.formats import LoadError

FEED_TYPES: dict[str, str] = {
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/feed+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
}
"""Media types a feed is served as (plain XML is parsed as a feed: a page is never served as XML)."""


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str | None
    author: str | None
    published: datetime | None  # naive UTC, as Article.published
    text: str  # the feed's own content (or summary) as plain text; "" when it has none
    guid: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str | None
    kind: str  # feedparser's version, e.g. "rss20", "atom10"
    items: list[FeedItem] = field(default_factory=list)


def is_feed_type(media_type: str) -> bool:
    return media_type in FEED_TYPES


def parse_feed(data: bytes, name: str) -> ParsedFeed:
    """The feed's title, link and items; LoadError when `data` is not an RSS or Atom feed."""
    parsed = feedparser.parse(data)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        raise LoadError(name, f"not an RSS or Atom feed{f': {reason}' if reason else ''}")
    meta = parsed.get("feed", {})
    items = [_item(e) for e in parsed.get("entries", [])]
    return ParsedFeed(
        title=str(meta.get("title") or "").strip(),
        link=meta.get("link") or None,
        kind=str(parsed.get("version")),
        items=[i for i in items if i.title or i.link or i.text],
    )


def _item(entry: feedparser.FeedParserDict) -> FeedItem:
    link = str(entry.get("link") or "").strip() or None
    title = _plain(str(entry.get("title") or "")).strip()
    return FeedItem(
        title=title,
        link=link,
        author=(str(entry.get("author") or "").strip() or None),
        published=_date(entry.get("published_parsed") or entry.get("updated_parsed")),
        text=_entry_text(entry),
        guid=str(entry.get("id") or link or title),
    )


def _entry_text(entry: feedparser.FeedParserDict) -> str:
    """The fullest text the feed carries for an item: its content, else its summary, as plain text."""
    contents = entry.get("content") or []
    best = max((str(c.get("value") or "") for c in contents), key=len, default="")
    summary = str(entry.get("summary") or "")
    return _plain(best if len(best) >= len(summary) else summary).strip()


def _plain(html: str) -> str:
    """Text of an HTML fragment, one paragraph per block element."""
    if "<" not in html:
        return html
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return html
    for block in root.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    return str(root.text_content())


def _date(value: time.struct_time | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC).replace(tzinfo=None)
