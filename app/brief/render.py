"""Markdown for a Briefing: sections with [n] citation markers, then the numbered sources with their exact quotes."""

from __future__ import annotations

import re

from app.models import Briefing, BriefingPoint, Citation

UNVERIFIED = "*(unverified)*"


def _md(text: str) -> str:
    """One line of text safe inside markdown (no line breaks, no accidental emphasis or links)."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _markers(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def _point(p: BriefingPoint, multi_source: bool) -> str:
    line = _md(p.text)
    if p.citations:
        line += " " + _markers(p.citations)
    if multi_source and p.sources:
        line += " — " + ", ".join(f"*{_md(s)}*" for s in p.sources)
    if not p.supported:
        line += " " + UNVERIFIED
    return line


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

    section("Key points", b.key_points)
    if b.actors:
        out += ["## Who said or did what", ""]
        for a in b.actors:
            role = f" ({_md(a.role)})" if a.role else ""
            out.append(f"- **{_md(a.name)}**{role}")
            out += [f"  - {_point(p, multi)}" for p in a.points]
        out.append("")
    section("Facts and figures", b.facts)
    section("Disputed", b.disputed)
    if b.open_questions:
        out += ["## Open questions", "", *(f"- {_md(q)}" for q in b.open_questions), ""]
    if b.citations:
        out += ["## Sources", ""]
        for c in b.citations:
            where = ", ".join(x for x in (_md(c.title), _md(c.source), _date(c)) if x)
            out.append(f"{c.n}. {where}: “{_md(c.quote)}”" + (f" <{c.url}>" if c.url else ""))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
