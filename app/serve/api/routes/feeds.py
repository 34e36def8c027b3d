"""/api/feeds: follow, list, stop following and refresh RSS/Atom feeds (issue 16)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from app.ingest.formats import LoadError
from app.models import FeedInfo, FeedRefresh
from app.serve.api.context import ApiContext
from app.serve.api.errors import NOT_FOUND, ApiError


class FeedCreate(BaseModel):
    url: str = Field(max_length=2048, description="The feed's http(s) URL (RSS 2.0 or Atom).")
    every_seconds: int = Field(1800, ge=60, le=7 * 86400, description="Refresh interval.")


class FeedRefreshRequest(BaseModel):
    url: str | None = Field(None, max_length=2048, description="One followed feed; none refreshes all.")


class FeedRemoved(BaseModel):
    url: str
    removed: bool = True


def _info(sub: FeedInfo) -> FeedInfo:
    return FeedInfo.model_validate(sub.model_dump(include=set(FeedInfo.model_fields)))


def build(api: ApiContext) -> APIRouter:
    router = APIRouter(tags=["feeds"])
    desk = api.desk

    @router.get("/feeds", response_model=list[FeedInfo])
    def list_feeds() -> list[FeedInfo]:
        """Followed feeds with their last refresh, the articles it added and its error."""
        return [_info(s) for s in desk.feed_list()]

    @router.post("/feeds", response_model=FeedInfo, status_code=201)
    def add_feed(body: FeedCreate) -> FeedInfo:
        """Follow a feed; `newsdesk serve` refreshes it when due (POST /api/feeds/refresh to fetch it now)."""
        try:
            return _info(desk.feed_add(body.url, body.every_seconds))
        except LoadError as e:
            raise ApiError(400, "bad_input", str(e)) from None

    @router.delete("/feeds", response_model=FeedRemoved, responses=NOT_FOUND)
    def remove_feed(url: str) -> FeedRemoved:
        """Stop following a feed; its articles stay in the library."""
        if not desk.feed_remove(url):
            raise ApiError(404, "not_found", f"not a followed feed: {url!r}")
        return FeedRemoved(url=url)

    @router.post("/feeds/refresh", response_model=list[FeedRefresh], responses=NOT_FOUND)
    async def refresh_feeds(response: Response, body: FeedRefreshRequest | None = None) -> list[FeedRefresh]:
        """Fetch followed feeds now (conditional GET), index their new items; each feed's outcome and every item's
        fate. Fetching holds no lock; only indexing takes the write lock."""
        url = body.url if body else None
        try:
            results = await run_in_threadpool(desk.feed_refresh, url, write=api.write)
        except LoadError as e:
            raise ApiError(404, "not_found", str(e)) from None
        if any(r.report.added or r.report.replaced for r in results):
            response.status_code = 201
        return results

    return router
