"""Markdown for a Briefing: sections with [n] citation markers, then the numbered sources with their exact quotes."""

from __future__ import annotations

from datetime import datetime

from app.brief.attribution import needs_speaker
from app.brief.timeline import day_label
from app.markdown import md_inline, md_url
from app.models import Briefing, BriefingPoint, Citation, DisputeSide

UNVERIFIED = "*(unverified)*"


_md = md_inline  # the one Markdown-escaping rule (app/markdown.py), shared with answers, /v1 and the web chat


def _markers(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def speaker_prefix(p: BriefingPoint) -> str:
    """'Maria Delgado: ' when the point quotes someone (or says 'I'/'we') and its own words do not name them ('' otherwise).

    A point in reported speech, or a timeline phrase cut from a sentence whose 'the company said' it dropped, needs no
    label: its `speaker` stays in the data, and a prefix would read as part of the text ("company: Brightline ...")."""
    if not p.speaker or not needs_speaker(p.text):
        return ""
    last = p.speaker.split()[-1] if p.speaker.split() else p.speaker
    return "" if last.lower() in p.text.lower() else f"{p.speaker}: "


def short_date(published: datetime | None) -> str:
    """'21 Nov' (the year is in the source list)."""
    return f"{published.day} {published.strftime('%b')}" if published else "undated"


def _point(p: BriefingPoint, multi_source: bool) -> str:
    line = _md(speaker_prefix(p) + p.text)
    if p.citations:
        line += " " + _markers(p.citations)
    if multi_source and p.sources:
        line += " — " + ", ".join(f"*{_md(s)}*" for s in p.sources)
    if p.agreement:
        line += f" ({_md(p.agreement)})"
    if not p.supported:
        line += " " + UNVERIFIED
    return line


def _disputed(p: BriefingPoint, multi_source: bool) -> list[str]:
    if not p.sides:
        return [f"- {_point(p, multi_source)}"]
    out = [f"- **{_md(p.text)}**" + ("" if p.supported else " " + UNVERIFIED)]
    by_value: dict[str, list[DisputeSide]] = {}
    for s in p.sides:
        by_value.setdefault(s.value, []).append(s)
    for value, sides in by_value.items():
        said = " · ".join(
            f"{_md(s.source)} ({short_date(s.published)}): “{_md(s.quote)}”"
            + (f" [{s.citation}]" if s.citation else "")
            for s in sides
        )
        out.append(f"  - {_md(value)} — {said}")
    return out


def _date(c: Citation) -> str:
    return c.published.date().isoformat() if c.published else "undated"


def render_markdown(b: Briefing) -> str:
    """The briefing as markdown: headline, summary, sections, open questions, then the numbered source list."""
    multi = len({c.article_id for c in b.citations}) > 1
    out: list[str] = [f"# {_md(b.headline)}", ""]
    meta = f"{len(b.sources)} article{'s' if len(b.sources) != 1 else ''} · {b.backend} ({b.model}) · {b.length}"
    out += [f"*{_md(meta)}{' · cached' if b.cached else ''}*", ""]
    parts = b.summary.parts or ([b.summary] if b.summary.text else [])
    if parts:
        out += [" ".join(_point(p, False) for p in parts), ""]

    def section(title: str, points: list[BriefingPoint]) -> None:
        if points:
            out.extend([f"## {title}", "", *(f"- {_point(p, multi)}" for p in points), ""])

    if b.disputed:
        out += ["## Disputed", ""]
        for p in b.disputed:
            out += _disputed(p, multi)
        out.append("")
    section("Key points", b.key_points)
    if b.actors:
        out += ["## Who said or did what", ""]
        for a in b.actors:
            role = f" ({_md(a.role)})" if a.role else ""
            out.append(f"- **{_md(a.name)}**{role}")
            out += [f"  - {_point(p, multi)}" for p in a.points]
        out.append("")
    section("Facts and figures", b.facts)
    if b.timeline:
        out += ["## Timeline", ""]
        for p in b.timeline:
            when = day_label(p.day) if p.day else "undated"
            out.append(f"- **{when}** — {_point(p, multi)}")
        out.append("")
    if b.open_questions:
        out += ["## Open questions", "", *(f"- {_md(q)}" for q in b.open_questions), ""]
    if b.citations:
        out += ["## Sources", ""]
        for c in b.citations:
            where = ", ".join(x for x in (_md(c.title), _md(c.source), _date(c)) if x)
            url = md_url(c.url) if c.url else None
            out.append(f"{c.n}. {where}: “{_md(c.quote)}”" + (f" <{url}>" if url else ""))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
