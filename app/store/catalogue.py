"""The article catalogue: one row per committed article in a SQLite file beside the index, for the library's
search, filters, sort, paging and source facets at the scale users bring (issue 19).

Chroma's `get` filters but cannot sort or count cheaply, and listing 10,000 article records means reading every
record's metadata (with its sentence spans). The catalogue keeps what a listing shows, indexed for each sort, plus
an FTS5 index of title, source and text, so a page is one indexed query.

It is derived data: the articles collection stays the commit marker. The store updates the catalogue after it
commits an article and before it un-commits one, and `sync()` reconciles it with the committed ids whenever the
store's write marker moved (any process's write, a crash between the two steps, an index written by another tool),
so the catalogue never lists an article the store does not hold for longer than one reconcile.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.errors import NewsdeskError
from app.models import ArticleInfo, IsoDateTime, UtcDateTime, inclusive_until
from app.store.records import epoch, info_from_metadata

log = logging.getLogger(__name__)

FILE_NAME = "catalogue.sqlite3"
SCHEMA_VERSION = 2
MAX_PAGE = 500
"""Largest page a caller may ask for: a page is for reading, a bulk action goes by filters."""
DEFAULT_PAGE = 50
MAX_OFFSET = 10**9
"""Largest offset a caller may ask for: far past any library, and well inside SQLite's 64-bit integers (a larger one
raised OverflowError, a 500 at the API and a traceback at the CLI)."""
WALK_MIN_MATCHES = 1000
"""From this many matches a page walks the sort's index; below, the matches are fetched and sorted (cheaper)."""
SERVER_SYNC_SECONDS = 5.0
"""Server mode has no cheap write marker: other clients' writes show in the catalogue within this many seconds."""
QUERY_WORDS = 12
"""Words of a search used: more adds nothing a reader can tell apart, and bounds the FTS query."""
PREFIX_TERMS = 12
"""A last word that starts at most this many indexed terms is searched as those terms (exact, cheap); a shorter,
more open prefix stays an FTS5 prefix query."""

Sort = Literal["published", "added", "title", "source"]
Order = Literal["asc", "desc"]
SORTS: tuple[str, ...] = ("published", "added", "title", "source")
_ORDER_COLUMNS: dict[str, str] = {
    "published": "published_ts",
    "added": "added_ts",
    "title": "title_key",
    "source": "source_key",
}
_WORD = re.compile(r"\w+", re.UNICODE)


class NothingSelected(NewsdeskError):
    """A bulk action named no articles (no ids, no search, no filter)."""


class ArticleQuery(BaseModel):
    """Which articles, in which order, which page: the library's one query (API, CLI, web)."""

    q: str | None = Field(None, max_length=500, description="Words that must all appear in title, source or text.")
    source: str | None = Field(None, max_length=200, description="Only this source (exact).")
    since: IsoDateTime | None = Field(None, description="Published on/after.")
    until: IsoDateTime | None = Field(None, description="Published on/before.")
    ids: list[str] | None = Field(None, description="Only these article ids.")
    sort: Sort = Field("published", description="published, added, title or source.")
    order: Order = Field("desc", description="asc or desc; undated articles come last either way.")
    limit: int = Field(DEFAULT_PAGE, ge=0, le=MAX_PAGE, description="Articles per page (0: only the count).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Articles skipped before this page.")

    def filtered(self) -> bool:
        """Whether any filter narrows the library (a bulk removal without one is refused)."""
        return bool((self.q and _words(self.q)) or self.source or self.since or self.until or self.ids is not None)


class ArticlePage(BaseModel):
    """One page of the library and how many articles match in all."""

    items: list[ArticleInfo]
    total: int = Field(description="Articles matching the query (all pages).")
    offset: int
    limit: int
    next_offset: int | None = Field(None, description="Offset of the next page; None on the last one.")
    passages: int | None = Field(None, description="Passages (chunks) of all matching articles, when counted.")


class Removal(BaseModel):
    """What a bulk removal removes (dry run) or removed."""

    dry_run: bool = Field(description="True: nothing was removed; these are the counts a removal would remove.")
    articles: int = Field(description="Articles matched (dry run) or removed.")
    passages: int = Field(description="Their passages (chunks).")
    ids: list[str] = Field(description="Their ids.")


class SourceFacet(BaseModel):
    """A source of the library: how many articles it has and the dates they span."""

    source: str
    articles: int
    first_published: UtcDateTime | None = None
    last_published: UtcDateTime | None = None


def _words(q: str) -> list[str]:
    return _WORD.findall(q)[:QUERY_WORDS]


def fts_query(q: str, expand: Callable[[str], list[str]] | None = None) -> str | None:
    """The user's words as an FTS5 query: every word must match, the last one as a prefix (typing 'harb' finds
    'harbour'); quoted, so FTS5 operators in user input are plain words. `expand(prefix)` lists the indexed terms
    that start with the last word: a few of them are ORed as exact terms, which costs a fraction of a prefix query."""
    words = [w.replace('"', "") for w in _words(q)]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    terms = expand(words[-1]) if expand else []
    if 0 < len(terms) <= PREFIX_TERMS:
        quoted[-1] = "(" + " OR ".join(f'"{t}"' for t in terms) + ")" if len(terms) > 1 else f'"{terms[0]}"'
    else:
        quoted[-1] += "*"
    return " AND ".join(quoted)  # explicit: FTS5 takes no implicit AND before a parenthesised OR


def _fold(word: str) -> str:
    """A word as the unicode61 tokenizer indexes it (case folded, diacritics removed)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_NULLABLE = {"published_ts", "added_ts"}


def _order(sort: str, order: str) -> str:
    """The ORDER BY of a sort: undated (NULL) last in both directions, ties by title then id so pages never overlap
    or skip. Each has an index of exactly these terms (`_SCHEMA`), so a page is an index walk, not a sort of all rows."""
    column, direction = _ORDER_COLUMNS[sort], "DESC" if order == "desc" else "ASC"
    head = f"{column} IS NULL, " if column in _NULLABLE else ""
    tail = "id" if column == "title_key" else "title_key, id"
    return f"{head}{column} {direction}, {tail}"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL, title_key TEXT NOT NULL,
    source TEXT NOT NULL, source_key TEXT NOT NULL,
    url TEXT, author TEXT,
    published TEXT, published_ts INTEGER,
    ingested_at TEXT, added_ts REAL,
    chunks INTEGER NOT NULL, chars INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_source ON articles (source, published_ts);
CREATE INDEX IF NOT EXISTS articles_chunks ON articles (chunks);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    title, source, text, tokenize = 'unicode61 remove_diacritics 2', detail = none
);
""" + "".join(
    f"CREATE INDEX IF NOT EXISTS articles_by_{sort}_{order} ON articles ({_order(sort, order)});\n"
    for sort in _ORDER_COLUMNS
    for order in ("asc", "desc")
)

_COLUMNS = "id, title, source, url, author, published, chunks, chars, ingested_at"


def _row(article_id: str, text: str, meta: dict[str, Any]) -> tuple[dict[str, Any], str]:
    info = info_from_metadata(article_id, meta)
    published_ts = meta.get("published_ts")
    if published_ts is None and info.published is not None:
        published_ts = epoch(info.published)
    return {
        "id": info.id,
        "title": info.title,
        "title_key": info.title.casefold(),
        "source": info.source,
        "source_key": info.source.casefold(),
        "url": info.url,
        "author": info.author,
        "published": meta.get("published"),
        "published_ts": published_ts,
        "ingested_at": meta.get("ingested_at"),
        "added_ts": info.ingested_at.timestamp() if info.ingested_at else None,
        "chunks": info.chunks,
        "chars": info.chars,
    }, text


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _info(row: sqlite3.Row) -> ArticleInfo:
    return ArticleInfo(
        id=row["id"],
        title=row["title"],
        source=row["source"],
        url=row["url"],
        author=row["author"],
        published=_parse(row["published"]),
        chunks=row["chunks"],
        chars=row["chars"],
        ingested_at=_parse(row["ingested_at"]),
    )


Record = tuple[str, str, dict[str, Any]]
"""An article record as the store keeps it: (id, text, metadata)."""


class Catalogue:
    """The SQLite catalogue file of one index; thread-safe (one connection behind a lock), multi-process-safe (WAL,
    and every process reconciles with the store before it reads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses at most the last commits, never corrupts
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):  # an older layout: it is derived data, rebuild it
            self._db.executescript("DROP TABLE IF EXISTS articles; DROP TABLE IF EXISTS articles_fts; VACUUM;")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, 'articles_fts', 'row')")
        self._synced: tuple[Any, float] | None = None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- writes (the store calls these around its commits) ----------------------------------------------------------
    def put(self, records: Iterable[Record]) -> None:
        """Add or replace committed articles, in one transaction."""
        rows = [_row(*r) for r in records]
        if not rows:
            return
        with self._lock, self._transaction():
            self._delete([r["id"] for r, _ in rows])
            for row, text in rows:
                cur = self._db.execute(
                    f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
                )
                self._db.execute(
                    "INSERT INTO articles_fts (rowid, title, source, text) VALUES (?, ?, ?, ?)",
                    (cur.lastrowid, row["title"], row["source"], text),
                )

    def safely(self, step: Callable[[Catalogue], None]) -> None:
        """Run a write hook of the store; when it fails the store's write stands (the articles collection is the
        commit marker) and the next read reconciles the catalogue from the committed records."""
        try:
            step(self)
        except (sqlite3.Error, OSError) as e:
            log.warning("catalogue update failed; it is reconciled on the next read", extra={"error": str(e)})
            self.forget_sync()

    def drop(self, ids: Sequence[str]) -> None:
        """Forget articles (before the store un-commits them)."""
        if not ids:
            return
        with self._lock, self._transaction():
            self._delete(list(ids))

    def set_chunks(self, counts: dict[str, int]) -> None:
        """New passage counts (after a reindex re-chunked the articles)."""
        with self._lock, self._transaction():
            self._db.executemany("UPDATE articles SET chunks = ? WHERE id = ?", [(n, i) for i, n in counts.items()])

    def _delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join("?" * len(part))
            rids = [r[0] for r in self._db.execute(f"SELECT rid FROM articles WHERE id IN ({marks})", part)]
            if rids:
                self._db.executemany("DELETE FROM articles_fts WHERE rowid = ?", [(r,) for r in rids])
                self._db.execute(f"DELETE FROM articles WHERE id IN ({marks})", part)

    def _transaction(self) -> Any:
        db = self._db

        class _Tx:
            def __enter__(self) -> None:
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind: object, *_: object) -> None:
                db.execute("ROLLBACK" if kind else "COMMIT")

        return _Tx()

    # ---- reconcile --------------------------------------------------------------------------------------------------
    def sync(
        self,
        version: Any,
        committed: Callable[[], Iterable[str]],
        fetch: Callable[[Sequence[str]], Iterable[Record]],
    ) -> int:
        """Make the catalogue hold exactly the committed articles; skipped while `version` (the store's write marker)
        is the one last reconciled. `version` None (server mode): at most every SERVER_SYNC_SECONDS. Returns the
        number of rows added or dropped."""
        with self._lock:
            now = time.monotonic()
            if self._synced is not None:
                seen, at = self._synced
                if version is not None and seen == version:
                    return 0
                if version is None and seen is None and now - at < SERVER_SYNC_SECONDS:
                    return 0
            want = set(committed())
            have = {r[0] for r in self._db.execute("SELECT id FROM articles")}
            gone, missing = sorted(have - want), sorted(want - have)
            if gone:
                self.drop(gone)
            for start in range(0, len(missing), 500):
                self.put(fetch(missing[start : start + 500]))
            if gone or missing:
                log.info("catalogue reconciled", extra={"added": len(missing), "dropped": len(gone)})
            self._synced = (version, now)
            return len(gone) + len(missing)

    def forget_sync(self) -> None:
        """Reconcile again on the next read."""
        with self._lock:
            self._synced = None

    # ---- reads ------------------------------------------------------------------------------------------------------
    def _where(self, query: ArticleQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        match = fts_query(query.q, self._terms) if query.q else None
        if match:
            clauses.append("rid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            args.append(match)
        if query.source:
            clauses.append("source = ?")
            args.append(query.source)
        if query.since:
            clauses.append("published_ts >= ?")
            args.append(epoch(query.since))
        if query.until:
            clauses.append("published_ts <= ?")
            args.append(epoch(inclusive_until(query.until)))
        if query.ids is not None:
            ids = list(dict.fromkeys(query.ids))
            clauses.append(f"id IN ({', '.join('?' * len(ids)) or 'NULL'})")
            args += ids
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def _terms(self, prefix: str) -> list[str]:
        """Indexed terms starting with `prefix` (at most PREFIX_TERMS + 1: more means "too many to list")."""
        start = _fold(prefix)
        rows = self._db.execute(
            "SELECT term FROM temp.vocab WHERE term >= ? AND term < ? LIMIT ?",
            (start, start + "\U0010ffff", PREFIX_TERMS + 1),
        )
        return [r[0] for r in rows]

    def page(self, query: ArticleQuery, *, passages: bool = False) -> ArticlePage:
        """The query's page and its total; with `passages`, also the passages of everything it matches (a sum over
        every match: asked for by counts and dry runs, not by each page)."""
        where, args = self._where(query)
        with self._lock:
            if passages:
                total, chunks = self._db.execute(
                    f"SELECT count(*), coalesce(sum(chunks), 0) FROM articles{where}", args
                ).fetchone()
            else:
                total, chunks = self._count(query, where, args), None
            # Many matches: walk the sort's index and stop after the page (left to itself the planner fetches every
            # match of a common word by rowid and sorts them all: 5 ms at 10,000). Few: fetch and sort just those.
            walk = (
                f" INDEXED BY articles_by_{query.sort}_{query.order}" if not where or total >= WALK_MIN_MATCHES else ""
            )
            rows = (
                self._db.execute(
                    f"SELECT {_COLUMNS} FROM articles{walk}{where} ORDER BY {_order(query.sort, query.order)} "
                    "LIMIT ? OFFSET ?",
                    [*args, query.limit, min(query.offset, MAX_OFFSET)],  # model_copy skips the field's bound
                ).fetchall()
                if query.limit and total
                else []
            )
        end = query.offset + len(rows)
        return ArticlePage(
            items=[_info(r) for r in rows],
            total=total,
            offset=query.offset,
            limit=query.limit,
            next_offset=end if end < total and rows else None,
            passages=chunks,
        )

    def _count(self, query: ArticleQuery, where: str, args: list[Any]) -> int:
        only_words = query.q and not (query.source or query.since or query.until or query.ids is not None)
        if only_words and (match := fts_query(query.q or "", self._terms)):  # counted by the FTS index alone
            return int(
                self._db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [match]).fetchone()[0]
            )
        return int(self._db.execute(f"SELECT count(*) FROM articles{where}", args).fetchone()[0])

    def ids(self, query: ArticleQuery) -> list[str]:
        """Every id the query matches (all pages, unordered): what a bulk action acts on."""
        where, args = self._where(query)
        with self._lock:
            return [r[0] for r in self._db.execute(f"SELECT id FROM articles{where}", args)]

    def sources(self) -> list[SourceFacet]:
        """Every source with its article count and published date range, most articles first."""
        with self._lock:
            rows = self._db.execute(  # one walk of the (source, published_ts) index; ordered here
                "SELECT source, count(*), min(published_ts), max(published_ts) FROM articles GROUP BY source"
            ).fetchall()
        rows.sort(key=lambda r: (-r[1], r[0].casefold()))
        return [
            SourceFacet(source=s, articles=n, first_published=_from_ts(lo), last_published=_from_ts(hi))
            for s, n, lo, hi in rows
        ]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])


def _from_ts(ts: int | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None
