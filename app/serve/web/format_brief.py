"""Briefing pieces of the web page added by issue 15: disputed items side by side, the timeline, speakers, agreement.

Kept apart from app.serve.web.format so the briefing tab's cross-source view has one small home; that module passes its
escaping and citation-link functions in (no import back, so no cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.brief.render import short_date, speaker_prefix
from app.brief.timeline import day_label
from app.models import BriefingPoint, DisputeSide

PointHtml = Callable[[BriefingPoint, str], str]
Esc = Callable[[str], str]
CiteLink = Callable[[int, str], str]


def point_extras(p: BriefingPoint, esc: Esc) -> tuple[str, str]:
    """(HTML before the point: its speaker when the text does not name them, HTML after it: how widely reported)."""
    before = f'<span class="nd-speaker">{esc(speaker_prefix(p))}</span>' if speaker_prefix(p) else ""
    after = f' <span class="nd-agree">{esc(p.agreement)}</span>' if p.agreement else ""
    return before, after


def _side_html(s: DisputeSide, scope: str, esc: Esc, cite_link: CiteLink) -> str:
    cite = cite_link(s.citation, scope) if s.citation else ""
    return (
        f'<span class="nd-side"><strong>{esc(s.source)}</strong> ({esc(short_date(s.published))}): '
        f"“{esc(s.quote)}”{cite}</span>"
    )


def disputed_html(
    points: Sequence[BriefingPoint], scope: str, point_html: PointHtml, esc: Esc, cite_link: CiteLink
) -> str:
    """Disputed items: each names every side with its outlet, date, exact words and citation."""
    if not points:
        return ""
    items = []
    for p in points:
        if not p.sides:
            items.append(f"<li>{point_html(p, scope)}</li>")
            continue
        by_value: dict[str, list[DisputeSide]] = {}
        for s in p.sides:
            by_value.setdefault(s.value, []).append(s)
        rows = "".join(
            f'<li class="nd-dispute-side"><span class="nd-value">{esc(v)}</span> — '
            + " · ".join(_side_html(s, scope, esc, cite_link) for s in sides)
            + "</li>"
            for v, sides in by_value.items()
        )
        flag = "" if p.supported else '<span class="nd-flag">unverified</span>'
        items.append(f'<li class="nd-dispute"><strong>{esc(p.text)}</strong>{flag}<ul>{rows}</ul></li>')
    return f'<section class="nd-brief-section nd-disputed"><h3>Disputed</h3><ul>{"".join(items)}</ul></section>'


def timeline_html(points: Sequence[BriefingPoint], scope: str, point_html: PointHtml, esc: Esc) -> str:
    if not points:
        return ""
    rows = "".join(
        f'<li><span class="nd-when">{esc(day_label(p.day) if p.day else "undated")}</span> {point_html(p, scope)}</li>'
        for p in points
    )
    return f'<section class="nd-brief-section nd-timeline"><h3>Timeline</h3><ul>{rows}</ul></section>'
