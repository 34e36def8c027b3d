"""Text from articles (titles, sources, quotes, sentences) made safe inside Markdown: one rule for every renderer.

Article text is untrusted: a title like `<img src=x onerror=...>` or `[click](javascript:...)` must reach a Markdown
viewer as the characters it is, never as HTML or a link. `<`, `>` and `&` become HTML entities (which every CommonMark
renderer shows as the character and none parses as a tag); Markdown's own syntax characters are backslash-escaped.
Used by app/answer/render.py (/v1 Sources footer, web chat copy/export, CLI) and app/brief/render.py (briefings).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]#|!~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_URL_SAFE = "/:?#[]@!$&'()*+,;=%-._~"  # RFC 3986 reserved and unreserved characters; everything else is %-encoded


def md_html(text: str) -> str:
    """`text` with `&`, `<` and `>` as entities: Markdown formatting kept, raw HTML impossible."""
    return re.sub(r"[&<>]", lambda m: _HTML[m.group()], text)


def md_inline(text: str) -> str:
    """One line of untrusted text safe inside Markdown: no line breaks, HTML, emphasis, links or headings."""
    text = re.sub(r"\s+", " ", text).strip()
    return md_html(_MARKDOWN_SYNTAX.sub(r"\\\1", text))


def md_url(url: str) -> str | None:
    """An http(s) URL safe inside `<...>` or `(...)` in Markdown (spaces, quotes, brackets %-encoded); None otherwise."""
    url = url.strip()
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return quote(url, safe=_URL_SAFE).replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D")
