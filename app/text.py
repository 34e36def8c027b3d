"""Pure text utilities: paragraphs, sentences (with offsets), normalization, content ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

from app.models import Article, Span

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "gov", "sen",
    "rep", "pres", "rev", "hon", "vs", "etc", "inc", "ltd", "co", "corp", "no", "fig", "approx", "dept",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    "u.n", "e.g", "i.e", "a.m", "p.m", "mt", "ft",
}  # fmt: skip

# A sentence ends at . ! ? or an ellipsis, optionally followed by closing quotes/brackets.
_END = re.compile(r"""(?:\.\.\.|…|[.!?])["'”’»)\]]*(?=\s+|$)""")
_OPENERS = "\"'“‘«([-–—"


def split_paragraphs(text: str) -> list[Span]:
    """Each non-empty line is a paragraph (loaders unwrap hard-wrapped text), trimmed of surrounding space."""
    spans: list[Span] = []
    for m in re.finditer(r"[^\n]+", text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(Span(start=start, end=end))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at `dot` ends an abbreviation or an initial rather than a sentence."""
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:dot])
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    # Single capital initial ("J. Smith") or dotted acronym ("U.S.")
    return len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _sentence_spans(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cur = start
    for m in _END.finditer(text, start, end):
        stop = m.end()
        if text[m.start()] == "." and m.group(0).startswith(".") and not m.group(0).startswith("...") and _is_abbreviation(text, m.start()):
            continue
        # Next sentence must start with an uppercase letter, digit or an opener.
        nxt = stop
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt < end and not (text[nxt].isupper() or text[nxt].isdigit() or text[nxt] in _OPENERS):
            continue
        s, e = cur, stop
        while s < e and text[s].isspace():
            s += 1
        if e > s:
            spans.append(Span(start=s, end=e))
        cur = stop
    s, e = cur, end
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append(Span(start=s, end=e))
    return spans


def split_sentences(text: str, paragraphs: list[Span] | None = None) -> list[Span]:
    """Sentence spans; a sentence never crosses a paragraph boundary."""
    paragraphs = paragraphs if paragraphs is not None else split_paragraphs(text)
    spans: list[Span] = []
    for p in paragraphs:
        spans.extend(_sentence_spans(text, p.start, p.end))
    return spans


def normalize_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def normalize_for_id(text: str) -> str:
    """Case-, accent-form- and whitespace-insensitive form used for content ids."""
    return normalize_whitespace(unicodedata.normalize("NFKC", text)).lower()


def article_id(text: str) -> str:
    return hashlib.sha256(normalize_for_id(text).encode("utf-8")).hexdigest()[:16]


def clean_text(text: str) -> str:
    """Normalize newlines and unicode form, strip control characters, collapse runs of blank lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def build_article(
    title: str,
    text: str,
    *,
    source: str = "",
    url: str | None = None,
    published: datetime | None = None,
    author: str | None = None,
) -> Article:
    """An Article with its id, paragraph and sentence spans computed from the clean text."""
    text = clean_text(text)
    paragraphs = split_paragraphs(text)
    return Article(
        id=article_id(text),
        title=normalize_whitespace(title) or "Untitled",
        text=text,
        source=source,
        url=url,
        author=author,
        published=published,
        paragraphs=paragraphs,
        sentences=split_sentences(text, paragraphs),
    )
