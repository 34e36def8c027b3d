"""The library at scale (issue 19): the store's article catalogue (search, filters, sort, pages, source facets, bulk
removal, crash-safety), and the same over HTTP (GET /api/articles, /api/sources, POST /api/articles/remove) and the
CLI, over a few hundred generated articles in a real embedded Chroma index.

The articles are written with a cheap deterministic embedding (the catalogue never reads vectors), so building the
index takes seconds; the real model is not needed for what is tested here."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from app import cli
from app.models import Article, Chunk, SearchFilters, inclusive_until
from app.services import Newsdesk
from app.settings import Settings
from app.store.catalogue import MAX_OFFSET, ArticleQuery, Catalogue, NothingSelected, fts_query
from app.store.records import epoch

N = 300


class HashEmbeddings:
    """8 numbers from a hash of the text: deterministic, instant, never used by the catalogue."""

    def embed_query(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        return [b / 255 + 0.01 for b in digest[:8]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


def two_chunks(a: Article) -> list[Chunk]:
    half = len(a.text) // 2
    return [
        Chunk(id=f"{a.id}:0", article_id=a.id, n=0, text=a.text[:half], start=0, end=half, tokens=1),
        Chunk(id=f"{a.id}:1", article_id=a.id, n=1, text=a.text[half:], start=half, end=len(a.text), tokens=1),
    ]


def write(desk: Newsdesk, articles: list[Article]) -> None:
    emb = HashEmbeddings()
    items = [(a, cs, emb.embed_documents([c.text for c in cs])) for a in articles for cs in [two_chunks(a)]]
    for start in range(0, len(items), 100):
        desk.store.add_articles(items[start : start + 100])


@pytest.fixture(scope="module")
def corpus(make_articles) -> list[Article]:  # type: ignore[no-untyped-def]
    articles: list[Article] = make_articles(N, seed=7)
    undated = articles[-1].model_copy(update={"published": None})
    return [*articles[:-1], undated]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, corpus: list[Article]) -> Newsdesk:
    settings = Settings(_env_file=None, index_dir=tmp_path_factory.mktemp("library") / "index")  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    write(d, corpus)
    return d


def newest_first(articles: list[Article]) -> list[str]:
    ordered = sorted(articles, key=lambda a: (a.title.casefold(), a.id))
    ordered.sort(key=lambda a: epoch(a.published) if a.published else float("-inf"), reverse=True)
    return [a.id for a in ordered]


def words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


def reference_match(a: Article, q: str) -> bool:
    """All words of q among the article's words (title, source, text), the last one as a prefix."""
    have = words(f"{a.title} {a.source} {a.text}")
    *whole, last = [w.casefold() for w in re.findall(r"\w+", q)]
    return all(w in have for w in whole) and any(h.startswith(last) for h in have)


# ---- the store's catalogue ------------------------------------------------------------------------------------------


def test_pages_cover_every_article_once_newest_first_undated_last(desk: Newsdesk, corpus: list[Article]) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = desk.library(ArticleQuery(limit=37, offset=offset))
        assert page.total == N and len(page.items) <= 37
        seen += [a.id for a in page.items]
        offset = page.next_offset
    assert seen == newest_first(corpus)
    assert seen[-1] == corpus[-1].id  # the undated one
    assert desk.library(ArticleQuery(limit=0), passages=True).passages == 2 * N


@pytest.mark.parametrize(
    ("sort", "key"), [("title", lambda a: a.title.casefold()), ("source", lambda a: a.source.casefold())]
)
def test_sort_by_title_and_source_both_ways(desk: Newsdesk, corpus: list[Article], sort: str, key: Any) -> None:
    asc = desk.library(ArticleQuery(sort=sort, order="asc", limit=500)).items  # type: ignore[arg-type]
    desc = desk.library(ArticleQuery(sort=sort, order="desc", limit=500)).items  # type: ignore[arg-type]
    by_id = {a.id: a for a in corpus}
    assert [key(by_id[a.id]) for a in asc] == sorted(key(a) for a in corpus)
    assert [key(by_id[a.id]) for a in desc] == sorted((key(a) for a in corpus), reverse=True)


def test_sort_by_added(desk: Newsdesk, corpus: list[Article]) -> None:
    items = desk.library(ArticleQuery(sort="added", order="asc", limit=500)).items
    added = [a.ingested_at for a in items]
    assert None not in added and added == sorted(added)  # type: ignore[type-var]


def test_source_and_date_filters_match_a_reference(desk: Newsdesk, corpus: list[Article]) -> None:
    source = corpus[0].source
    since, until = datetime(2025, 1, 20), datetime(2025, 10, 31)
    page = desk.library(ArticleQuery(source=source, since=since, until=until, limit=500))
    want = [
        a.id
        for a in corpus
        if a.source == source and a.published and epoch(since) <= epoch(a.published) <= epoch(inclusive_until(until))
    ]
    assert 0 < page.total == len(want) < N
    assert {a.id for a in page.items} == set(want)


@pytest.mark.parametrize("q", ["protesters", "Daily Ledg", "harbour unknownword"])
def test_search_matches_title_source_and_text_like_a_reference(desk: Newsdesk, corpus: list[Article], q: str) -> None:
    page = desk.library(ArticleQuery(q=q, limit=500))
    assert {a.id for a in page.items} == {a.id for a in corpus if reference_match(a, q)}


def test_search_of_a_title_word_finds_that_article_first_page(desk: Newsdesk, corpus: list[Article]) -> None:
    target = corpus[5]
    page = desk.library(ArticleQuery(q=target.title.split(":")[0], limit=500))
    assert target.id in {a.id for a in page.items}


def test_search_input_is_never_fts_syntax() -> None:
    assert fts_query('harb* OR "x" NEAR(a b) -c') == '"harb" AND "OR" AND "x" AND "NEAR" AND "a" AND "b" AND "c"*'
    assert fts_query("  ,;  ") is None
    expanded = fts_query("troops harb", lambda p: ["harbour", "harbours"])
    assert expanded == '"troops" AND ("harbour" OR "harbours")'
    assert fts_query("harb", lambda p: [f"harb{i}" for i in range(50)]) == '"harb"*'  # too many: a prefix query
    db = sqlite3.connect(":memory:")  # and FTS5 itself parses each form (the fuzzer found '"2" ("j" OR "ja")' did not)
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    db.execute("INSERT INTO t VALUES ('troops left the harbours')")
    for q in (expanded, fts_query('harb* OR "x"'), fts_query("troops harbours")):
        db.execute("SELECT count(*) FROM t WHERE t MATCH ?", [q]).fetchone()
    assert db.execute("SELECT count(*) FROM t WHERE t MATCH ?", [expanded]).fetchone() == (1,)


def test_sources_are_facets_with_counts_and_date_ranges(desk: Newsdesk, corpus: list[Article]) -> None:
    facets = {f.source: f for f in desk.sources()}
    assert {s: f.articles for s, f in facets.items()} == dict(Counter(a.source for a in corpus))
    for source, f in facets.items():
        dates = [epoch(a.published) for a in corpus if a.source == source and a.published]
        assert f.first_published is not None and f.last_published is not None
        assert (epoch(f.first_published), epoch(f.last_published)) == (min(dates), max(dates))


def test_catalogue_survives_a_failed_update_and_a_lost_file(
    tmp_path: Path, make_articles: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The articles collection is the commit marker: a catalogue update that fails (a crash between the commit and
    the catalogue write) or a deleted catalogue file is rebuilt from the committed records on the next read."""
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    first, second = make_articles(6, seed=3)[:3], make_articles(6, seed=3)[3:]
    write(d, first)

    def fail(self: Catalogue, records: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Catalogue, "put", fail)
    write(d, second)  # the store's write stands
    monkeypatch.undo()
    assert d.library(ArticleQuery()).total == 6

    d.store.catalogue.close()
    for f in settings.index_dir.glob("catalogue.*"):
        f.unlink()
    fresh = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    assert {a.id for a in fresh.library(ArticleQuery()).items} == {a.id for a in [*first, *second]}


def test_bulk_remove_by_filters_counts_first_then_removes_records_and_chunks(
    tmp_path: Path, make_articles: Any
) -> None:
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    articles = make_articles(40, seed=11)
    write(d, articles)
    source = articles[0].source
    doomed = {a.id for a in articles if a.source == source}
    query = ArticleQuery(source=source)

    dry = d.remove_many(query, dry_run=True)
    assert dry.dry_run and dry.articles == len(doomed) and dry.passages == 2 * len(doomed)
    assert d.store.count_articles() == 40, "a dry run removes nothing"

    done = d.remove_many(query)
    assert set(done.ids) == doomed and done.articles == len(doomed)
    assert d.store.count_articles() == 40 - len(doomed) == d.library(ArticleQuery()).total
    assert d.store.count_chunks() == 2 * (40 - len(doomed))
    assert d.sources() and source not in {f.source for f in d.sources()}
    with pytest.raises(NothingSelected):
        d.remove_many(ArticleQuery())


# ---- the same over HTTP ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(desk: Newsdesk) -> TestClient:
    from app.serve.api.app import create_api

    return TestClient(create_api(desk, desk.settings), raise_server_exceptions=False)


def test_api_pages_with_total_and_next_offset(api: TestClient, corpus: list[Article]) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        body = api.get("/api/articles", params={"limit": 100, "offset": offset}).json()
        assert body["total"] == N and len(body["items"]) <= 100
        seen += [a["id"] for a in body["items"]]
        offset = body["next_offset"]
    assert seen == newest_first(corpus)
    assert len(api.get("/api/articles").json()["items"]) == 50  # the default page, not the whole library


def test_api_filters_and_sort(api: TestClient, corpus: list[Article]) -> None:
    source = corpus[1].source
    body = api.get(
        "/api/articles",
        params={"source": source, "since": "2025-01-15", "until": "2025-10-31", "sort": "title", "order": "asc",
                "limit": 500},
    ).json()  # fmt: skip
    titles = [a["title"] for a in body["items"]]
    assert titles == sorted(titles, key=str.casefold) and {a["source"] for a in body["items"]} == {source}
    assert body["total"] == len(titles) > 0
    q = api.get("/api/articles", params={"q": "protesters", "limit": 500}).json()
    assert q["total"] == sum(reference_match(a, "protesters") for a in corpus)


@pytest.mark.parametrize(
    "params",
    [{"limit": 501}, {"limit": -1}, {"offset": -1}, {"sort": "chunks"}, {"order": "up"}, {"since": "-1"},
     {"until": "yesterday"}, {"offset": 2**63}, {"offset": MAX_OFFSET + 1}, {"limit": 2**64}],
)  # fmt: skip
def test_api_rejects_bad_list_parameters(api: TestClient, params: dict[str, Any]) -> None:
    r = api.get("/api/articles", params=params)
    assert r.status_code == 422 and r.json()["error"]["type"] == "invalid_request"


def test_api_sources(api: TestClient, corpus: list[Article]) -> None:
    facets = api.get("/api/sources").json()
    assert {f["source"]: f["articles"] for f in facets} == dict(Counter(a.source for a in corpus))
    # D11: one date-time convention in both listings (UTC, ISO 8601 ending in Z), the same instants
    items = api.get("/api/articles", params={"limit": 500}).json()["items"]
    stamps = [a["published"] for a in items if a["published"]] + [f["first_published"] for f in facets]
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", t) for t in stamps)
    dated = {a.id: a.published for a in corpus if a.published}
    assert all(epoch(datetime.fromisoformat(a["published"])) == epoch(dated[a["id"]]) for a in items if a["published"])


def test_api_bulk_remove_dry_run_then_remove(tmp_path: Path, make_articles: Any) -> None:
    from app.serve.api.app import create_api

    settings = Settings(_env_file=None, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    articles = make_articles(12, seed=5)
    write(d, articles)
    c = TestClient(create_api(d, settings), raise_server_exceptions=False)
    ids = [a.id for a in articles[:3]]
    dry = c.post("/api/articles/remove", json={"ids": ids, "dry_run": True}).json()
    assert (dry["articles"], dry["passages"], dry["dry_run"]) == (3, 6, True)
    assert c.get("/api/articles").json()["total"] == 12
    done = c.post("/api/articles/remove", json={"ids": ids}).json()
    assert sorted(done["ids"]) == sorted(ids) and c.get("/api/articles").json()["total"] == 9
    refused = c.post("/api/articles/remove", json={})
    assert refused.status_code == 400 and "say which articles" in refused.json()["error"]["message"]
    assert c.get("/api/articles").json()["total"] == 9
    left = [a.id for a in articles[3:8]]
    for loose in ("false", "true", "yes", "no", 1, 0, None):  # only a JSON boolean decides a destructive call
        r = c.post("/api/articles/remove", json={"ids": left, "dry_run": loose})
        assert r.status_code == 422 and "dry_run" in r.text, (loose, r.text)
    assert c.get("/api/articles").json()["total"] == 9


def test_offset_past_the_bound_is_refused_and_the_store_never_overflows(desk: Newsdesk) -> None:
    with pytest.raises(ValidationError):
        ArticleQuery(offset=MAX_OFFSET + 1)
    page = desk.library(ArticleQuery().model_copy(update={"offset": 2**70}))  # a door that skipped validation
    assert page.items == [] and page.next_offset is None
    assert desk.library(ArticleQuery(offset=MAX_OFFSET)).items == []


# ---- the CLI --------------------------------------------------------------------------------------------------------


runner = CliRunner()


def test_cli_articles_pages_searches_and_filters(
    desk: Newsdesk, corpus: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    for huge in ("99999999999999999999", str(MAX_OFFSET + 1)):
        r = runner.invoke(cli.cli, ["articles", "--offset", huge])
        assert r.exit_code == cli.EXIT_USAGE and isinstance(r.exception, SystemExit), (huge, r.output, r.exception)
    r = runner.invoke(cli.cli, ["articles", "--limit", "10", "--offset", "10", "--json"])
    body = json.loads(r.stdout)
    assert r.exit_code == 0 and [a["id"] for a in body["items"]] == newest_first(corpus)[10:20]
    assert body["total"] == N and body["next_offset"] == 20
    source = corpus[2].source
    r = runner.invoke(cli.cli, ["articles", "--source", source, "--sort", "title", "--asc", "--limit", "500", "--json"])
    assert {a["source"] for a in json.loads(r.stdout)["items"]} == {source}
    text = runner.invoke(cli.cli, ["articles", "--search", "protesters", "--limit", "5"]).stdout
    assert f"1-5 of {sum(reference_match(a, 'protesters') for a in corpus)} articles" in text
    assert runner.invoke(cli.cli, ["articles", "--sort", "chunks"]).exit_code == cli.EXIT_USAGE
    facets = json.loads(runner.invoke(cli.cli, ["sources", "--json"]).stdout)
    assert sum(f["articles"] for f in facets) == N


def test_cli_remove_many_by_filter_needs_yes_and_by_ids(
    tmp_path: Path, make_articles: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    articles = make_articles(20, seed=9)
    write(d, articles)
    monkeypatch.setattr(cli, "_desk", lambda **_: d)
    source = articles[0].source
    n = sum(a.source == source for a in articles)

    shown = runner.invoke(cli.cli, ["remove", "--source", source])  # no terminal to confirm on: usage error
    assert shown.exit_code == cli.EXIT_USAGE and f"would remove {n} articles ({2 * n} passages)" in shown.stderr
    assert "confirmation needed" in shown.stderr and "--yes" in shown.stderr and d.store.count_articles() == 20
    dry = runner.invoke(cli.cli, ["remove", "--source", source, "--dry-run", "--json"])
    assert json.loads(dry.stdout)["articles"] == n and d.store.count_articles() == 20

    gone = runner.invoke(cli.cli, ["remove", "--source", source, "--yes", "--json"])
    assert gone.exit_code == 0 and json.loads(gone.stdout)["articles"] == n
    assert d.store.count_articles() == 20 - n

    left = [a.id for a in articles if a.source != source][:2]
    two = runner.invoke(cli.cli, ["remove", *left, "nope"])
    assert two.exit_code == cli.EXIT_ERROR and "no article with id nope" in two.stderr
    assert d.store.count_articles() == 20 - n - 2
    assert runner.invoke(cli.cli, ["remove"]).exit_code == cli.EXIT_USAGE


def test_bulk_remove_is_a_guarded_write_like_every_other(tmp_path: Path, make_articles: Any) -> None:
    """The token and the same-origin rule of writes hold for POST /api/articles/remove, dry run included; the
    listing and the facets stay open reads on loopback."""
    from pydantic import SecretStr

    from app.serve.api.app import create_api

    settings = Settings(_env_file=None, index_dir=tmp_path / "index", api_token=SecretStr("s3cret"))  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    write(d, make_articles(4, seed=13))
    c = TestClient(create_api(d, settings), raise_server_exceptions=False)
    body = {"source": d.sources()[0].source}
    assert c.post("/api/articles/remove", json={**body, "dry_run": True}).status_code == 401
    assert c.post("/api/articles/remove", json=body).status_code == 401
    evil = c.post("/api/articles/remove", json=body, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403 and d.store.count_articles() == 4  # a foreign page, without the token
    auth = {"Authorization": "Bearer s3cret"}
    assert c.get("/api/articles").status_code == 200 and c.get("/api/sources").status_code == 200
    assert c.post("/api/articles/remove", json=body, headers=auth).json()["articles"] >= 1


def test_briefing_picker_offers_what_the_search_finds_and_keeps_the_chosen(
    desk: Newsdesk, corpus: list[Article]
) -> None:
    from app.serve.web.library import PICKER_ROWS, LibraryHandlers

    kept = corpus[7]
    update = LibraryHandlers(desk).picker("protesters", [kept.id])
    ids = [value for _, value in update.choices]
    assert kept.id in ids and update.value == [kept.id]
    found = [a.id for a in desk.library(ArticleQuery(q="protesters", limit=PICKER_ROWS)).items]
    assert set(found) <= set(ids) and len(ids) <= PICKER_ROWS + 1


# ---- D6: one `until` rule at every door -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def day_desk(tmp_path_factory: pytest.TempPathFactory, make_articles: Any) -> tuple[Newsdesk, dict[str, str]]:
    """Three articles around 21 Nov 2026: the day before, that day at 15:30, the next day at midnight."""
    settings = Settings(_env_file=None, index_dir=tmp_path_factory.mktemp("days") / "index")  # type: ignore[call-arg]
    d = Newsdesk(settings, embeddings=HashEmbeddings())  # type: ignore[arg-type]
    times = {"before": "2026-11-20T10:00:00", "that_day": "2026-11-21T15:30:00", "next": "2026-11-22T00:00:00"}
    articles = [
        a.model_copy(update={"published": datetime.fromisoformat(t)})
        for a, t in zip(make_articles(3, seed=21), times.values(), strict=True)
    ]
    write(d, articles)
    return d, {name: a.id for name, a in zip(times, articles, strict=True)}


def test_inclusive_until_reads_a_bare_date_as_the_whole_day() -> None:
    assert inclusive_until(datetime(2026, 11, 21)) == datetime(2026, 11, 21, 23, 59, 59, 999999)
    assert inclusive_until(datetime(2026, 11, 21, 12, 0)) == datetime(2026, 11, 21, 12, 0)  # an instant stays


def test_until_a_date_includes_that_day_at_every_door(
    day_desk: tuple[Newsdesk, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.brief.pipeline import in_period
    from app.serve.api.app import create_api
    from app.serve.web import format as fmt
    from app.serve.web.library import query_from
    from app.store.records import chunk_where

    d, ids = day_desk
    want = {ids["that_day"]}
    day = datetime(2026, 11, 21)
    # the catalogue (library, remove) and the Chroma filter (search, ask, /v1)
    assert {a.id for a in d.library(ArticleQuery(since=day, until=day)).items} == want
    assert {a.id for a in d.library(ArticleQuery(until=datetime(2026, 11, 21, 15, 0))).items} == {ids["before"]}
    bound = chunk_where(SearchFilters(until=day))
    assert bound == {"published_ts": {"$lte": epoch(datetime(2026, 11, 21, 23, 59, 59))}}
    # briefings use the same rule
    assert in_period(datetime(2026, 11, 21, 15, 30), day, day)
    assert not in_period(datetime(2026, 11, 22, 0, 0, 1), day, day)
    # /api: the listing, the bulk removal's count
    c = TestClient(create_api(d, d.settings), raise_server_exceptions=False)
    listed = c.get("/api/articles", params={"since": "2026-11-21", "until": "2026-11-21"}).json()
    assert {a["id"] for a in listed["items"]} == want
    dry = c.post("/api/articles/remove", json={"since": "2026-11-21", "until": "2026-11-21", "dry_run": True})
    assert dry.json()["articles"] == 1
    found = c.post("/api/search", json={"query": "the", "k": 10, "filters": {"until": "2026-11-21"}}).json()
    assert {p["article_id"] for p in found} == {ids["before"], ids["that_day"]}  # search, ask and /v1 filters
    # the CLI: articles, remove --dry-run
    monkeypatch.setattr(cli, "_desk", lambda **_: d)
    r = runner.invoke(cli.cli, ["articles", "--since", "2026-11-21", "--until", "2026-11-21", "--json"])
    assert {a["id"] for a in json.loads(r.stdout)["items"]} == want
    r = runner.invoke(cli.cli, ["remove", "--until", "2026-11-21", "--dry-run", "--json"])
    assert json.loads(r.stdout)["articles"] == 2 and d.store.count_articles() == 3
    # the web pickers: a date-only picker sends a bare date or the day's midnight
    for picked in ("2026-11-21", "2026-11-21 00:00:00"):
        q = query_from(None, None, "2026-11-21", picked, None, None)
        assert {a.id for a in d.library(q).items} == want
        assert fmt.parse_date(picked, end_of_day=True) == inclusive_until(day)
