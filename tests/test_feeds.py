"""Feeds end to end (issue 16): a real HTTP site on loopback (allowlisted), the real safe fetcher, feedparser, the
real embedding model and an embedded Chroma index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ingest.feeds import parse_feed
from app.ingest.formats import LoadError
from app.services import Newsdesk
from app.settings import Settings
from app.store.alternates import AlternateSources
from bench.feed_site import Site, serve_site, story


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        yield s


@pytest.fixture
def desk(tmp_path: Path, embeddings) -> Newsdesk:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, index_dir=tmp_path / "index", url_allowlist=["127.0.0.1"], url_timeout=2)  # type: ignore[call-arg]
    return Newsdesk(settings, embeddings=embeddings)


# ---- parsing (pure) ---------------------------------------------------------------------------------------------


def test_parse_rss_and_atom(site: Site) -> None:
    site.add_items(range(3))
    rss = parse_feed(site.rss().encode(), "rss")
    atom = parse_feed(site.atom().encode(), "atom")
    assert rss.kind == "rss20" and atom.kind == "atom10"
    assert rss.title == "Ashby Gazette" and [i.link for i in rss.items] == [f"{site.base}/a/{n}.html" for n in range(3)]
    assert atom.items[1].author == "Atom Writer 1" and atom.items[1].published is not None
    assert "Ashby number 2" in rss.items[2].text and "<p>" not in atom.items[2].text


@pytest.mark.parametrize("data", [b"<html><body>not a feed", b"", b"\x00\x01binary"])
def test_garbage_is_not_a_feed(data: bytes) -> None:
    with pytest.raises(LoadError, match="not an RSS or Atom feed"):
        parse_feed(data, "x")


# ---- newsdesk ingest FEED_URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml"])
def test_ingest_feed_url_ingests_each_page_with_feed_metadata(site: Site, desk: Newsdesk, path: str) -> None:
    site.add_items(range(3))
    site.add_items([3], page=False)  # its page is gone: the feed's own text stands in, marked
    report = desk.ingest([site.base + path])
    assert not report.errors, report.errors
    assert len(report.added) == 4
    by_url = {a.url: a for a in report.added}
    page = by_url[f"{site.base}/a/1.html"]
    assert page.title == "Story 1: Ashby council plan" and page.published is not None
    assert page.author == ("Atom Writer 1" if path == "/atom.xml" else "desk1@example.org (Reporter 1)")
    assert [n.input for n in report.notes] == [f"{site.base}/a/3.html"]
    assert "feed's own text" in report.notes[0].note and "HTTP 404" in report.notes[0].note
    assert site.hits["/a/0.html"] == 1 and site.hits["/a/3.html"] == 1
    assert desk.get_article(by_url[f"{site.base}/a/3.html"].id).text.startswith("The town of Ashby number 3")  # type: ignore[union-attr]


def test_same_text_under_another_url_is_a_duplicate_with_an_alternate_source(site: Site, desk: Newsdesk) -> None:
    site.add_items([7])
    first = desk.ingest([f"{site.base}/a/7.html"])
    assert len(first.added) == 1
    kept = first.added[0]
    syndicated = desk.read_text(story(7), title="Syndicated copy")
    copy = syndicated.model_copy(update={"url": "https://other.example/copy-7"})
    report = desk.ingest_articles([copy, copy.model_copy(update={"url": "https://third.example/7"})])
    assert report.added == [] and report.unchanged == []
    assert [(d.duplicate_of, d.url) for d in report.duplicates] == [
        (kept.id, "https://other.example/copy-7"),
        (kept.id, "https://third.example/7"),
    ]
    assert AlternateSources(desk.settings.index_dir).get(kept.id) == [
        "https://other.example/copy-7",
        "https://third.example/7",
    ]
    assert len(desk.articles()) == 1


# ---- subscriptions and refresh -------------------------------------------------------------------------------------


def test_refresh_adds_only_new_items_and_a_304_costs_one_request(site: Site, desk: Newsdesk) -> None:
    site.add_items(range(4))
    url = site.base + "/rss.xml"
    desk.feed_add(url, every_seconds=600)
    [first] = desk.feed_refresh()
    assert first.status == "ok" and len(first.report.added) == 4 and first.requests == 5
    stored = json.loads((desk.settings.index_dir / "feeds.json").read_text())
    assert stored[0]["etag"] == site.etag() and stored[0]["last_added"] == 4 and stored[0]["title"] == "Ashby Gazette"

    site.add_items([4])  # the feed changes: one new item
    [second] = desk.feed_refresh(url)
    assert second.status == "ok" and [a.url for a in second.report.added] == [f"{site.base}/a/4.html"]
    assert second.requests == 2 and second.already_seen == 4
    assert site.hits["/a/0.html"] == 1  # old items' pages are not fetched again

    hits_before = sum(site.hits.values())
    [third] = desk.feed_refresh(url)
    assert third.status == "not-modified" and third.requests == 1 and third.report.added == []
    assert sum(site.hits.values()) == hits_before + 1
    assert len(desk.articles()) == 5
    assert desk.feed_list()[0].last_status == "not-modified"


def test_only_due_feeds_are_refreshed(site: Site, desk: Newsdesk) -> None:
    site.add_items(range(1))
    desk.feed_add(site.base + "/rss.xml", every_seconds=3600)
    assert len(desk.feed_refresh(only_due=True)) == 1  # never refreshed: due
    assert desk.feed_refresh(only_due=True) == []  # refreshed a moment ago: not due for an hour


@pytest.mark.parametrize(("path", "error"), [("/hang.xml", "timed out"), ("/garbage.xml", "not an RSS or Atom feed")])
def test_a_broken_feed_reports_an_error_and_changes_nothing(site: Site, desk: Newsdesk, path: str, error: str) -> None:
    site.add_items(range(2))
    desk.feed_add(site.base + "/rss.xml")
    desk.feed_refresh()
    before = desk.feeds.get(site.base + "/rss.xml")
    desk.feed_add(site.base + path)
    [result] = desk.feed_refresh(site.base + path)
    assert result.status == "error" and error in (result.error or "")
    assert len(desk.articles()) == 2
    sub = desk.feeds.get(site.base + path)
    assert sub is not None and sub.last_status == "error" and sub.etag is None and sub.seen == []
    assert desk.feeds.get(site.base + "/rss.xml") == before


def test_feed_add_checks_the_url_and_remove_forgets_it(desk: Newsdesk) -> None:
    with pytest.raises(LoadError, match="only http and https"):
        desk.feed_add("ftp://example.org/feed")
    desk.feed_add("https://example.org/feed.xml", every_seconds=900)
    desk.feed_add("https://example.org/feed.xml", every_seconds=1200)  # again: the interval changes, no second copy
    assert [(s.url, s.every_seconds) for s in desk.feed_list()] == [("https://example.org/feed.xml", 1200)]
    assert desk.feed_remove("https://example.org/feed.xml") and not desk.feed_remove("https://example.org/feed.xml")
    assert desk.feed_list() == []
    with pytest.raises(LoadError, match="not a followed feed"):
        desk.feed_refresh("https://example.org/feed.xml")


# ---- the CLI ------------------------------------------------------------------------------------------------------


def test_cli_feeds_add_refresh_list_remove(site: Site, desk: Newsdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from app import cli

    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    runner = CliRunner()
    site.add_items(range(2))
    url = site.base + "/atom.xml"
    added = runner.invoke(cli.cli, ["feeds", "add", url, "--every", "2h"])
    assert added.exit_code == 0 and "every 120 min" in added.stdout
    refreshed = runner.invoke(cli.cli, ["feeds", "refresh", "--json"])
    assert refreshed.exit_code == 0, refreshed.output
    [result] = json.loads(refreshed.stdout)
    assert result["status"] == "ok" and len(result["report"]["added"]) == 2 and result["requests"] == 3
    again = runner.invoke(cli.cli, ["feeds", "refresh", url])
    assert again.exit_code == 0 and "unchanged" in again.stdout and "1 request(s)" in again.stdout
    listed = runner.invoke(cli.cli, ["feeds", "list", "--json"])
    assert [(f["title"], f["last_status"]) for f in json.loads(listed.stdout)] == [("Ashby Atom", "not-modified")]
    # ingest of the same feed URL: every item has a line (here: unchanged), nothing silently dropped
    ingested = runner.invoke(cli.cli, ["ingest", url])
    assert ingested.exit_code == 0 and ingested.stdout.count("unchanged ") == 2
    assert "0 added, 0 replaced, 2 unchanged, 0 duplicate, 0 skipped, 0 failed" in ingested.stdout
    assert runner.invoke(cli.cli, ["feeds", "remove", url]).exit_code == 0
    assert runner.invoke(cli.cli, ["feeds", "remove", url]).exit_code == 1
    bad = runner.invoke(cli.cli, ["feeds", "add", url, "--every", "soon"])
    assert bad.exit_code == 2


def test_cli_refresh_of_a_broken_feed_exits_nonzero(
    site: Site, desk: Newsdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app import cli

    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    desk.feed_add(site.base + "/garbage.xml")
    result = CliRunner().invoke(cli.cli, ["feeds", "refresh"])
    assert result.exit_code == 1 and "not an RSS or Atom feed" in result.output


# ---- briefing since the last one ----------------------------------------------------------------------------------


def test_briefing_since_last_covers_what_the_feed_brought(site: Site, desk: Newsdesk) -> None:
    from app.models import BriefSelection

    site.add_items(range(2))
    desk.feed_add(site.base + "/rss.xml")
    desk.feed_refresh()
    first = desk.brief(BriefSelection(since_last_briefing=True), backend="extractive", length="short")
    assert len({c.article_id for c in first.citations}) >= 1  # no earlier briefing: everything is new
    site.add_items([5])
    [refresh] = desk.feed_refresh()
    [new] = refresh.report.added
    second = desk.brief(BriefSelection(since_last_briefing=True), backend="extractive", length="short")
    assert second.citations and {c.article_id for c in second.citations} == {new.id}
    assert [a.id for a in second.sources] == [new.id]


def test_concurrent_subscription_writes_are_not_lost(tmp_path: Path) -> None:
    import threading

    from app.store.feeds import FeedStore

    stores = [FeedStore(tmp_path / "index") for _ in range(8)]  # separate objects, as separate requests would have
    threads = [threading.Thread(target=s.add, args=(f"https://n{i}.example/rss", 600)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(s.url for s in stores[0].all()) == sorted(f"https://n{i}.example/rss" for i in range(8))
    assert not list((tmp_path / "index").glob("*.tmp"))  # atomic writes leave no temp files behind
