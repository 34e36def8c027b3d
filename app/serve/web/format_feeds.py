"""The Library tab's feed list as HTML (pure; issue 16)."""

from __future__ import annotations

from collections.abc import Sequence

from app.models import FeedInfo, FeedRefresh
from app.serve.web.format import esc

_STATUS = {"never": ("nd-muted", "not yet refreshed"), "ok": ("nd-ok", "ok"),
           "not-modified": ("nd-muted", "unchanged"), "error": ("nd-bad", "error")}  # fmt: skip


def every_label(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"every {seconds // 3600} h"
    return f"every {seconds // 60} min"


def feeds_html(feeds: Sequence[FeedInfo]) -> str:
    """One block per followed feed: title, address, schedule, last refresh, its status, what it added, its error."""
    if not feeds:
        return '<div class="nd-feeds nd-muted">No feeds followed yet.</div>'
    rows = []
    for f in feeds:
        cls, status = _STATUS[f.last_status]
        when = f.last_refresh.strftime("%Y-%m-%d %H:%M UTC") if f.last_refresh else "never"
        error = f'<div class="nd-bad">{esc(f.last_error)}</div>' if f.last_error else ""
        rows.append(
            f'<li><strong>{esc(f.title or f.url)}</strong><div class="nd-muted" style="overflow-wrap:anywhere">'
            f"{esc(f.url)}</div><div>{every_label(f.every_seconds)} · last refresh {when} · "
            f'<span class="{cls}">{status}</span> · {f.last_added} new</div>{error}</li>'
        )
    return f'<ul class="nd-feeds">{"".join(rows)}</ul>'


def refresh_summary(results: Sequence[FeedRefresh]) -> str:
    """One line per refreshed feed."""
    if not results:
        return "No feeds followed."
    lines = []
    for r in results:
        if r.status == "error":
            lines.append(f"{r.url}: failed: {r.error}")
        elif r.status == "not-modified":
            lines.append(f"{r.url}: unchanged (1 request)")
        else:
            lines.append(f"{r.url}: {r.report.summary()} ({r.requests} requests)")
    return "\n".join(lines)
