"""/api/articles: ingest pasted text, a URL or uploaded files (through the Newsdesk readers), list, get and remove."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.ingest.formats import LoadError
from app.models import Article, IngestError, IngestNote, IngestReport, iso_date_only
from app.serve import security
from app.serve.api.context import ApiContext
from app.serve.api.errors import NOT_FOUND, ApiError
from app.serve.api.schemas import ARTICLE_BODY, ArticleCreate, BulkRemove, RemoveResult
from app.services import add_notes
from app.store.catalogue import MAX_OFFSET, MAX_PAGE, ArticlePage, ArticleQuery, Order, Removal, Sort, SourceFacet

WORD = re.compile(r"[^\W\d_]{2,}")
"""At least one word of two letters: text that is only digits, symbols or escape codes is not an article."""
ONE_ARTICLE_SUFFIXES = (".txt", ".md", ".markdown")
"""Upload types that hold one article's text, so their size is bounded by the article character limit."""
MAX_UTF8_BYTES_PER_CHAR = 4
"""A text file over limit x 4 bytes is over the character limit whatever its encoding: refused before parsing."""
UPLOAD_FIELDS = ("file", "files")
MAX_FORM_FIELDS = 20
"""Multipart fields besides the files; a form with more is not one of ours."""


def check_articles(articles: list[Article], what: str, max_chars: int) -> list[Article]:
    """400 when nothing article-like was read, 413 when an article is over the character limit."""
    if not articles:
        raise ApiError(400, "bad_input", f"{what}: no article text found")
    for a in articles:
        if not WORD.search(a.text):
            raise ApiError(400, "bad_input", f"{what}: no words in the article text")
        if len(a.text) > max_chars:
            raise ApiError(
                413,
                "payload_too_large",
                f"{what}: article text has {len(a.text)} characters, over the {max_chars} limit",
            )
    return articles


def commit(api: ApiContext, articles: list[Article]) -> IngestReport:
    """Index under the write lock; a report with only errors is the caller's 400."""
    report = api.write(lambda: api.desk.ingest_articles(articles))
    if report.errors and not (report.added or report.replaced or report.unchanged):
        raise ApiError(400, "bad_input", "; ".join(f"{e.input}: {e.error}" for e in report.errors))
    return report


def ingest_json(api: ApiContext, body: ArticleCreate) -> IngestReport:
    """Pasted text or a URL; read (fetched) outside the lock, then indexed."""
    limit = api.settings.api_max_article_chars
    if body.url is not None:
        return ingest_url(api, body.url.strip(), limit)
    assert body.text is not None
    if len(body.text) > limit:
        raise ApiError(413, "payload_too_large", f"text has {len(body.text)} characters, over the {limit} limit")
    article = api.desk.read_text(body.text, title=body.title, source=body.source)
    return commit(api, check_articles([article], "text", limit))


def ingest_url(api: ApiContext, url: str, limit: int) -> IngestReport:
    """A page, or a feed's items (issue 16): a failed item or a feed-text caveat is a line of the report."""
    errors: list[LoadError] = []
    notes: list[IngestNote] = []
    articles = api.desk.read_url(url, errors=errors, notes=notes)
    if errors and not articles:
        raise ApiError(400, "bad_input", "; ".join(str(e) for e in errors))
    report = commit(api, check_articles(articles, url, limit))
    report.errors[:0] = [IngestError(input=e.input, error=e.message) for e in errors]
    add_notes(report, notes)
    return report


def ingest_files(api: ApiContext, files: list[tuple[str | None, bytes]]) -> IngestReport:
    """Validate every upload (type, size), parse them all in memory, then index them; any bad file rejects the request."""
    s = api.settings
    if not files:
        raise ApiError(400, "bad_input", "no file in the upload (use the form field 'file')")
    if len(files) > s.max_upload_files:
        raise ApiError(413, "payload_too_large", f"{len(files)} files, over the {s.max_upload_files}-file limit")
    named = [(security.safe_filename(name), data) for name, data in files]
    for shown, data in named:
        if not security.upload_suffix_ok(shown):
            raise ApiError(
                415,
                "unsupported_media_type",
                f"{shown}: unsupported file type; use one of {', '.join(sorted(security.UPLOAD_SUFFIXES))}",
            )
        if len(data) > s.max_file_bytes:
            raise ApiError(
                413, "payload_too_large", f"{shown}: {len(data)} bytes, over the {s.max_file_bytes}-byte limit"
            )
        if (
            shown.lower().endswith(ONE_ARTICLE_SUFFIXES)
            and len(data) > MAX_UTF8_BYTES_PER_CHAR * s.api_max_article_chars
        ):
            raise ApiError(
                413,
                "payload_too_large",
                f"{shown}: {len(data)} bytes of text, over the {s.api_max_article_chars}-character article limit",
            )
    articles: list[Article] = []
    for shown, data in named:
        articles += check_articles(api.desk.read_upload(shown, data), shown, s.api_max_article_chars)
    return commit(api, articles)


def _date(value: str | None, name: str) -> datetime | None:
    """An ISO date or datetime query parameter (the same parsing as SearchFilters)."""
    if value is None or not value.strip():
        return None
    try:
        iso_date_only(value.strip())
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise ApiError(422, "invalid_request", f"{name}: {e}") from None


def build(api: ApiContext) -> APIRouter:
    router = APIRouter(tags=["articles"])
    desk = api.desk

    @router.post(
        "/articles",
        response_model=IngestReport,
        status_code=201,
        openapi_extra=ARTICLE_BODY,
        responses={200: {"model": IngestReport, "description": "Already indexed, unchanged."}},
    )
    async def add_articles(request: Request, response: Response) -> IngestReport:
        """Ingest pasted text or a URL (JSON), or uploaded files (multipart field `file`, repeatable)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json" or ctype.endswith("+json"):
            try:
                body = ArticleCreate.model_validate_json(await request.body())
            except ValidationError as exc:
                raise RequestValidationError(exc.errors()) from None
            report = await run_in_threadpool(ingest_json, api, body)
        elif ctype == "multipart/form-data":
            form = await request.form(max_files=api.settings.max_upload_files, max_fields=MAX_FORM_FIELDS)
            files = [
                (f.filename, await f.read())
                for key, f in form.multi_items()
                if key in UPLOAD_FIELDS and isinstance(f, UploadFile)
            ]
            await form.close()
            report = await run_in_threadpool(ingest_files, api, files)
        else:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"content type {ctype or '(none)'!r}: send application/json or multipart/form-data",
            )
        response.status_code = 201 if (report.added or report.replaced) else 200
        return report

    @router.get("/articles", response_model=ArticlePage)
    def list_articles(
        q: Annotated[str | None, Query(max_length=500, description="Words in title, source or text.")] = None,
        source: Annotated[str | None, Query(max_length=200, description="Only this source.")] = None,
        since: Annotated[str | None, Query(description="Published on/after (ISO date).")] = None,
        until: Annotated[str | None, Query(description="Published on/before (ISO date).")] = None,
        sort: Annotated[Sort, Query(description="published, added, title or source.")] = "published",
        order: Annotated[Order, Query(description="asc or desc.")] = "desc",
        limit: Annotated[int, Query(ge=0, le=MAX_PAGE, description="Articles per page.")] = 50,
        offset: Annotated[
            int, Query(ge=0, le=MAX_OFFSET, description="Articles skipped (the previous page's next_offset).")
        ] = 0,
    ) -> ArticlePage:
        """A page of the library (search, source and date filters, sort), with the total and the next offset."""
        query = ArticleQuery(
            q=q, source=source, since=_date(since, "since"), until=_date(until, "until"),
            sort=sort, order=order, limit=limit, offset=offset,
        )  # fmt: skip
        return api.read(lambda: desk.library(query))

    @router.get("/sources", response_model=list[SourceFacet])
    def list_sources() -> list[SourceFacet]:
        """Every source of the library with its article count and published date range."""
        return api.read(desk.sources)

    @router.post("/articles/remove", response_model=Removal)
    def remove_articles(body: BulkRemove) -> Removal:
        """Remove many articles, by ids and/or the library's filters (every page); `dry_run` counts them first."""
        query = ArticleQuery(ids=body.ids, q=body.q, source=body.source, since=body.since, until=body.until)
        if body.dry_run:
            return api.read(lambda: desk.remove_many(query, dry_run=True))
        return api.write(lambda: desk.remove_many(query))

    @router.get("/articles/{article_id}", response_model=Article, responses=NOT_FOUND)
    def get_article(article_id: str) -> Article:
        article = api.read(lambda: desk.get_article(article_id))
        if article is None:
            raise ApiError(404, "not_found", f"no article with id {article_id!r}")
        return article

    @router.delete("/articles/{article_id}", response_model=RemoveResult, responses=NOT_FOUND)
    def remove_article(article_id: str) -> RemoveResult:
        if not api.write(lambda: desk.remove(article_id)):
            raise ApiError(404, "not_found", f"no article with id {article_id!r}")
        return RemoveResult(id=article_id)

    return router
