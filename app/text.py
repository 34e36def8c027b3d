"""Pure text utilities: paragraphs, sentences (with offsets), normalization, content ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from app.models import Article, Span

# Abbreviations that never end a sentence when the next word is capitalized ("Mr. Smith", "Gen. Milley").
_TITLES = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "gov", "sen",
    "rep", "pres", "rev", "hon", "vs", "fig", "approx", "dept", "mt", "ft", "adm", "maj", "cpl", "supt",
}  # fmt: skip
# Abbreviations that may also close a sentence ("... Apple Inc. The company"); they end one only before a
# word that usually starts a sentence (see _SENTENCE_STARTERS).
_ABBREVIATIONS = _TITLES | {
    "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip
# Abbreviations only before a number ("No. 10", "Vol. 3"); elsewhere "no." is the word no.
_NUMBER_ABBREVIATIONS = {"no", "nos", "vol", "pp", "art", "nr"}
_SENTENCE_STARTERS = {
    "The", "A", "An", "He", "She", "It", "They", "We", "I", "You", "But", "And", "This", "That", "These",
    "Those", "In", "On", "At", "However", "Meanwhile", "There", "Its", "His", "Her", "Their", "Our", "Some",
    "Many", "According", "After", "Before", "If", "When", "While", "As", "Yet", "So", "Still", "Earlier", "Later",
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


_WORD_BEFORE_DOT = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_WORD_CHARS = re.compile(r"[A-Za-z.]+")
_WORD_WINDOW = 64


def _is_abbreviation(text: str, dot: int, next_word: str = "") -> bool:
    """True when the '.' at `dot` ends an abbreviation or an initial rather than a sentence.

    `next_word` is the word after the dot: "U.S. officials" keeps going, "the U.S. The move" ends a sentence.
    """
    # The word before the dot, searched in a short window: searching all of text[:dot] made sentence splitting
    # quadratic in the paragraph length (docs/performance.md). A run of letters/dots reaching past the window is re-read whole.
    lo = max(0, dot - _WORD_WINDOW)
    m = _WORD_BEFORE_DOT.search(text, lo, dot)
    if m and lo > 0 and _WORD_CHARS.fullmatch(text, lo - 1, m.start()):
        m = _WORD_BEFORE_DOT.search(text, 0, dot)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _NUMBER_ABBREVIATIONS:
        return next_word[:1].isdigit()
    if word in _TITLES:
        return True
    if word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        return next_word not in _SENTENCE_STARTERS
    # Single capital initial ("J. Smith")
    return len(word) == 1 and m.group(1).isupper()


def _sentence_spans(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cur = start
    for m in _END.finditer(text, start, end):
        stop = m.end()
        nxt = stop
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if m.group(0).startswith(".") and not m.group(0).startswith("..."):
            next_word = re.match(r"[^\s\"'“‘«(\[]*", text[nxt:end])
            if _is_abbreviation(text, m.start(), next_word.group(0).rstrip(",;:") if next_word else ""):
                continue
        # Next sentence must start with an uppercase letter, digit or an opener.
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


def strip_span(text: str, start: int, end: int, chars: str) -> tuple[int, int]:
    """[start, end) narrowed past any of `chars` at either end (str.strip, as a span into the text)."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def normalize_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def normalize_for_id(text: str) -> str:
    """Case-, accent-form- and whitespace-insensitive form used for content ids."""
    return normalize_whitespace(unicodedata.normalize("NFKC", text)).lower()


def article_id(text: str) -> str:
    return hashlib.sha256(normalize_for_id(text).encode("utf-8")).hexdigest()[:16]


def clean_question(text: str) -> str:
    """A question as typed or pasted, in the form articles are read in: NFKC (full-width '２０２２' is 2022, full-width
    letters are letters), no invisible or control characters (zero-width spaces, soft hyphens), single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return normalize_whitespace(text)


def clean_text(text: str) -> str:
    """Normalize newlines and unicode form, strip control characters, collapse runs of blank lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_REFERENCE_MARKS = re.compile(
    r"(?<=[\w.,;:!?\"”’)])\s?(?:\[(?:\d{1,3}|\^\w{1,20}|note \d{1,3}|[a-z ,–-]{0,30}needed"
    r"|(?:who|whom|when|where|which|why|according to whom)\?)\])+"
    r"|(?<=[.,;:!?\"”’)])\[[a-z]\]",
    re.I,
)
"""Footnote reference marks after a word or stop, glued or one space on ("completed in 1931,[3] reached", "a day [6]
after", "said.[a]"), Markdown footnote references ("[^4]") and encyclopedia tags ("[citation needed]", "[when?]"):
pages copied from encyclopedias and some news sites carry them. Left in, they read as Newsdesk's own [n] citation
markers and break the sentence ends answers are quoted at. Editorial brackets ("[sic]", "[the council]", "plan[s]"),
years ("[2024]") and a bracket opening a line ("[1] First item") are words and stay."""


def strip_reference_marks(text: str) -> str:
    return _REFERENCE_MARKS.sub("", text)


def build_article(
    title: str,
    text: str,
    *,
    source: str = "",
    url: str | None = None,
    published: datetime | None = None,
    author: str | None = None,
) -> Article:
    """An Article with its id, paragraph and sentence spans computed from the clean text (footnote marks removed)."""
    text = strip_reference_marks(clean_text(text))
    paragraphs = split_paragraphs(text)
    return Article(
        id=article_id(text),
        title=normalize_whitespace(clean_text(title)) or "Untitled",
        text=text,
        source=source,
        url=url,
        author=author,
        published=published,
        paragraphs=paragraphs,
        sentences=split_sentences(text, paragraphs),
    )


# --- Raw text formats (pure; the loaders do the I/O) ---------------------------------------------------------------

_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_DATELINE = re.compile(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?")


def parse_dateline(line: str) -> datetime | None:
    """'21 NOV 2025 10:22' (day, month name, year, optional time) as a naive datetime, else None."""
    m = _DATELINE.fullmatch(line.strip())
    if not m:
        return None
    day, month_name, year, hour, minute = m.groups()
    month = _MONTHS.get(month_name[:3].lower())
    if month is None or (len(month_name) > 3 and not any(month_name.lower() == full for full in _month_names(month))):
        return None
    try:
        return datetime(int(year), month, int(day), int(hour or 0), int(minute or 0))
    except ValueError:
        return None


def _month_names(month: int) -> tuple[str, ...]:
    names = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december")  # fmt: skip
    full = names[month - 1]
    return (full, "sept") if month == 9 else (full,)


# Whole lines that are site chrome, not article text (matched case-insensitively, trailing lines only).
# Each alternative is narrow on purpose: a real last paragraph about cookies or a newsletter must stay.
_SECTION = r"(?:related|recommended|popular|trending|most\s+read|top)(?:\s+(?:reads?|articles?|stories|posts|news|coverage|content|for\s+you))?"
_BOILERPLATE = re.compile(
    r"""(?ix)^(?:
      """
    + _SECTION
    + r"""
    | (?:read|see)\s+(?:more|also|next)\b.*
    | more\s+(?:from|on|in|stories|news)\b.*
    | (?:you|we\ think\ you)\s+(?:may|might|will)\s+(?:also\s+)?(?:like|enjoy|be\ interested)\b.*
    | share(?:\s+(?:this|the))?(?:\s+(?:article|story|post|page))?(?:\s+(?:on|via)\s+\S+)?
    | share\s+(?:on|via)\s+\S+.*
    | (?:sign|log)\s*(?:in|up|on)\b.*\b(?:comments?|account|newsletter|subscribe|register)\b.*
    | .*\b(?:create|register\ for)\s+an?\s+(?:free\s+)?.*\baccount\s+to\s+(?:post|comment|continue|read|join|keep)\b.*
    | subscribe\b.*
    | (?:sign\s+up|subscribe|get|join)\b.*\bnewsletter\b.*
    | .*\b(?:we|this\s+(?:site|website))\s+uses?\s+cookies\b.*
    | .*\bcookies?\s+(?:policy|settings|preferences|consent|notice)\b.*
    | (?:accept|reject)(?:\s+all)?(?:\s+cookies)?
    | advertisement|sponsored(?:\s+content)?|ad
    | (?:\d+\s+)?comments?(?:\s*\(\d+\))?|leave\s+a\s+(?:comment|reply)|join\s+the\s+(?:conversation|discussion)
    | follow\s+us\b.*
    | (?:tags?|topics?|filed\ under)\s*:.*
    | (?:copyright\s*)?(?:©|\(c\)|copyright)\s*\d{4}\b.*|all\s+rights\s+reserved\.?
    | print(?:\s+this\s+(?:article|page))?|email(?:\s+this\s+(?:article|page))?|back\s+to\s+top
    )[.!:]?$""",
)
# A line that opens a trailing block of links to other articles ("Related Reads" + headlines).
_SECTION_MARKER = re.compile(
    r"(?i)^(?:"
    + _SECTION
    + r"|read\s+(?:more|next|also)|more\s+(?:from|on|stories|news)(?:\s+\S+){0,3}|you\s+(?:may|might)\s+also\s+like)\s*:?$"
)
_SITE_NAME = r"(?P<site>[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,4})"
_SITE_PATTERNS = (
    re.compile(r"\b(?i:create\s+an?\s+(?:free\s+)?)" + _SITE_NAME + r"\s+(?i:account)\b"),
    re.compile(r"\b(?i:(?:sign|log)\s*in\s+(?:to|with)\s+(?:your\s+)?)" + _SITE_NAME + r"\s+(?i:account)\b"),
    re.compile(r"^(?i:copyright\s*)?(?:©|\([cC]\))?\s*\d{4}\s+" + _SITE_NAME),
)
_MAX_BOILERPLATE_LINE = 300
_COOKIE = re.compile(r"(?i)\bcookies?\b")
_MAX_HEADLINE_LINE = 160


def is_boilerplate_line(line: str) -> bool:
    """True for a line of site chrome: 'Related Reads', 'Sign in ... to post comments', cookie notices, ..."""
    line = line.strip()
    return 0 < len(line) <= _MAX_BOILERPLATE_LINE and bool(_BOILERPLATE.match(line))


def detect_site_name(lines: list[str]) -> str | None:
    """A publisher name mentioned in boilerplate ('Sign in or create a free ReOpen Media account ...')."""
    for line in lines:
        for pattern in _SITE_PATTERNS:
            m = pattern.search(line.strip())
            if m and m.group("site").lower() not in {"an", "a", "your", "the", "new"}:
                return m.group("site").strip(" .")
    return None


def strip_boilerplate(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split off trailing site chrome (and leading cookie notices). Returns (content lines, removed lines).

    A trailing block that opens with a marker like 'Related Reads' and holds only short headline-like lines
    is removed whole; otherwise only lines that match the boilerplate patterns go.
    """
    lines = list(lines)
    removed: list[str] = []
    while lines and (not lines[0].strip() or (_COOKIE.search(lines[0]) and is_boilerplate_line(lines[0]))):
        removed.append(lines.pop(0))
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or is_boilerplate_line(lines[end - 1])):
        end -= 1
    # A "Related Reads" block: the marker line, then only headlines (short, no final period).
    for i in range(max(0, end - 12), end):
        if _SECTION_MARKER.match(lines[i].strip()) and all(
            not ln.strip() or (len(ln.strip()) <= _MAX_HEADLINE_LINE and not ln.strip().endswith("."))
            for ln in lines[i + 1 : end]
        ):
            end = i
            while end > 0 and not lines[end - 1].strip():
                end -= 1
            break
    return lines[:end], removed + lines[end:]


@dataclass(frozen=True)
class NewsText:
    """An article in the sample 'news text' format, split into its parts."""

    title: str
    published: datetime | None
    body: str
    site: str | None


def parse_news_text(text: str) -> NewsText | None:
    """Parse 'title / dateline / blank / title / dateline / paragraphs / boilerplate'; None if not that format.

    The repeated header is optional; the boilerplate tail is removed from the body.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    title, i = lines[i].strip() if i < len(lines) else "", i + 1
    while i < len(lines) and not lines[i].strip():  # a blank line may stand between the title and its dateline
        i += 1
    published = parse_dateline(lines[i]) if i < len(lines) else None
    if published is None or not title or len(title) >= 200:
        return None
    i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    # The site repeats the header above the body.
    if i < len(lines) and normalize_whitespace(lines[i]) == normalize_whitespace(title):
        i += 1
        if i < len(lines) and parse_dateline(lines[i]) is not None:
            i += 1
    body, removed = strip_boilerplate(lines[i:])
    return NewsText(title=title, published=published, body="\n".join(body).strip(), site=detect_site_name(removed))


def split_title(text: str) -> tuple[str | None, str]:
    """(title, rest) when the first non-empty line looks like a title (< 200 chars, no final period), else (None, text)."""
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    if first and len(first) < 200 and not first.endswith(".") and rest.strip():
        return first, rest.strip()
    return None, stripped


def unwrap_lines(text: str) -> str:
    """Join hard-wrapped lines (blank-line separated paragraphs, lines filled to a fixed width) into one line each.

    Text that already has one paragraph per line is returned unchanged.
    """
    blocks = re.split(r"\n\s*\n", text.strip())
    lines = [ln for b in blocks for ln in b.split("\n") if ln.strip()]
    width = max((len(ln.rstrip()) for ln in lines), default=0)
    inner = [ln.rstrip() for b in blocks for ln in b.split("\n")[:-1] if ln.strip()]
    # Hard wrapping: 40-100 column lines; the lines that continue on the next one are filled close to the width
    # and mostly stop mid-sentence (one-paragraph-per-line text ends its lines with . ! ? instead).
    filled = sum(len(ln) >= 0.6 * width for ln in inner)
    mid_sentence = sum(not re.search(r"""[.!?:]["'”’)]*$""", ln) for ln in inner)
    wrapped = 40 <= width <= 100 and len(inner) >= 2 and filled >= 0.8 * len(inner) and mid_sentence >= 0.5 * len(inner)
    if not wrapped:
        return text
    return "\n\n".join(normalize_whitespace(_dehyphenate(b)) for b in blocks if b.strip())


def _dehyphenate(block: str) -> str:
    """'exam-\\nple' -> 'example' for words split across wrapped lines."""
    return re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", block)


def unwrap_pdf_text(text: str) -> str:
    """Join the visual lines of extracted PDF text into paragraphs.

    A line continues on the next one unless it is clearly shorter than the page's usual line width or the
    next line is blank.
    """
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lengths = sorted(len(ln) for ln in lines if ln)
    if not lengths:
        return ""
    full = lengths[int(0.8 * (len(lengths) - 1))]
    out: list[str] = []
    cur = ""
    for ln in lines:
        if not ln:
            if cur:
                out.append(cur)
            cur = ""
            continue
        if cur.endswith("-") and ln[:1].islower() and cur[-2:-1].isalpha():
            cur = cur[:-1] + ln
        else:
            cur = f"{cur} {ln}" if cur else ln
        # Wrapping fills lines; a clearly short line ends its paragraph (or is a heading).
        if len(ln) < 0.75 * full:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return "\n".join(out)


# --- Markdown -------------------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_RULE = re.compile(r"^\s*(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_INLINE = (
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # inline HTML tags
    (re.compile(r"(`+)(.+?)\1"), r"\2"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),
)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML-style front matter as flat `key: value` strings (quotes removed), and the rest of the text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-", "#")):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[key.strip().lower()] = value
    return meta, text[m.end() :]


def markdown_inline_to_text(line: str) -> str:
    line = strip_reference_marks(line)  # before the link rules read "[1][2]" as a link to a reference
    for pattern, repl in _INLINE:
        line = pattern.sub(repl, line)
    return line


def markdown_to_text(markdown: str) -> tuple[str | None, str]:
    """(first '# ' heading, plain text with one paragraph per line). Headings become paragraphs.

    A leading '# ' heading is the title and is left out of the text.
    """
    markdown = re.sub(r"<!--.*?-->", "", markdown, flags=re.S)
    paragraphs: list[str] = []
    cur: list[str] = []
    title: str | None = None
    in_fence = False

    def flush() -> None:
        if cur:
            paragraphs.append(" ".join(cur))
            cur.clear()

    for raw in markdown.split("\n"):
        line = raw.rstrip()
        if re.match(r"^\s*(```|~~~)", line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            if line.strip():
                paragraphs.append(line.strip())
            continue
        line = re.sub(r"^\s{0,3}(?:>\s?)+", "", line)  # blockquotes
        if not line.strip() or _RULE.match(line) or re.match(r"^\s*(?:=+|-+)\s*$", line):  # rules, setext underlines
            flush()
            continue
        if re.match(r"^\s*\[[^\]]+\]:\s+\S+", line):  # link reference definition
            continue
        if re.match(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", line):  # table separator row
            continue
        heading = _HEADING.match(line.strip())
        if heading:
            flush()
            text = markdown_inline_to_text(heading.group(2)).strip()
            if heading.group(1) == "#" and title is None:
                title = text
                if not paragraphs:
                    continue
            paragraphs.append(text)
            continue
        if _LIST_ITEM.match(line):
            flush()
            line = _LIST_ITEM.sub("", line)
        if line.strip().startswith("|") and line.strip().endswith("|"):  # table row: one paragraph per row
            flush()
            paragraphs.append(" | ".join(c.strip() for c in line.strip().strip("|").split("|")))
            continue
        cur.append(line.strip())
    flush()
    body = "\n".join(p for p in (markdown_inline_to_text(p).strip() for p in paragraphs) if p)
    return title, body
