"""An Answer as Markdown, one rendering for every door: /v1's Sources footer, the web chat's copy and export, the CLI's
verdict line. Pure (models in, text out)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from app.markdown import md_html, md_inline, md_url
from app.models import Answer, AnswerCheck, Citation

__all__ = [
    "answer_markdown",
    "check_line",
    "citation_ref",
    "citation_refs",
    "closing_text",
    "md_inline",
    "source_lines",
    "sources_footer",
]

REF_SCHEME = "newsdesk://article/"
"""Citation reference for an article without an http(s) URL: newsdesk://article/ID#start-end (stable offsets)."""
UNVERIFIED = "unverified"
WITHDRAWN = "The text above is withdrawn"
"""Lead of the note sent when verification changes sentences already streamed (a client cannot unsend). Rare: streamed
sentences are verified, and held until the answer answers the question (app.verify.answer_gate)."""


def citation_ref(c: Citation) -> str:
    """The article's http(s) URL, else a stable newsdesk:// reference to the quoted span."""
    url = md_url(c.url) if c.url else None
    if url:
        return url
    return f"{REF_SCHEME}{quote(c.article_id, safe='')}#{c.start}-{c.end}"


def citation_refs(citations: Sequence[Citation]) -> list[str]:
    """One reference per cited passage, in [n] order (refs[n-1] is where [n] points)."""
    return [citation_ref(c) for c in sorted(citations, key=lambda c: c.n)]


def source_lines(citations: Sequence[Citation], *, quotes: bool = False) -> list[str]:
    """'n. [Title](ref) — source, date' per cited passage in [n] order; with quotes, the exact quote under each."""
    lines = []
    for c in sorted(citations, key=lambda c: c.n):
        meta = ", ".join(x for x in (md_inline(c.source), c.published.date().isoformat() if c.published else "") if x)
        title = md_inline(c.title or c.article_id)
        lines.append(f"{c.n}. [{title}]({citation_ref(c)})" + (f" — {meta}" if meta else ""))
        if quotes:
            lines.append(f"   > “{md_inline(c.quote)}”")
    return lines


def sources_footer(citations: Sequence[Citation]) -> str:
    """A Markdown 'Sources' list for clients that render only the message text."""
    if not citations:
        return ""
    return "\n\n**Sources**\n\n" + "\n".join(source_lines(citations))


_LIST_MARK = re.compile(r"(?m)^[ \t]*(?:[-*•+>]|\d{1,2}[.)])[ \t]+")


def _reading(text: str) -> str:
    """Text as a reader sees it: without list marks at line starts, any run of white space one space. Verification
    tidies a draft's layout (spaces after a period, list marks, trailing spaces); that changes nothing a client shows
    worth taking back."""
    return " ".join(_LIST_MARK.sub("", text).split())


def closing_text(streamed: str, answer: Answer) -> str:
    """What still has to be sent so a client's streamed text ends with the verified answer (usually nothing, or the
    whole decline when no sentence was streamed)."""
    if streamed == answer.answer or (streamed and _reading(streamed) == _reading(answer.answer)):
        return ""
    if not streamed:
        return answer.answer
    if answer.answer.startswith(streamed):
        return answer.answer[len(streamed) :]
    reason = answer.check.reason if answer.check and answer.check.reason else "verification changed the answer"
    return f"\n\n_{WITHDRAWN} ({reason})._\n\n{answer.answer}"


def check_line(check: AnswerCheck) -> str:
    """'answers the question: yes (person: Jane Doe)' or 'answers the question: no — it is about 2019, not 2021'."""
    if check.answers_question:
        what = f"{check.answer_type}: {check.found}" if check.found else check.answer_type
        return f"answers the question: yes ({what})"
    return f"answers the question: no — {check.reason or 'no supported sentence answers what was asked'}"


def verdict_line(answer: Answer) -> str:
    """'1/1 sentences verified · answers the question: yes (quantity: 600,000) · extractive' (what the web shows)."""
    bits: list[str] = []
    if not answer.abstained and answer.sentences:
        bits.append(f"{sum(s.supported for s in answer.sentences)}/{len(answer.sentences)} sentences verified")
    if answer.check is not None:
        bits.append(check_line(answer.check))
    bits.append(answer.model or answer.backend)
    return " · ".join(bits)


def answer_markdown(answer: Answer) -> str:
    """The answer as /v1 gives its text (with [n] markers), its unverified sentences and verdict, then its sources with
    their exact quotes (as the CLI lists them)."""
    parts: list[str] = []
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        parts.append(f"*Understood as: {md_inline(answer.standalone_question)}*")
    parts.append(md_html(answer.answer.strip()))  # the answer's own Markdown stays; raw HTML from articles does not
    flagged = [s for s in answer.sentences if not s.supported]
    if flagged and not answer.abstained:
        parts.append(
            "\n".join(
                f"- *{UNVERIFIED}:* {md_inline(s.text)}" + (f" ({md_inline(s.reason)})" if s.reason else "")
                for s in flagged
            )
        )
    parts.append(f"*{md_inline(verdict_line(answer))}*")
    if answer.citations:
        parts.append("**Sources**\n\n" + "\n".join(source_lines(answer.citations, quotes=True)))
    return "\n\n".join(parts) + "\n"
