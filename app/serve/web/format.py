"""Pure formatting for the web app: answers, sources, briefings and library rows as HTML (no I/O, no gradio).

Evaluation reports are formatted in app.serve.web.format_eval."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from app.models import (
    Answer,
    AnswerCheck,
    AnswerSentence,
    Article,
    ArticleInfo,
    Briefing,
    BriefingPoint,
    Citation,
    IngestReport,
    Span,
    inclusive_until,
    reason_words,
)
from app.serve.web.format_brief import disputed_html, point_extras, timeline_html
from app.text import split_paragraphs

MAX_CONTEXT_CHARS = 900
"""Longest paragraph context shown around a quote before it is trimmed with ellipses."""

# Characters a Markdown/LaTeX renderer would interpret inside chat messages; encoded as entities.
_MD_SPECIALS = {c: f"&#{ord(c)};" for c in "*_`~[]$\\|#<>"}
_MD_SPECIALS["&"] = "&amp;"
_MD_SPECIALS['"'] = "&quot;"
_MD_SPECIALS["'"] = "&#39;"
_MD_TABLE = str.maketrans(_MD_SPECIALS)


def esc(text: str) -> str:
    """HTML-escape text and neutralize Markdown/LaTeX syntax so chat renderers show it verbatim."""
    return text.translate(_MD_TABLE)


def safe_url(url: str | None) -> str | None:
    """The URL if it is plain http(s), else None (never a javascript: or data: link)."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url, flags=re.IGNORECASE):
        return url
    return None


def format_date(value: datetime | None) -> str:
    """'21 Nov 2025' (or '' when unknown)."""
    return f"{value.day} {value:%b %Y}" if value else ""


def parse_date(
    value: str | float | datetime | None, *, field: str = "date", end_of_day: bool = False
) -> datetime | None:
    """A date from a form field: ISO text, a timestamp, a datetime, or empty. Raises ValueError naming the field.

    With end_of_day, a bare date means through the end of that day (app.models.inclusive_until, as at every door)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: '{text}' is not a date; use YYYY-MM-DD") from None
    return inclusive_until(parsed) if end_of_day else parsed


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 100 else f"{ms:.0f} ms"


# ---- answers -----------------------------------------------------------------
def cite_link(n: int, scope: str) -> str:
    """A clickable [n] that the page script resolves to the source card `nd-src-{scope}-{n}`."""
    return (
        f'<a class="nd-cite" href="#nd-src-{scope}-{n}" data-nd-scope="{scope}" data-nd-n="{n}" '
        f'title="Show source {n}" aria-label="Source {n}">{n}</a>'
    )


def _cites(numbers: Sequence[int], scope: str) -> str:
    if not numbers:
        return ""
    return '<span class="nd-cites">' + "".join(cite_link(n, scope) for n in numbers) + "</span>"


def _sentence_html(s: AnswerSentence, scope: str) -> str:
    body = esc(s.text)
    if s.supported:
        return f'<span class="nd-sent">{body}</span>{_cites(s.citations, scope)}'
    reason = esc(s.reason or "no cited passage supports this sentence")
    return (
        f'<span class="nd-sent nd-unverified" title="Not verified: {reason}">{body}</span>'
        f'{_cites(s.citations, scope)}<span class="nd-flag" title="{reason}">unverified</span>'
    )


def _rejected_html(answer: Answer) -> str:
    """A declined answer's draft sentences that the checker rejected, each with why ("contrary verb: ...")."""
    rejected = [s for s in answer.sentences if not s.supported and s.reason]
    if not rejected:
        return ""
    items = "".join(
        f'<li><span class="nd-sent nd-unverified">{esc(s.text)}</span><span class="nd-flag">unverified</span> '
        f'<span class="nd-why">{esc(reason_words(s.reason))}</span></li>'
        for s in rejected
    )
    return f'<div class="nd-rejected">The engine wrote, and the check rejected:<ul>{items}</ul></div>'


def _marker_html(text: str, scope: str) -> str:
    """Answer text whose [n] markers become links (used when no sentence breakdown is available)."""
    parts = re.split(r"\[(\d+)\]", text)
    out = [esc(p) if i % 2 == 0 else cite_link(int(p), scope) for i, p in enumerate(parts)]
    return "".join(out)


def check_badge(check: AnswerCheck | None) -> str:
    """The answer-level verdict, apart from sentence support: '✓ Answers the question' or 'Does not answer: why'."""
    if check is None:
        return ""
    if check.answers_question:
        what = f"{check.answer_type}: {check.found}" if check.found else check.answer_type
        return f'<span class="nd-ok nd-check" title="{esc(what)}">✓ Answers the question</span>'
    reason = check.reason or "no supported sentence answers what was asked"
    return f'<span class="nd-warn nd-check">Does not answer: {esc(reason)}</span>'


def answer_meta(answer: Answer) -> str:
    """One line under an answer: sentences verified, whether it answers the question, sources, engine and time.

    Only an answer that both quotes correctly and answers the question shows green; a declined answer (its closest
    passage is quoted exactly but is about something else) shows no sentence count at all."""
    bits: list[str] = []
    answers = answer.check is None or answer.check.answers_question
    if not answer.abstained and answer.sentences:
        ok = sum(s.supported for s in answer.sentences)
        total = len(answer.sentences)
        cls = "nd-ok" if ok == total and answers else "nd-warn"
        bits.append(f'<span class="{cls}">{ok}/{total} sentences verified</span>')
    if answer.check is not None:
        bits.append(check_badge(answer.check))
    if answer.citations:
        articles = {c.article_id for c in answer.citations}
        bits.append(f"{len(answer.citations)} passages from {len(articles)} article{'s' if len(articles) != 1 else ''}")
    bits.append(esc(answer.model or answer.backend))
    if answer.timings.total_ms:
        bits.append(_seconds(answer.timings.total_ms))
    return '<div class="nd-meta">' + " · ".join(bits) + "</div>"


def answer_html(answer: Answer, scope: str) -> str:
    """A verified answer as chat HTML: clickable [n], unverified sentences flagged, abstentions as a callout."""
    parts: list[str] = []
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        parts.append(f'<div class="nd-understood">Understood as: {esc(answer.standalone_question)}</div>')
    if answer.abstained:
        parts.append(
            '<div class="nd-abstain"><div class="nd-abstain-title">Not in the indexed articles</div>'
            f"<div>{_marker_html(answer.answer, scope)}</div>{_rejected_html(answer)}</div>"
        )
    elif answer.sentences:
        parts.append(
            '<div class="nd-answer">' + " ".join(_sentence_html(s, scope) for s in answer.sentences) + "</div>"
        )
    else:
        parts.append(f'<div class="nd-answer">{_marker_html(answer.answer, scope)}</div>')
    parts.append(answer_meta(answer))
    return "".join(parts)


def streaming_html(text: str) -> str:
    """Answer text as it streams in (not yet verified)."""
    if not text:
        return '<div class="nd-pending">Searching the articles…</div>'
    return f'<div class="nd-answer nd-streaming">{_marker_html(text, "pending")}<span class="nd-caret"></span></div>'


def user_html(question: str) -> str:
    return esc(question)


# ---- sources -----------------------------------------------------------------
def context_span(text: str, paragraphs: Sequence[Span], start: int, end: int) -> tuple[int, int]:
    """The paragraph(s) around [start, end), trimmed to about MAX_CONTEXT_CHARS centred on the quote."""
    paras = list(paragraphs) or split_paragraphs(text)
    covering = [p for p in paras if p.start < max(end, start + 1) and p.end > start]
    lo = min([p.start for p in covering], default=start)
    hi = max([p.end for p in covering], default=end)
    lo, hi = min(lo, start), max(hi, end)
    spare = MAX_CONTEXT_CHARS - (end - start)
    if hi - lo > MAX_CONTEXT_CHARS:
        before = max(spare // 2, 0)
        lo = max(lo, start - before)
        hi = min(hi, end + max(spare - (start - lo), 0))
        # Cut at word boundaries so the context does not start or end mid-word.
        if lo < start:
            cut = text.find(" ", lo, start)
            lo = cut + 1 if cut != -1 else start
        if hi > end:
            cut = text.rfind(" ", end, hi)
            hi = cut if cut != -1 else end
    return lo, hi


def highlighted_context(text: str, paragraphs: Sequence[Span], start: int, end: int) -> str:
    """The quote's surrounding paragraph as HTML with the quote in <mark>."""
    paras = list(paragraphs) or split_paragraphs(text)
    lo, hi = context_span(text, paras, start, end)
    para_starts = {p.start for p in paras}
    before = ("… " if lo > 0 and lo not in para_starts else "") + esc(text[lo:start])
    after = esc(text[end:hi]) + (" …" if hi < len(text) and text[hi : hi + 1] not in ("\n", "") else "")
    quote = esc(text[start:end]).replace("\n", "<br>")
    return f"{before.replace(chr(10), '<br>')}<mark>{quote}</mark>{after.replace(chr(10), '<br>')}"


def source_meta(title: str, source: str, published: datetime | None, url: str | None) -> str:
    bits = [esc(b) for b in (source, format_date(published)) if b]
    link = safe_url(url)
    if link:
        bits.append(
            f'<a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer">original ↗</a>'
        )
    return '<div class="nd-source-meta">' + " · ".join(bits) + "</div>" if bits else ""


def source_card(citation: Citation, article: Article | None, scope: str, *, sentences: Sequence[str] = ()) -> str:
    """One cited passage: number, title, source and date, and its paragraph with the exact quote highlighted."""
    if article is not None and article.text[citation.start : citation.end] == citation.quote:
        body = highlighted_context(article.text, article.paragraphs, citation.start, citation.end)
    else:  # the article is gone or changed: show the stored quote alone
        body = f"<mark>{esc(citation.quote)}</mark>"
    title = citation.title or (article.title if article else "") or "Untitled"
    quote_key = " ".join(citation.quote.split())
    used = "".join(f"<li>{esc(s)}</li>" for s in sentences if " ".join(s.split()) != quote_key)
    used_html = f'<details class="nd-used"><summary>Supports</summary><ul>{used}</ul></details>' if used else ""
    return (
        f'<div class="nd-source" id="nd-src-{scope}-{citation.n}" data-nd-n="{citation.n}">'
        f'<div class="nd-source-head"><span class="nd-badge">{citation.n}</span>'
        f'<span class="nd-source-title">{esc(title)}</span></div>'
        f"{source_meta(title, citation.source, citation.published, citation.url)}"
        f'<blockquote class="nd-context">{body}</blockquote>{used_html}</div>'
    )


def sources_panel(answer: Answer | None, articles: Mapping[str, Article], scope: str) -> str:
    """The sources panel for one answer (or a hint when there is none yet)."""
    if answer is None:
        return (
            '<div class="nd-panel-empty"><div class="nd-panel-title">Sources</div>'
            "<p>Ask a question: every cited passage appears here in its paragraph, with the quoted words highlighted."
            " Click a numbered citation to jump to it.</p></div>"
        )
    head = f'<div class="nd-panel-title">Sources</div><div class="nd-panel-q">{esc(answer.question)}</div>'
    if not answer.citations:
        note = "Nothing was cited: " + (
            "the articles don't cover this question." if answer.abstained else "no passage supports the answer."
        )
        return f'<div class="nd-panel">{head}<p class="nd-panel-note">{esc(note)}</p></div>'
    by_n: dict[int, list[str]] = {}
    for s in answer.sentences:
        for n in s.citations:
            by_n.setdefault(n, []).append(s.text)
    cards = "".join(
        source_card(c, articles.get(c.article_id), scope, sentences=by_n.get(c.n, ())) for c in answer.citations
    )
    if answer.check is not None and not answer.check.answers_question:
        reason = f": {answer.check.reason}" if answer.check.reason else ""
        head += f'<p class="nd-panel-note nd-warn">The closest passage, which does not answer the question{esc(reason)}.</p>'
    return f'<div class="nd-panel">{head}{cards}</div>'


# ---- briefings ---------------------------------------------------------------
def _point_html(p: BriefingPoint, scope: str) -> str:
    before, after = point_extras(p, esc)
    if p.supported:
        return f"{before}{esc(p.text)}{_cites(p.citations, scope)}{after}"
    why = esc(reason_words(p.reason) or "not verified by the cited passages")
    return (
        f'{before}<span class="nd-unverified" title="Not verified: {why}">{esc(p.text)}</span>'
        f'{_cites(p.citations, scope)}<span class="nd-flag" title="{why}">unverified</span>{after}'
    )


def _summary_html(summary: BriefingPoint, scope: str) -> str:
    """The summary sentence by sentence when it has parts, so an unverified one is flagged with its own reason."""
    if not summary.parts:
        return _point_html(summary, scope)
    return " ".join(_point_html(p, scope) for p in summary.parts)


def _points_section(title: str, points: Sequence[BriefingPoint], scope: str) -> str:
    if not points:
        return ""
    items = "".join(f"<li>{_point_html(p, scope)}</li>" for p in points)
    return f'<section class="nd-brief-section"><h3>{esc(title)}</h3><ul>{items}</ul></section>'


def briefing_html(briefing: Briefing, articles: Mapping[str, Article], scope: str = "brief") -> str:
    """A briefing as a readable page: headline, summary, sections with [n] links, then the cited sources."""
    n_articles = len(briefing.sources) or len({c.article_id for c in briefing.citations})
    parts = [
        '<article class="nd-briefing">',
        f'<div class="nd-kicker">Briefing · {n_articles} article{"s" if n_articles != 1 else ""}</div>',
        f"<h2>{esc(briefing.headline)}</h2>",
        f'<p class="nd-standfirst">{_summary_html(briefing.summary, scope)}</p>',
        disputed_html(briefing.disputed, scope, _point_html, esc, cite_link),
        _points_section("Key points", briefing.key_points, scope),
    ]
    if briefing.actors:
        rows = "".join(
            f"<li><strong>{esc(a.name)}</strong>: {'; '.join(_point_html(p, scope) for p in a.points)}</li>"
            for a in briefing.actors
        )
        parts.append(f'<section class="nd-brief-section"><h3>Who’s who</h3><ul>{rows}</ul></section>')
    parts.append(_points_section("Facts and figures", briefing.facts, scope))
    parts.append(timeline_html(briefing.timeline, scope, _point_html, esc))
    if briefing.open_questions:
        items = "".join(f"<li>{esc(q)}</li>" for q in briefing.open_questions)
        parts.append(f'<section class="nd-brief-section"><h3>Open questions</h3><ul>{items}</ul></section>')
    points = [
        briefing.summary,
        *briefing.key_points,
        *briefing.facts,
        *briefing.disputed,
        *briefing.timeline,
        *(p for a in briefing.actors for p in a.points),
    ]
    ok = sum(p.supported for p in points)
    cached = " · cached" if briefing.cached else ""
    parts.append(
        f'<div class="nd-meta"><span class="{"nd-ok" if ok == len(points) else "nd-warn"}">{ok}/{len(points)} points verified</span>'
        f" · {esc(briefing.model or briefing.backend)} · {briefing.length} · {_seconds(briefing.generated_ms)}{cached}</div>"
    )
    if briefing.citations:
        cards = "".join(source_card(c, articles.get(c.article_id), scope) for c in briefing.citations)
        parts.append(
            f'<section class="nd-brief-sources"><h3>Sources</h3><div class="nd-brief-sources-list">{cards}</div></section>'
        )
    parts.append("</article>")
    return "".join(parts)


def briefing_placeholder() -> str:
    return (
        '<div class="nd-panel-empty"><div class="nd-panel-title">No briefing yet</div>'
        "<p>Choose articles, a topic or a period (or nothing, to cover the whole library), pick a length and press "
        "<strong>Write briefing</strong>. Every point links to the passage it came from.</p></div>"
    )


# ---- library -----------------------------------------------------------------
LIBRARY_HEADERS = ["Title", "Source", "Published", "Passages", "ID"]


def library_rows(infos: Sequence[ArticleInfo]) -> list[list[str | int]]:
    """Rows for the library table, newest first (undated last)."""
    ordered = sorted(
        infos, key=lambda a: (a.published is None, -(a.published.timestamp() if a.published else 0), a.title.lower())
    )
    return [[a.title, a.source, format_date(a.published), a.chunks, a.id] for a in ordered]


def article_choices(infos: Sequence[ArticleInfo]) -> list[tuple[str, str]]:
    """(label, id) pairs for article pickers."""
    out = []
    for a in sorted(infos, key=lambda a: a.title.lower()):
        date = format_date(a.published)
        out.append((f"{a.title} ({date})" if date else a.title, a.id))
    return out


def library_summary(infos: Sequence[ArticleInfo]) -> str:
    chunks = sum(a.chunks for a in infos)
    return f"{len(infos)} article{'s' if len(infos) != 1 else ''} · {chunks} passages indexed"


def ingest_html(report: IngestReport) -> str:
    """What an ingest did, one line per input whatever its fate (added, replaced, unchanged, duplicate, skipped,
    failed), with notes such as "indexed from the feed's own text"."""
    rows: list[str] = []
    for label, cls, items in (
        ("Added", "nd-ok", report.added),
        ("Replaced", "nd-warn", report.replaced),
        ("Already indexed", "nd-muted", report.unchanged),
    ):
        rows += [
            f'<li><span class="{cls}">{label}</span> {esc(a.title)} <span class="nd-muted">({a.chunks} passages)</span></li>'
            for a in items
        ]
    rows += [
        f'<li><span class="nd-warn">Duplicate</span> {esc(d.url or d.input)}: same text as '
        f'{esc(d.duplicate_of_title or d.duplicate_of)} <span class="nd-muted">({esc(d.duplicate_of)})</span></li>'
        for d in report.duplicates
    ]
    rows += [f'<li><span class="nd-muted">Note</span> {esc(n.input)}: {esc(n.note)}</li>' for n in report.notes]
    rows += [f'<li><span class="nd-muted">Skipped</span> {esc(n.input)}: {esc(n.note)}</li>' for n in report.skipped]
    rows += [f'<li><span class="nd-bad">Failed</span> {esc(e.input)}: {esc(e.error)}</li>' for e in report.errors]
    head = f"{report.summary()}; {report.chunks} passages in {report.seconds:.1f} s"
    return f'<div class="nd-ingest"><div class="nd-ingest-head">{esc(head)}</div><ul>{"".join(rows)}</ul></div>'


def ingest_warnings(report: IngestReport) -> list[str]:
    """Readable one-line messages for the inputs that failed."""
    return [f"{e.input}: {e.error}" for e in report.errors]


def status_line(backend_label: str, infos: Sequence[ArticleInfo]) -> str:
    """The visible line saying which engine answers and what is indexed."""
    return (
        f'<div class="nd-status"><span class="nd-dot"></span>Answering with <strong>{esc(backend_label)}</strong>'
        f'<span class="nd-sep">|</span>{esc(library_summary(infos))}</div>'
    )


def merge_reports(reports: Sequence[IngestReport]) -> IngestReport:
    """One report for several ingest calls made by a single form submission."""
    merged = IngestReport()
    for r in reports:
        merged.merge(r)
    return merged
