"""The Library tab's list (issue 19): search box, source and date filters and sort applied on the server, one page
at a time, multi-select removal behind a confirmation with counts, and an article view opened by clicking a row.
Also the Briefing tab's article finder (the same search, instead of a dropdown of every article).

Builders make the components; `LibraryHandlers` calls the service and formats, nothing more (a thin adapter).
"""

# No `from __future__ import annotations`: gradio reads the callbacks' annotations at runtime.
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.errors import NewsdeskError
from app.models import Article, ArticleInfo, Passage
from app.serve.web import format as fmt
from app.services import Newsdesk
from app.store.catalogue import MAX_OFFSET, ArticlePage, ArticleQuery, SourceFacet

PAGE_ROWS = 25
"""Rows per library page: a screenful, and the unit the 10,000-article benchmark measures (docs/performance.md)."""
PICKER_ROWS = 20
"""Articles a picker offers at once; typing narrows them on the server."""
HEADERS = ["Title", "Source", "Published", "Added", "Passages", "ID"]
SORT_CHOICES = [("Published", "published"), ("Added", "added"), ("Title", "title"), ("Source", "source")]
ORDER_CHOICES = [("Newest / Z→A first", "desc"), ("Oldest / A→Z first", "asc")]
_SORT_COLUMN = {"published": "Published", "added": "Added", "title": "Title", "source": "Source"}
ALL_SOURCES = ""
# Inline, so the view needs no rule in the shared stylesheet: passages alternate shades, each opens with its number.
_SHADES = ("background:#f1efe7;", "background:#e6eef5;")
_BADGE = "font-weight:600;color:#9f1239;margin-right:2px;"


def query_from(
    q: str | None, source: str | None, since: Any, until: Any, sort: str | None, order: str | None, offset: int = 0
) -> ArticleQuery:
    """The form's fields as the store's query (raises ValueError on a bad date, shown as a readable error)."""
    return ArticleQuery(
        q=(q or "").strip() or None,
        source=source or None,
        since=fmt.parse_date(since, field="Published from"),
        until=fmt.parse_date(until, field="Published until", end_of_day=True),
        sort=sort if sort in _SORT_COLUMN else "published",  # type: ignore[arg-type]
        order="asc" if order == "asc" else "desc",
        limit=PAGE_ROWS,
        offset=min(max(0, int(offset or 0)), MAX_OFFSET),
    )


def headers(sort: str, order: str) -> list[str]:
    """Column titles, the sorted one marked with its direction."""
    arrow = " ▲" if order == "asc" else " ▼"
    return [h + arrow if h == _SORT_COLUMN.get(sort) else h for h in HEADERS]


def rows(page: ArticlePage) -> list[list[str | int]]:
    return [
        [a.title, a.source, fmt.format_date(a.published), fmt.format_date(a.ingested_at), a.chunks, a.id]
        for a in page.items
    ]


def page_label(page: ArticlePage, filtered: bool) -> str:
    if not page.total:
        return (
            '<div class="nd-muted" id="nd-lib-count">No article matches.</div>'
            if filtered
            else ('<div class="nd-muted" id="nd-lib-count">The library is empty.</div>')
        )
    first, last = page.offset + 1, page.offset + len(page.items)
    of = "matching" if filtered else "in the library"
    return (
        f'<div class="nd-muted" id="nd-lib-count">Articles {first:,}–{last:,} of <strong>{page.total:,}</strong> {of}'
        "</div>"
    )


def choice_label(a: ArticleInfo) -> str:
    date = fmt.format_date(a.published)
    return f"{a.title} ({date})" if date else a.title


def source_choices(facets: Sequence[SourceFacet]) -> list[tuple[str, str]]:
    """The source filter: every source with its article count and date span."""
    out = [("All sources", ALL_SOURCES)]
    for f in facets:
        span = ""
        if f.first_published and f.last_published:
            lo, hi = fmt.format_date(f.first_published), fmt.format_date(f.last_published)
            span = f", {lo}" if lo == hi else f", {lo} – {hi}"
        out.append((f"{f.source or '(no source)'} ({f.articles:,}{span})", f.source))
    return out


def article_html(article: Article, passages: Sequence[Passage], alternates: Sequence[str]) -> str:
    """An article's metadata, alternate sources and text with its passages marked (numbered, alternating shade)."""
    e = html.escape
    meta = [("Source", article.source), ("Author", article.author or ""), ("Published", fmt.format_date(article.published)),
            ("Added", fmt.format_date(article.ingested_at)), ("Passages", str(len(passages))),
            ("Characters", f"{len(article.text):,}"), ("ID", article.id)]  # fmt: skip
    url = fmt.safe_url(article.url)
    link = f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{e(url)}</a>' if url else ""
    alt = "".join(
        f'<li><a href="{e(u)}" target="_blank" rel="noopener noreferrer">{e(u)}</a></li>'
        for u in alternates
        if fmt.safe_url(u)
    )
    parts = [
        f'<div class="nd-article-view" id="nd-lib-article"><h3>{e(article.title)}</h3>',
        f'<div class="nd-muted">{link}</div>' if link else "",
        "<div class='nd-meta'>"
        + " · ".join(f"<span><strong>{e(k)}</strong> {e(v)}</span>" for k, v in meta if v)
        + "</div>",
        f"<div><strong>Also published at</strong><ul>{alt}</ul></div>" if alt else "",
        '<div class="nd-article-text" style="line-height:1.6;margin-top:8px">',
    ]
    text, at = article.text, 0
    starts = sorted({max(0, min(p.start, len(text))) for p in passages})
    for n, start in enumerate(starts, 1):
        if start > at:
            parts.append(e(text[at:start]))
        end = starts[n] if n < len(starts) else len(text)
        parts.append(
            f'<span class="nd-passage nd-passage-{n % 2}" data-passage="{n}" style="{_SHADES[n % 2]}">'
            f'<sup class="nd-passage-n" style="{_BADGE}">{n}</sup>'
            f"{e(text[start:end])}</span>"
        )
        at = end
    parts.append(e(text[at:]) + "</div></div>")
    return "".join(parts).replace("\n", "<br>")


@dataclass
class LibraryHandlers:
    """The Library tab's list callbacks over one Newsdesk."""

    desk: Newsdesk

    def _page(self, query: ArticleQuery) -> tuple[Any, ...]:
        page = self.desk.library(query)
        filtered = bool(query.q or query.source or query.since or query.until)
        return (
            gr.Dataframe(value=rows(page), headers=headers(query.sort, query.order)),
            page_label(page, filtered),
            gr.CheckboxGroup(choices=[(choice_label(a), a.id) for a in page.items], value=[]),
            gr.Checkbox(value=False, label=f"All {page.total:,} matching articles (every page)"),
            gr.Button(interactive=page.offset > 0),
            gr.Button(interactive=page.next_offset is not None),
            page.offset,
        )

    def first_page(self, q: str, source: str, since: Any, until: Any, sort: str, order: str) -> tuple[Any, ...]:
        return self._page(_readable(query_from, q, source, since, until, sort, order))

    def move(
        self, q: str, source: str, since: Any, until: Any, sort: str, order: str, offset: int, step: int
    ) -> tuple[Any, ...]:
        return self._page(_readable(query_from, q, source, since, until, sort, order, int(offset or 0) + step))

    def prev_page(
        self, q: str, source: str, since: Any, until: Any, sort: str, order: str, offset: int
    ) -> tuple[Any, ...]:
        return self.move(q, source, since, until, sort, order, offset, -PAGE_ROWS)

    def next_page(
        self, q: str, source: str, since: Any, until: Any, sort: str, order: str, offset: int
    ) -> tuple[Any, ...]:
        return self.move(q, source, since, until, sort, order, offset, PAGE_ROWS)

    def facets(self) -> Any:
        return gr.Dropdown(choices=source_choices(self.desk.sources()))

    def view(self, evt: gr.SelectData) -> Any:
        row = evt.row_value
        if not row:
            return gr.skip()
        article_id = str(row[-1])
        article = self.desk.get_article(article_id)
        if article is None:
            return '<div class="nd-muted" id="nd-lib-article">This article is no longer in the library.</div>'
        return article_html(article, self.desk.article_passages(article_id), self.desk.alternate_sources(article_id))

    def _target(
        self, ids: list[str] | None, everything: bool, q: str, source: str, since: Any, until: Any
    ) -> ArticleQuery:
        if everything:
            query = _readable(query_from, q, source, since, until, None, None)
            if not query.filtered():
                raise gr.Error(
                    "To empty the whole library, narrow it first (search, source or dates) or pick articles."
                )
            return query
        if not ids:
            raise gr.Error("Tick the articles to remove first.")
        return ArticleQuery(ids=list(ids))

    def confirm(
        self, ids: list[str] | None, everything: bool, q: str, source: str, since: Any, until: Any
    ) -> tuple[Any, ...]:
        """The dry run: how many articles and passages would go, and the Confirm/Cancel buttons."""
        query = self._target(ids, everything, q, source, since, until)
        counted = self.desk.remove_many(query, dry_run=True)
        if not counted.articles:
            raise gr.Error("Nothing to remove: those articles are no longer in the library.")
        plural = "s" if counted.articles != 1 else ""
        message = (
            f'<div class="nd-confirm" id="nd-lib-confirm-text">Remove <strong>{counted.articles:,} article{plural}</strong>'
            f" and their <strong>{counted.passages:,} passages</strong> from the library? This cannot be undone.</div>"
        )
        return gr.Column(visible=True), message, query.model_dump(mode="json")

    def remove(self, pending: dict[str, Any] | None) -> tuple[Any, ...]:
        if not pending:
            raise gr.Error("Nothing to remove.")
        done = self.desk.remove_many(ArticleQuery.model_validate(pending))
        gr.Info(f"Removed {done.articles:,} article(s) and {done.passages:,} passages.")
        return gr.Column(visible=False), "", None

    @staticmethod
    def cancel() -> tuple[Any, ...]:
        return gr.Column(visible=False), "", None

    # ---- the Briefing tab's article finder ----------------------------------------------------
    def picker(self, text: str, chosen: list[str] | None) -> Any:
        """Choices for an article picker: the articles matching `text` (newest first), plus those already chosen."""
        chosen = [c for c in chosen or [] if c]
        found = self.desk.library(ArticleQuery(q=(text or "").strip() or None, limit=PICKER_ROWS))
        keep = self.desk.library(ArticleQuery(ids=chosen, limit=len(chosen))).items if chosen else []
        items = {a.id: a for a in [*keep, *found.items]}
        return gr.Dropdown(choices=[(choice_label(a), a.id) for a in items.values()], value=chosen)


def tick() -> str:
    """A fresh value for the hidden refresh trigger: any change to it reloads the list (after ingest, removal…)."""
    return str(time.time_ns())


def _readable(fn: Any, *args: Any) -> ArticleQuery:
    try:
        query: ArticleQuery = fn(*args)
    except (ValueError, NewsdeskError) as e:
        raise gr.Error(str(e)) from None
    return query


def build_list(desk: Newsdesk) -> tuple[gr.Textbox, Any]:
    """The library list with its filters, paging, removal and article view. Returns the hidden refresh trigger (a
    new value reloads the list and the source facets) and the removal event (the caller chains its refreshes)."""
    h = LibraryHandlers(desk)
    with gr.Row(equal_height=True, elem_classes="nd-lib-filters"):
        q = gr.Textbox(label="Search", placeholder="Title, source or text…", scale=3, elem_id="nd-lib-search")
        source = gr.Dropdown([("All sources", ALL_SOURCES)], value=ALL_SOURCES, label="Source", scale=2,
                             elem_id="nd-lib-source")  # fmt: skip
        since = gr.DateTime(label="Published from", include_time=False, type="string", scale=1, elem_id="nd-lib-since")
        until = gr.DateTime(label="Published until", include_time=False, type="string", scale=1, elem_id="nd-lib-until")
    with gr.Row(equal_height=True):
        sort = gr.Dropdown(SORT_CHOICES, value="published", label="Sort by", scale=1, elem_id="nd-lib-sort")
        order = gr.Radio(ORDER_CHOICES, value="desc", label="Order", scale=2, elem_id="nd-lib-order")
        search_btn = gr.Button("Search", scale=0, min_width=100, elem_id="nd-lib-go")
    count = gr.HTML(elem_id="nd-lib-count-box")
    table = gr.Dataframe(
        headers=HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="nd-library",
        column_widths=["36%", "14%", "12%", "12%", "9%", "17%"],
        max_height=620,
    )
    with gr.Row():
        prev_btn = gr.Button("← Previous", size="sm", interactive=False, elem_id="nd-lib-prev")
        next_btn = gr.Button("Next →", size="sm", interactive=False, elem_id="nd-lib-next")
    offset = gr.State(0)
    with gr.Accordion("Select articles to remove", open=False, elem_id="nd-lib-select-box"):
        picked = gr.CheckboxGroup([], label="On this page", elem_id="nd-lib-select")
        everything = gr.Checkbox(False, label="All matching articles (every page)", elem_id="nd-lib-all")
        remove_btn = gr.Button("Remove selected…", variant="stop", size="sm", elem_id="nd-lib-remove")
        with gr.Column(visible=False) as confirm_box:
            confirm_text = gr.HTML()
            with gr.Row():
                confirm_btn = gr.Button("Confirm removal", variant="stop", size="sm", elem_id="nd-lib-confirm")
                cancel_btn = gr.Button("Cancel", size="sm", elem_id="nd-lib-cancel")
    pending = gr.State(None)
    view = gr.HTML('<div class="nd-muted">Click an article to read it with its passages marked.</div>',
                   elem_id="nd-lib-view")  # fmt: skip
    refresh = gr.Textbox(visible=False)

    filters = [q, source, since, until, sort, order]
    listed = [table, count, picked, everything, prev_btn, next_btn, offset]
    private: dict[str, Any] = {"api_visibility": "private"}
    for trigger in (q.submit, search_btn.click, source.input, since.change, until.change, sort.input, order.input):
        trigger(h.first_page, inputs=filters, outputs=listed, **private)
    refresh.change(h.first_page, inputs=filters, outputs=listed, **private).then(h.facets, outputs=[source], **private)
    prev_btn.click(h.prev_page, inputs=[*filters, offset], outputs=listed, **private)
    next_btn.click(h.next_page, inputs=[*filters, offset], outputs=listed, **private)
    table.select(h.view, outputs=[view], **private)
    selection = [picked, everything, q, source, since, until]
    remove_btn.click(h.confirm, inputs=selection, outputs=[confirm_box, confirm_text, pending], **private)
    removed = confirm_btn.click(h.remove, inputs=[pending], outputs=[confirm_box, confirm_text, pending], **private)
    cancel_btn.click(h.cancel, outputs=[confirm_box, confirm_text, pending], **private)
    return refresh, removed


def status_line(backend_label: str, page: ArticlePage) -> str:
    """The masthead's line: which engine answers and how much is indexed (counted by the catalogue, not a list)."""
    n = page.total
    return (
        f'<div class="nd-status"><span class="nd-dot"></span>Answering with <strong>{html.escape(backend_label)}</strong>'
        f'<span class="nd-sep">|</span>{n:,} article{"s" if n != 1 else ""} · {page.passages or 0:,} passages indexed</div>'
    )


def counts(desk: Newsdesk) -> ArticlePage:
    """The library's size (total and passages) without listing it."""
    return desk.library(ArticleQuery(limit=0), passages=True)


def picker_first_page(desk: Newsdesk) -> Any:
    """An article picker's choices before anything is typed: the newest articles."""
    return gr.Dropdown(choices=[(choice_label(a), a.id) for a in desk.library(ArticleQuery(limit=PICKER_ROWS)).items])


def build_finder(desk: Newsdesk, picker: gr.Dropdown) -> None:
    """A search box above an article picker: the picker offers what the search finds (on the server)."""
    h = LibraryHandlers(desk)
    find = gr.Textbox(label="Find articles", placeholder="Words in the title, source or text…", elem_id="nd-brief-find")
    find.change(h.picker, inputs=[find, picker], outputs=[picker], api_visibility="private", trigger_mode="always_last")
