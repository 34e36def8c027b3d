"""Bytes and text -> Articles, one parser per format: plain/news text, HTML, Markdown, PDF, JSON and JSONL."""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.models import Article
from app.text import (
    build_article,
    detect_site_name,
    markdown_to_text,
    normalize_whitespace,
    parse_news_text,
    split_front_matter,
    split_title,
    strip_boilerplate,
    unwrap_lines,
    unwrap_pdf_text,
)

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".json": "json",
    ".jsonl": "jsonl",
}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_TEXT_FIELDS = ("text", "body", "content")
_DATE_FIELDS = ("published", "date")
_MIN_HTML_WORDS = 5


class LoadError(Exception):
    """An input that could not be loaded; str() is one line: '{input}: {message}'."""

    def __init__(self, input: str, message: str) -> None:
        super().__init__(str(input), message)
        self.input = str(input)
        self.message = message

    def __str__(self) -> str:
        return f"{self.input}: {self.message}"


def supported_types() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def is_url(text: str) -> bool:
    """True for anything with a scheme ('https://...', 'ftp://...'); fetch decides which schemes it accepts."""
    return bool(_URL.match(text.strip()))


def load_text(text: str, *, title: str | None = None, source: str = "", url: str | None = None) -> Article:
    """An Article from pasted text; understands the sample 'news text' format (title, dateline, body, chrome)."""
    if not text.strip():
        raise LoadError(title or "pasted text", "empty")
    return _article_from_text(text, title=title, source=source, url=url, fallback_title=None)


def load_bytes(
    data: bytes,
    kind: str,
    *,
    name: str,
    source: str = "",
    url: str | None = None,
    charset: str | None = None,
    errors: list[LoadError] | None = None,
    max_record_chars: int | None = None,
) -> list[Article]:
    """Articles from raw bytes of one format ('text', 'html', 'markdown', 'pdf', 'json', 'jsonl').

    `name` names the input in errors; `source` is the fallback source (file stem or host name). Bad JSON
    records go to `errors` when given, else the first one raises. `max_record_chars`: a JSON record whose text is
    longer is refused before it is split and analysed (the costly part), not after.
    """
    if not data.strip():
        raise LoadError(name, "empty")
    if kind == "pdf":
        return [_article_from_pdf(data, name=name, source=source, url=url)]
    text = decode_bytes(data, name, charset=charset or (_html_charset(data) if kind == "html" else None))
    if not text.strip():
        raise LoadError(name, "empty")
    fallback_title = Path(name).stem if not url else None
    if kind == "text":
        return [
            _article_from_text(
                text, title=None, source="", url=url, fallback_title=fallback_title, fallback_source=source, name=name
            )
        ]
    if kind == "markdown":
        return [_article_from_markdown(text, name=name, source=source, url=url, fallback_title=fallback_title)]
    if kind == "html":
        return [_article_from_html(text, name=name, source=source, url=url, fallback_title=fallback_title)]
    if kind in ("json", "jsonl"):
        return _articles_from_json(text, name=name, source=source, url=url, lines=kind == "jsonl", errors=errors,
                                   max_chars=max_record_chars)  # fmt: skip
    raise LoadError(name, f"unsupported format '{kind}'")


# --- Decoding -------------------------------------------------------------------------------------------------------


def decode_bytes(data: bytes, name: str, *, charset: str | None = None) -> str:
    """UTF-8 (with or without BOM), else the declared `charset`, else a detected encoding; binary -> LoadError."""
    text = _decode(data, name, charset)
    if text is None or _looks_binary(text):
        raise LoadError(name, "binary file, not text")
    return text


def _decode(data: bytes, name: str, charset: str | None) -> str | None:
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            logger.debug("%s: declared charset %r does not decode it", name, charset)
    western = _as_western(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    logger.debug("%s: detected encoding %s", name, best.encoding if best else None)
    return str(best) if best is not None else None


def _as_western(data: bytes) -> str | None:
    """Windows-1252 text, when it plausibly is: mostly ASCII letters with a few accented ones.

    charset_normalizer often picks cp1250/cp775 for short Spanish or French text ('señora' -> 'seńora');
    the web's legacy default (WHATWG) is windows-1252, and text in other scripts has mostly non-ASCII letters.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [ch for ch in text if ch.isalpha()]
    non_ascii = sum(1 for ch in letters if not ch.isascii())
    return text if letters and non_ascii <= 0.3 * len(letters) else None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls > max(1, len(text) // 100)


def _html_charset(data: bytes) -> str | None:
    m = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", data[:4096], re.I)
    return m.group(1).decode("ascii") if m else None


# --- Formats --------------------------------------------------------------------------------------------------------


def _article_from_text(
    text: str,
    *,
    title: str | None,
    source: str,
    url: str | None,
    fallback_title: str | None,
    fallback_source: str = "",
    name: str = "pasted text",
) -> Article:
    """`source` (given by the caller) beats a site name found in the text, which beats `fallback_source`."""
    news = parse_news_text(text)
    if news is not None and news.body:
        return build_article(
            title or news.title,
            news.body,
            source=source or news.site or fallback_source,
            url=url,
            published=news.published,
        )
    lines, removed = strip_boilerplate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    body = unwrap_lines("\n".join(lines).strip())
    if not body:
        raise LoadError(name, "empty (only site boilerplate)")
    site = detect_site_name(removed)
    if title is None:
        detected, rest = split_title(body)
        if detected is not None:
            title, body = detected, rest
        else:
            title = fallback_title or _title_from_text(body)
    elif normalize_whitespace(body.split("\n", 1)[0]) == normalize_whitespace(title) and "\n" in body.strip():
        body = body.split("\n", 1)[1]
    return build_article(title, body, source=source or site or fallback_source, url=url)


def _title_from_text(text: str, limit: int = 80) -> str:
    first = normalize_whitespace(text.strip().split("\n", 1)[0])
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _article_from_markdown(
    text: str, *, name: str, source: str, url: str | None, fallback_title: str | None
) -> Article:
    meta, markdown = split_front_matter(text)
    heading, body = markdown_to_text(markdown)
    if not body.strip():
        raise LoadError(name, "empty (no text in the markdown)")
    raw_date = meta.get("published") or meta.get("date") or ""
    published = _parse_date(raw_date)
    if raw_date and published is None:
        logger.warning("%s: ignoring front matter date %r (not ISO 8601)", name, raw_date)
    title = meta.get("title") or heading or fallback_title or _title_from_text(body)
    return build_article(
        title,
        body,
        source=meta.get("source") or source,
        url=meta.get("url") or url,
        published=published,
        author=meta.get("author") or None,
    )


def _article_from_html(html: str, *, name: str, source: str, url: str | None, fallback_title: str | None) -> Article:
    import trafilatura

    try:
        result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
        doc = result if result is None or isinstance(result, dict) else result.as_dict()
    except Exception as e:  # trafilatura/lxml raise many types on malformed markup
        logger.debug("trafilatura failed on %s", name, exc_info=True)
        raise LoadError(name, f"cannot parse HTML: {type(e).__name__}: {e}") from e
    # Pages without an article body still yield their menu text ("Home"); a few words are not an article.
    if not isinstance(doc, dict) or len(str(doc.get("text") or "").split()) < _MIN_HTML_WORDS:
        raise LoadError(name, "no article text found in the HTML")
    text = str(doc["text"])
    title = str(doc.get("title") or "") or fallback_title or _title_from_text(text)
    if normalize_whitespace(text.split("\n", 1)[0]) == normalize_whitespace(title) and "\n" in text:
        text = text.split("\n", 1)[1]  # some pages repeat the headline as the first paragraph
    return build_article(
        title,
        text,
        source=str(doc.get("sitename") or "") or source or str(doc.get("hostname") or ""),
        url=url or (str(doc["url"]) if doc.get("url") else None),
        published=_parse_date(str(doc.get("date") or "")),
        author=str(doc.get("author") or "") or None,
    )


def _article_from_pdf(data: bytes, *, name: str, source: str, url: str | None) -> Article:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(name, "encrypted PDF (password protected)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except Exception as e:  # pypdf raises many types on damaged files; all mean "not a PDF we can read"
        logger.debug("pypdf failed on %s", name, exc_info=True)
        raise LoadError(name, f"not a readable PDF: {type(e).__name__}: {e}") from e
    text = "\n\n".join(unwrap_pdf_text(p) for p in pages if p.strip()).strip()
    if not text:
        raise LoadError(name, "no extractable text in the PDF (scanned images?)")
    meta_title = meta_author = None
    published = None
    try:
        meta = reader.metadata
        if meta is not None:
            meta_title, meta_author = meta.title, meta.author
            published = _naive(meta.creation_date) if meta.creation_date else None
    except Exception as e:  # damaged metadata only costs us the metadata
        logger.debug("%s: unreadable PDF metadata: %s", name, e)
    title = normalize_whitespace(str(meta_title or ""))
    if not title:
        detected, rest = split_title(text)
        title, text = (detected, rest) if detected and len(detected) < 120 else (Path(name).stem, text)
    return build_article(
        title, text, source=source, url=url, published=published, author=str(meta_author) if meta_author else None
    )


def _articles_from_json(
    text: str,
    *,
    name: str,
    source: str,
    url: str | None,
    lines: bool,
    errors: list[LoadError] | None,
    max_chars: int | None = None,
) -> list[Article]:
    records: list[tuple[str, Any]] = []
    if lines:
        # split("\n"), not splitlines(): JSON strings may hold raw U+2028/U+2029, which splitlines() breaks on.
        for n, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                records.append((f"line {n}", json.loads(line)))
            except json.JSONDecodeError as e:
                records.append((f"line {n}", LoadError(name, f"line {n}: invalid JSON: {e.msg} (column {e.colno})")))
            except RecursionError:
                records.append((f"line {n}", LoadError(name, f"line {n}: {_TOO_DEEP}")))
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise LoadError(name, f"invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from e
        except RecursionError:
            raise LoadError(name, _TOO_DEEP) from None
        if isinstance(doc, dict):
            records = [("the object", doc)]
        elif isinstance(doc, list):
            records = [(f"item {i}", r) for i, r in enumerate(doc)]
        else:
            raise LoadError(name, "expected a JSON object or a list of objects")
    if not records:
        raise LoadError(name, "empty (no records)")
    articles: list[Article] = []
    problems: list[LoadError] = []
    for label, record in records:
        try:
            if isinstance(record, LoadError):
                raise record
            article = _article_from_record(record, label, name=name, source=source, url=url, max_chars=max_chars)
            if label != "the object":  # one record of several: the report can name it (trial 16 D11)
                article.record = label
            articles.append(article)
        except LoadError as e:
            if errors is None:
                raise
            problems.append(e)
    if not articles and problems:
        if len(problems) == 1:
            raise problems[0]
        first = problems[0].message
        raise LoadError(name, f"no valid records ({len(problems)} bad; first: {first})")
    if errors is not None:
        errors.extend(problems)
    return articles


_TOO_DEEP = "invalid JSON: nested too deeply (a news record is a flat object)"


def _article_from_record(
    record: Any, label: str, *, name: str, source: str, url: str | None, max_chars: int | None = None
) -> Article:
    if not isinstance(record, dict):
        raise LoadError(name, f"{label}: expected an object, got {type(record).__name__}")
    fields: dict[str, str] = {}
    for key in ("title", "source", "url", "author", *_TEXT_FIELDS, *_DATE_FIELDS):
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise LoadError(name, f"{label}: '{key}' must be a string, got {type(value).__name__}")
        fields[key] = value
    body = next((fields[k] for k in _TEXT_FIELDS if fields.get(k, "").strip()), "")
    if not body:
        raise LoadError(name, f"{label}: missing 'text' (or 'body'/'content')")
    if max_chars is not None and len(body) > max_chars:
        raise LoadError(name, f"{label}: text has {len(body)} characters, over the {max_chars}-character article limit")
    published = None
    raw_date = next((fields[k] for k in _DATE_FIELDS if fields.get(k, "").strip()), "")
    if raw_date:
        published = _parse_date(raw_date)
        if published is None:
            raise LoadError(name, f"{label}: published date {raw_date!r} is not ISO 8601")
    title = fields.get("title", "").strip()
    if not title:
        detected, rest = split_title(body)
        title, body = (detected, rest) if detected else (_title_from_text(body), body)
    return build_article(
        title,
        body,
        source=fields.get("source") or source,
        url=fields.get("url") or url,
        published=published,
        author=fields.get("author") or None,
    )


# --- Dates ----------------------------------------------------------------------------------------------------------


def _naive(value: datetime) -> datetime:
    """Aware datetimes become naive UTC so all published dates compare with each other."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _parse_date(value: str) -> datetime | None:
    """ISO 8601 date or datetime ('2025-11-21', '2025-11-21T10:22:00Z') as a naive datetime, else None."""
    value = value.strip()
    if not value:
        return None
    try:
        return _naive(datetime.fromisoformat(value))
    except ValueError:
        pass
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(d.year, d.month, d.day)
