"""[n] citation markers: parsing (tolerant of small models' formats), verification, exact quotes and renumbering."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from app.chunks.span_vectors import decode
from app.models import ABSTAIN_PREFIX, AnswerSentence, Citation, Passage
from app.text import split_sentences
from app.verify.lexicon import FILLER_WORDS, STOPWORDS
from app.verify.support import SupportChecker

log = logging.getLogger(__name__)

_NUMS = r"\d{1,3}(?:\s*(?:,|;|-|–|—)\s*\d{1,3})*"
MARKER = re.compile(rf"\[\s*({_NUMS})\s*\]")
"""A canonical marker: [1], [1, 2], [1-2]; '[1][3]' is two markers."""

_RUN = re.compile(rf"{MARKER.pattern}(?:\s*(?:,|;|and|&)?\s*{MARKER.pattern})*")
_PARENS = re.compile(rf"\(\s*({_RUN.pattern})\s*\)")  # "([1])" after normalization
_MAX_RANGE = 20

# Variants small models write, rewritten to canonical markers before parsing. Group 1 holds the numbers.
_KEY = r"(?:passages?|sources?|docs?|documents?|articles?|refs?|references?|chunks?|excerpts?|context)"
_BARE_KEY = r"(?:passages?|sources?|docs?|documents?|excerpts?)"  # not "Article 5": news text says that
_SEP = r"(?:,|;|and|&|-|–|to)"
_LIST = rf"(?:{_KEY}\s*[:#]?\s*)?\d{{1,3}}(?:\s*{_SEP}\s*(?:{_KEY}\s*[:#]?\s*)?\d{{1,3}})*"
_VARIANTS: list[re.Pattern[str]] = [
    re.compile(r"\[(\d{1,3})\]\((?:https?://|#)[^)\s]*\)"),  # markdown link [1](url)
    re.compile(r"【\s*(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)[^】]{0,40}】"),  # 【1】, 【1†source】
    re.compile(r"\[\^(\d{1,3})\]"),  # footnote [^1]
    re.compile(rf"\[\s*({_LIST})\s*\]", re.IGNORECASE),  # [Passage 1], [Sources 1 and 2], [1 & 3]
    re.compile(rf"\(\s*(?:see|per|cf\.?)?\s*({_KEY}\s*[:#]?\s*\d{{1,3}}(?:\s*{_SEP}\s*(?:{_KEY}\s*[:#]?\s*)?\d{{1,3}})*)\s*\)", re.I),
    re.compile(r"\(\s*(\d{1,2}(?:\s*(?:,|-|–)\s*\d{1,2})*)\s*\)"),  # (1), (1, 2)
    re.compile(rf"(?:\b(?:according to|as stated in|as noted in|see|per)\s+)?\b{_BARE_KEY}\s*#?\s*(\d{{1,3}}(?:\s*(?:,|and|&)\s*\d{{1,3}})*)\b", re.I),
]  # fmt: skip

_BULLET = re.compile(r"^\s*(?:[-*•+>]|\d{1,2}[.)]|#{1,6})\s+")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")


@dataclass
class Verified:
    """A checked answer: renumbered markdown, each sentence's verdict, and the citations it uses."""

    answer: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)


@dataclass
class _Sentence:
    start: int  # span in the marker-free text
    end: int
    numbers: list[int]


def normalize_markers(text: str) -> str:
    """Rewrite '(1)', '[Passage 1]', '【1】', '[^1]', 'Source 1' ... as canonical markers: '[1]', '[1, 2]'."""
    for pattern in _VARIANTS:
        text = pattern.sub(lambda m: _canonical(m.group(1)), text)
    return _PARENS.sub(r"\1", text)


def _canonical(body: str) -> str:
    body = re.sub(rf"(?i){_KEY}\s*[:#]?\s*", "", body)
    return "[" + ", ".join(str(n) for n in _marker_numbers(body)) + "]"


def _marker_numbers(body: str) -> list[int]:
    nums: list[int] = []
    for part in re.split(r"\s*(?:,|;|\band\b|&)\s*", body):
        bounds = re.split(r"\s*(?:-|–|—|\bto\b)\s*", part.strip())
        if len(bounds) == 2 and all(b.isdigit() for b in bounds) and 0 <= int(bounds[1]) - int(bounds[0]) < _MAX_RANGE:
            nums.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            nums.extend(int(b) for b in bounds if b.isdigit())
    return nums


def _strip(text: str) -> tuple[str, list[tuple[int, list[int]]]]:
    """Text without markers, and each marker run's position in it with its numbers."""
    out: list[str] = []
    markers: list[tuple[int, list[int]]] = []
    pos = 0
    length = 0
    for m in _RUN.finditer(text):
        chunk = text[pos : m.start()].rstrip(" \t")
        out.append(chunk)
        length += len(chunk)
        nums = [n for mm in MARKER.finditer(m.group(0)) for n in _marker_numbers(mm.group(1))]
        markers.append((length, list(dict.fromkeys(nums))))
        prev = "".join(out)[-1:]
        end = m.end()
        lead = re.match(r"\s*[,;]\s*", text[end:])
        if lead and (not prev or prev in "\n.!?:"):  # "[1], Zelenskyy said" at a sentence start: drop the comma
            end += lead.end()
        nxt = text[end : end + 1]
        if prev and not prev.isspace() and (nxt.isalnum() or nxt in "\"'“‘("):
            out.append(" ")
            length += 1
        pos = end
    out.append(text[pos:])
    return "".join(out), markers


def _sentences(text: str) -> tuple[str, list[_Sentence]]:
    stripped, markers = _strip(normalize_markers(text))
    spans = split_sentences(stripped)
    sents = [_Sentence(s.start, s.end, []) for s in spans]
    for pos, nums in markers:
        if not sents:
            break
        # A marker belongs to the last sentence that starts before it: "... ready. [1] The EU ..." cites "ready".
        idx = max((i for i, s in enumerate(sents) if s.start < pos), default=0)
        for n in nums:
            if n not in sents[idx].numbers:
                sents[idx].numbers.append(n)
    return stripped, sents


def clean_sentence(raw: str) -> str:
    """A sentence without list bullets, heading marks and emphasis."""
    text = _BULLET.sub("", raw)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def split_cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the passage numbers cited in or right after each; [] when nothing is cited."""
    stripped, sents = _sentences(text)
    if not any(s.numbers for s in sents):
        return []
    out = [(clean_sentence(stripped[s.start : s.end]), s.numbers) for s in sents]
    return [(t, nums) for t, nums in out if t]


def is_filler(sentence: str) -> bool:
    """Connective filler ('Here is the answer:', 'Sources:', 'I hope this helps.') that makes no claim."""
    words = re.findall(r"[^\W\d_]+|\d+", sentence.lower())
    return not any(w not in STOPWORDS and w not in FILLER_WORDS and len(w) > 1 for w in words)


def make_citation(n: int, passage: Passage, local_span: tuple[int, int]) -> Citation:
    """Citation n quoting passage.text[start:end], with offsets mapped to the article text."""
    start, end = local_span
    if not 0 <= start <= end <= len(passage.text):
        raise ValueError(f"span {local_span} is outside passage {passage.chunk_id} of {len(passage.text)} chars")
    return Citation(
        n=n,
        article_id=passage.article_id,
        title=passage.title,
        source=passage.source,
        url=passage.url,
        published=passage.published,
        chunk_id=passage.chunk_id,
        quote=passage.text[start:end],
        start=passage.start + start,
        end=passage.start + end,
    )


def _with_markers(raw: str, numbers: list[int]) -> str:
    if not numbers:
        return raw
    marks = "".join(f"[{n}]" for n in numbers)
    m = re.search(r"([.!?…]+)$", raw)
    if m:  # "ready [1]." rather than "ready. [1]"; after closing quotes or emphasis, append
        return f"{raw[: m.start()]} {marks}{m.group(1)}"
    return f"{raw} {marks}"


def verify(text: str, passages: list[Passage], checker: SupportChecker, *, strict: bool = False) -> Verified:
    """Check every sentence against the passages it cites; renumber citations in order of first use.

    Passage numbers in `text` are 1-based indices into `passages`. In strict mode unsupported sentences are removed.
    """
    stripped, sents = _sentences(text)
    plan: list[tuple[_Sentence, str, str]] = []  # (sentence, clean text, role)
    for s in sents:
        clean = clean_sentence(stripped[s.start : s.end])
        if not clean:
            continue
        if clean.startswith(ABSTAIN_PREFIX) and not s.numbers:
            plan.append((s, clean, "abstain"))
        elif is_filler(clean):
            plan.append((s, clean, "drop"))
        elif clean.endswith(":") and not s.numbers:
            plan.append((s, clean, "lead-in"))
        else:
            plan.append((s, clean, "claim"))

    to_check = [
        (i, [n for n in s.numbers if 1 <= n <= len(passages)]) for i, (s, _, role) in enumerate(plan) if role == "claim"
    ]
    to_check = [(i, valid) for i, valid in to_check if valid]
    stored = [decode(p.span_vectors) if p.span_vectors else None for p in passages]
    results = checker.check_many(
        [plan[i][1] for i, _ in to_check],
        [[passages[n - 1].text for n in valid] for _, valid in to_check],
        span_vectors=[[stored[n - 1] for n in valid] for _, valid in to_check] if any(stored) else None,
    )
    by_index = {i: (valid, r) for (i, valid), r in zip(to_check, results, strict=True)}

    citations: dict[tuple[str, int, int], Citation] = {}
    out_sentences: list[AnswerSentence] = []
    pieces: list[str] = []
    cursor = 0
    for i, (s, clean, role) in enumerate(plan):
        gap = stripped[cursor : s.start]
        raw = stripped[s.start : s.end]
        cursor = s.end
        if role == "drop":
            pieces.append(gap + _REMOVED)
            continue
        if role in ("abstain", "lead-in"):
            pieces.append(gap + raw)
            if role == "abstain":
                out_sentences.append(
                    AnswerSentence(text=clean, supported=True, score=1.0, reason="abstention: no claim")
                )
            continue
        invalid = [n for n in s.numbers if not 1 <= n <= len(passages)]
        valid, result = by_index.get(i, ([], None))
        if result is None:
            supported, score = False, 0.0
            reason = "no citation" if not s.numbers else ""
        else:
            supported, score, reason = result.supported, result.score, result.reason
        if invalid:
            supported = False
            bad = ", ".join(f"[{n}]" for n in invalid)
            reason = f"cites {bad} but only {len(passages)} passages" + (f"; {reason}" if reason else "")
        if strict and not supported:
            pieces.append(gap + _REMOVED)
            continue
        numbers: list[int] = []
        for j, n in enumerate(valid):
            span = result.passage_spans[j] if result is not None else None
            if span is None:
                continue
            p = passages[n - 1]
            key = (p.chunk_id, p.start + span[0], p.start + span[1])
            if key not in citations:
                citations[key] = make_citation(len(citations) + 1, p, span).model_copy(update={"passage": n})
            if citations[key].n not in numbers:
                numbers.append(citations[key].n)
        out_sentences.append(
            AnswerSentence(text=clean, citations=numbers, supported=supported, score=score, reason=reason)
        )
        pieces.append(gap + _with_markers(raw, numbers))
    pieces.append(stripped[cursor:])
    return Verified(answer=_tidy("".join(pieces)), sentences=out_sentences, citations=list(citations.values()))


_REMOVED = "\x00"  # where a sentence was removed; a line left with nothing else goes too


def _tidy(markdown: str) -> str:
    """Drop lines emptied by removed sentences (and bare bullets left behind); collapse blank runs."""
    lines: list[str] = []
    for line in markdown.split("\n"):
        if _REMOVED in line and re.fullmatch(rf"\s*(?:[-*•+>]|\d{{1,2}}[.)]|#{{1,6}})?[\s{_REMOVED}]*", line):
            continue
        lines.append(line.replace(_REMOVED, "").rstrip())
    text = re.sub(r"(?<=\S)[ \t]{2,}", " ", "\n".join(lines))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def cited_sentences(text: str) -> tuple[str, list[tuple[int, int, list[int]]]]:
    """The text without markers, and each sentence's (start, end) in it with the passage numbers it cites."""
    stripped, sents = _sentences(text)
    return stripped, [(s.start, s.end, s.numbers) for s in sents]
