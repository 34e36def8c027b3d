"""Lexical analysis for the support checker: tokens, stems, names, numbers, times and negation scopes of a text."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.verify.lexicon import (
    ALIASES,
    ANTONYM_PAIRS,
    DISCOURSE,
    IMPLICIT_NEGATIONS,
    NEGATIONS,
    NUMBER_SCALES,
    NUMBER_WORDS,
    SCOPE_BREAKS,
    STOPWORDS,
    TEMPORAL_WORDS,
    TIME_UNITS,
    TITLE_WORDS,
)

CLAIM_SCOPE, SOURCE_SCOPE = 3, 2  # content words governed by a negation cue in a claim / in a source sentence

_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*|[^\w\s]")
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s*(thousand|million|billion|trillion|bn)\b)?", re.IGNORECASE
)
_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_INITIAL_BEFORE = {".", "!", "?", ":", ";", '"', "“", "”", "(", "[", "-", "–", "—", "*", "#", "«", "‘", "•", ">"}


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # PyStemmer ships no type information
    import Stemmer

    return Stemmer.Stemmer("english")


_STEM_LOCK = threading.Lock()  # PyStemmer's stemmers are not thread-safe


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    with _STEM_LOCK:
        return _stemmer().stemWord(word.lower())


@lru_cache(maxsize=1)
def time_units() -> frozenset[str]:
    return frozenset(stem(w) for w in TIME_UNITS)


@lru_cache(maxsize=1)
def _implicit_negations() -> frozenset[str]:
    return frozenset(stem(w) for w in IMPLICIT_NEGATIONS)


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for a, b in ANTONYM_PAIRS:
        table.setdefault(stem(a), set()).add(stem(b))
        table.setdefault(stem(b), set()).add(stem(a))
    return {k: frozenset(v) for k, v in table.items()}


def _fold(text: str) -> str:
    """Unicode-normalized, accent-free text with 'n't' expanded and dotted acronyms joined."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    text = re.sub(r"(?i)\bcannot\b", "can not", text)
    return re.sub(r"(?i)n't\b", " not", text)


def similar_stem(a: str, b: str) -> bool:
    """Same stem, or one a prefix of the other (Ukraine/Ukrainian, Russia/Russian)."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 5 and long_.startswith(short) and len(long_) - len(short) <= 3


def contains(stems: frozenset[str], s: str) -> bool:
    return s in stems or any(similar_stem(s, t) for t in stems)


@dataclass(frozen=True)
class _Token:
    word: str  # folded surface form
    lower: str
    initial: bool  # first word of a sentence, quote or list item


@dataclass(frozen=True)
class Analysis:
    """Lexical facts about one text, computed once and cached by text."""

    tokens: tuple[_Token, ...]
    content: frozenset[str]
    content_order: tuple[str, ...]
    words: frozenset[str]  # lowercased word tokens, plus alias expansions
    names: tuple[str, ...]  # proper-name words (surface form)
    numbers: tuple[tuple[str, float], ...]
    time_pairs: tuple[tuple[str, float, str], ...]  # (surface, value, unit stem)
    bare_units: frozenset[str]  # time units used without a number ("the past year")
    temporal: tuple[str, ...]  # temporal words (surface)
    neg_scopes: tuple[frozenset[str], ...]  # explicit negations ("not", "no"...): governed content stems
    free: frozenset[str]  # content stems with an occurrence outside explicit negations
    free_all: frozenset[str]  # ... outside explicit and implicit ("rejected", "denies") negations
    has_implicit: bool


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    prev = ""
    for m in _TOKEN.finditer(_fold(text)):
        tok = m.group(0)
        if tok[0].isalpha():
            out.append(_Token(tok, tok.lower(), initial=(not out and prev == "") or prev in _INITIAL_BEFORE))
        else:
            out.append(_Token(tok, tok, initial=False))
        prev = tok
    return out


def _is_content(lower: str) -> bool:
    return lower.isalpha() and len(lower) >= 2 and lower not in STOPWORDS and lower not in NUMBER_WORDS


def _numbers(text: str, tokens: Sequence[_Token]) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []
    for m in _NUMBER.finditer(_fold(text)):
        value = float(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
        if m.group(3):
            value *= NUMBER_SCALES[m.group(3).lower()]
        found.append((m.group(0), value))
    # Number words: "five", "twenty-five", "a million", "three hundred thousand"
    i = 0
    while i < len(tokens):
        if tokens[i].lower not in NUMBER_WORDS:
            i += 1
            continue
        j, words = i, list[str]()
        while j < len(tokens) and (tokens[j].lower in NUMBER_WORDS or (words and tokens[j].lower in {"-", "and"})):
            words.append(tokens[j].lower)
            j += 1
        while words and words[-1] in {"-", "and"}:
            words.pop()
        prev = tokens[i - 1].lower if i > 0 else ""
        a_scale = words[0] in NUMBER_SCALES and prev in {"a", "an"}
        after_digits = words[0] in NUMBER_SCALES and prev[:1].isdigit()  # "600 thousand": read by _NUMBER
        if (words != ["one"] or a_scale) and not after_digits:  # bare "one" is mostly a pronoun ("one of the members")
            found.append((" ".join(words), _word_value(words, a_scale)))
        i = max(j, i + 1)
    return found


def _word_value(words: list[str], a_scale: bool) -> float:
    total, current = 0.0, 1.0 if a_scale else 0.0
    for w in words:
        if w in {"-", "and"}:
            continue
        v = NUMBER_WORDS[w]
        if w == "hundred":
            current = (current or 1) * 100
        elif w in NUMBER_SCALES:
            total += (current or 1) * v
            current = 0
        else:
            current += v
    return total + current


def _time_pairs(tokens: Sequence[_Token]) -> tuple[list[tuple[str, float, str]], set[str]]:
    pairs: list[tuple[str, float, str]] = []
    bare: set[str] = set()
    for i, t in enumerate(tokens):
        unit = stem(t.lower) if t.lower.isalpha() else ""
        if unit not in time_units():
            continue
        j = i - 1
        if j >= 0 and tokens[j].lower == "-":
            j -= 1
        prev = tokens[j].lower if j >= 0 else ""
        if prev in {"a", "an", "one"}:
            pairs.append((f"{prev} {t.word}", 1.0, unit))
        elif prev in NUMBER_WORDS and prev not in NUMBER_SCALES:
            pairs.append((f"{prev} {t.word}", float(NUMBER_WORDS[prev]), unit))
        elif prev.replace(",", "").replace(".", "").isdigit():
            pairs.append((f"{prev} {t.word}", float(prev.replace(",", "")), unit))
        else:
            bare.add(unit)
    return pairs, bare


def _scopes(tokens: Sequence[_Token], cues: Iterable[str], width: int, by_stem: bool) -> list[tuple[int, ...]]:
    """For each negation cue, the indices of the (up to `width`) content tokens it governs."""
    cue_set = set(cues)
    scopes: list[tuple[int, ...]] = []
    for i, t in enumerate(tokens):
        key = stem(t.lower) if by_stem and t.lower.isalpha() else t.lower
        if key not in cue_set:
            continue
        governed: list[int] = []
        for j in range(i + 1, len(tokens)):
            nxt = tokens[j].lower
            if nxt in SCOPE_BREAKS or (not nxt.isalnum() and nxt not in {"-", "'", '"', "“", "”"}):
                break
            if _is_content(nxt):
                governed.append(j)
                if len(governed) >= width:
                    break
        scopes.append(tuple(governed))
    return scopes


def _is_name(t: _Token) -> bool:
    if len(t.word) >= 2 and t.word.isupper() and t.word.isalpha():
        return True  # acronyms: US, EU, NATO
    if not t.word[0].isupper() or t.lower in STOPWORDS or t.lower in TITLE_WORDS or len(t.lower) < 2:
        return False
    return not (t.initial and (t.lower in DISCOURSE or t.lower.endswith("ly")))


@lru_cache(maxsize=8192)
def analyze(text: str, scope_width: int = CLAIM_SCOPE) -> Analysis:
    """Lexical facts of a text; `scope_width` is how many content words a negation governs."""
    tokens = _tokens(text)
    content_order = tuple(stem(t.lower) for t in tokens if _is_content(t.lower))
    words = {t.lower for t in tokens if t.lower.isalpha()}
    for key, expansions in ALIASES.items():
        if key in words:
            for phrase in expansions:
                words.update(phrase.split())
    pairs, bare = _time_pairs(tokens)
    explicit = _scopes(tokens, NEGATIONS, scope_width, by_stem=False)
    implicit = _scopes(tokens, _implicit_negations(), CLAIM_SCOPE, by_stem=True)
    in_explicit = {j for sc in explicit for j in sc}
    in_any = in_explicit | {j for sc in implicit for j in sc}
    content_at = [(j, stem(t.lower)) for j, t in enumerate(tokens) if _is_content(t.lower)]
    return Analysis(
        tokens=tuple(tokens),
        content=frozenset(content_order),
        content_order=content_order,
        words=frozenset(words),
        names=tuple(dict.fromkeys(t.word for t in tokens if _is_name(t))),
        numbers=tuple(_numbers(text, tokens)),
        time_pairs=tuple(pairs),
        bare_units=frozenset(bare),
        temporal=tuple(
            dict.fromkeys(t.word for t in tokens if t.lower in TEMPORAL_WORDS or stem(t.lower) in time_units())
        ),
        neg_scopes=tuple(frozenset(stem(tokens[j].lower) for j in sc) for sc in explicit),
        free=frozenset(s for j, s in content_at if j not in in_explicit),
        free_all=frozenset(s for j, s in content_at if j not in in_any),
        has_implicit=bool(implicit),
    )


def name_present(name: str, source: Analysis) -> bool:
    low = name.lower()
    if low in source.words:
        return True
    s = stem(low)
    return any(similar_stem(s, stem(w)) or similar_stem(low, w) for w in source.words)


def coverage(claim: Analysis, source: Analysis) -> float:
    if not claim.content:
        return 0.0
    return sum(contains(source.content, s) for s in claim.content) / len(claim.content)
