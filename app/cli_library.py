"""The library commands of `newsdesk` (issue 19): `articles` (a page at a time: search, source and date filters,
sort), `sources` (the facets) and `remove` (one, many by ids, or everything a filter matches, counted first)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from app.cli_io import EXIT_ERROR, EXIT_USAGE, JsonOpt, date_text, err, out, print_json
from app.store.catalogue import DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, SORTS, ArticleQuery

if TYPE_CHECKING:
    from app.services import Newsdesk
    from app.store.catalogue import Removal

SortOpt = Annotated[str, typer.Option("--sort", help="published, added, title or source.")]


def _query(
    search: str | None, source: str | None, since: datetime | None, until: datetime | None, ids: list[str] | None = None
) -> ArticleQuery:
    return ArticleQuery(q=search, source=source, since=since, until=until, ids=ids or None, limit=0)


def _sort(sort: str) -> Any:
    if sort not in SORTS:
        raise typer.BadParameter(f"--sort must be one of {', '.join(SORTS)}")
    return sort


def _remove_one(desk: Newsdesk, article_id: str, as_json: bool) -> None:
    removed = desk.remove(article_id)
    if as_json:
        print_json({"id": article_id, "removed": removed})
    elif removed:
        out.print(f"removed {article_id}")
    else:
        err.print(f"[red]error[/] no article with id {article_id}")
    if not removed:
        raise typer.Exit(EXIT_ERROR)


def _confirmed(newsdesk: Newsdesk, query: ArticleQuery, counted: Removal) -> Removal:
    """Removal by filters without --yes: ask on a terminal; without one, remove nothing and exit 2 (usage)."""
    what = f"{counted.articles} articles ({counted.passages} passages)"
    if not sys.stdin.isatty():
        err.print(f"[red]error[/] confirmation needed: this would remove {what}; add --yes to remove them")
        raise typer.Exit(EXIT_USAGE)
    if not typer.confirm(f"Remove {what}?", default=False, err=True):
        err.print("nothing removed")
        raise typer.Exit(EXIT_USAGE)
    return newsdesk.remove_many(query)


def register(cli: typer.Typer, desk: Callable[[], Newsdesk]) -> None:
    """Add the library commands to `cli`; `desk()` builds the Newsdesk of the command's settings."""

    @cli.command()
    def articles(
        search: Annotated[str | None, typer.Option("--search", "-s", help="Words in title, source or text.")] = None,
        source: Annotated[str | None, typer.Option(help="Only this source (see `newsdesk sources`).")] = None,
        since: Annotated[datetime | None, typer.Option(help="Published on/after (ISO date).")] = None,
        until: Annotated[datetime | None, typer.Option(help="Published on/before (ISO date).")] = None,
        sort: SortOpt = "published",
        asc: Annotated[bool, typer.Option("--asc", help="Ascending (default: descending).")] = False,
        limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Articles per page.")] = DEFAULT_PAGE,
        offset: Annotated[
            int, typer.Option(min=0, max=MAX_OFFSET, help="Articles to skip (a page's next_offset).")
        ] = 0,
        as_json: JsonOpt = False,
    ) -> None:
        """List indexed articles, a page at a time: search, filter by source or dates, sort."""
        query = _query(search, source, since, until).model_copy(
            update={"sort": _sort(sort), "order": "asc" if asc else "desc", "limit": limit, "offset": offset}
        )
        page = desk().library(query)
        if as_json:
            print_json(page)
            return
        table = Table("id", "title", "source", "published", "chunks")
        for a in page.items:
            table.add_row(a.id, escape(a.title), escape(a.source), date_text(a.published), str(a.chunks))
        out.print(table)
        shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "none"
        more = f"; next page: --offset {page.next_offset}" if page.next_offset is not None else ""
        out.print(f"{shown} of {page.total} articles{more}")

    @cli.command()
    def sources(as_json: JsonOpt = False) -> None:
        """List the library's sources with their article counts and published date ranges."""
        facets = desk().sources()
        if as_json:
            print_json(facets)
            return
        table = Table("source", "articles", "first published", "last published")
        for f in facets:
            table.add_row(escape(f.source), str(f.articles), date_text(f.first_published), date_text(f.last_published))
        out.print(table)

    @cli.command()
    def remove(
        article_ids: Annotated[list[str] | None, typer.Argument(help="Article ids (see `newsdesk articles`).")] = None,
        search: Annotated[str | None, typer.Option("--search", "-s", help="Articles with these words.")] = None,
        source: Annotated[str | None, typer.Option(help="Articles of this source.")] = None,
        since: Annotated[datetime | None, typer.Option(help="Published on/after (ISO date).")] = None,
        until: Annotated[datetime | None, typer.Option(help="Published on/before (ISO date).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be removed.")] = False,
        yes: Annotated[
            bool, typer.Option("--yes", "-y", help="Remove what the filters match without a dry run.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Delete articles with all their chunks: by ids, or every article a search/source/date filter matches.

        Removing by filters shows the count and asks first (on a terminal); without a terminal it needs --yes."""
        newsdesk = desk()
        query = _query(search, source, since, until, article_ids)
        by_filter = bool(search or source or since or until)
        if article_ids and len(article_ids) == 1 and not by_filter and not dry_run:
            _remove_one(newsdesk, article_ids[0], as_json)
            return
        if not query.filtered():
            err.print("[red]error[/] name the articles to remove: ids, --search, --source, --since or --until")
            raise typer.Exit(EXIT_USAGE)
        confirm = by_filter and not yes and not dry_run
        result = newsdesk.remove_many(query, dry_run=dry_run or confirm)
        if confirm and result.articles:
            result = _confirmed(newsdesk, query, result)
        if as_json:
            print_json(result)
        elif result.dry_run:
            out.print(f"would remove {result.articles} articles ({result.passages} passages)")
        else:
            for i in result.ids:
                out.print(f"removed {i}")
            out.print(f"removed {result.articles} articles ({result.passages} passages)")
        missing = sorted(set(article_ids or []) - set(result.ids))
        for i in missing:
            err.print(f"[red]error[/] no article with id {i}")
        if missing or not result.articles:
            raise typer.Exit(EXIT_ERROR)
