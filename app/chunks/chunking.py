"""Token-aware chunking: whole sentences packed to a tiktoken budget, paragraph-aware, with sentence overlap.

Every chunk is an exact slice of the article text (`article.text[start:end] == chunk.text`) and fits both the
tiktoken budget and, when a counter is given, the embedding model's word-piece window (all-MiniLM-L6-v2 silently
truncates past 256 pieces, a different count from tiktoken's), so nothing is ever truncated unseen.

LangChain's splitters measure length but do not keep exact offsets across overlap nor check a second tokenizer,
so the packing is done here over the article's own sentence spans.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import tiktoken

from app.models import Article, Chunk, Span

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from app.settings import Settings

Counter = Callable[[str], int]


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    para: int  # index of the paragraph it belongs to
    pieces: int = 0  # word pieces of the unit alone, special tokens included (0 without a word-piece counter)


class ChunkLimits:
    """Checks a candidate slice against the tiktoken budget and the optional word-piece window."""

    def __init__(
        self, encoding: tiktoken.Encoding, max_tokens: int, max_wordpieces: int | None, wordpieces: Counter | None
    ):
        if max_tokens < 8:
            raise ValueError("chunk size must be at least 8 tokens")
        self.encoding = encoding
        self.max_tokens = max_tokens
        self.max_wordpieces = max_wordpieces if wordpieces is not None else None
        self.wordpieces = wordpieces

    def tokens(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def fits(self, text: str, tokens: int | None = None) -> bool:
        if (tokens if tokens is not None else self.tokens(text)) > self.max_tokens:
            return False
        return self.max_wordpieces is None or self.wordpieces is None or self.wordpieces(text) <= self.max_wordpieces

    def pieces(self, text: str) -> int:
        return self.wordpieces(text) if self.max_wordpieces is not None and self.wordpieces is not None else 0

    def fits_units(self, text: str, units: Sequence[_Unit]) -> bool:
        """`fits` for the whitespace-joined units: word pieces are only counted when the units' own counts add up past
        the window. Each unit's count includes the special tokens ([CLS], [SEP]) the joined text counts once, so the sum
        bounds the joined count. Counting every candidate slice made chunking quadratic (docs/performance.md)."""
        if self.tokens(text) > self.max_tokens:
            return False
        if (
            self.max_wordpieces is None
            or self.wordpieces is None
            or sum(u.pieces for u in units) <= self.max_wordpieces
        ):
            return True
        return self.wordpieces(text) <= self.max_wordpieces


def _split_long(text: str, start: int, end: int, limits: ChunkLimits, para: int) -> list[_Unit]:
    """Cut an over-long sentence into pieces at whitespace, each fitting the limits."""
    units: list[_Unit] = []
    pos = start
    while pos < end:
        # Aim at the token budget using tiktoken's own character offsets, then back off to whitespace.
        piece = text[pos:end]
        toks = limits.encoding.encode(piece, disallowed_special=())
        budget = limits.max_tokens
        while True:
            if len(toks) <= budget:
                cut = end
            else:
                # Byte length of the first `budget` tokens, mapped back to characters (a token may end mid-character).
                nbytes = sum(len(b) for b in limits.encoding.decode_tokens_bytes(toks[:budget]))
                cut = pos + len(piece.encode("utf-8")[:nbytes].decode("utf-8", errors="ignore"))
                ws = [m.start() for m in re.finditer(r"\s", text[pos:cut])]
                if ws and ws[-1] > 0:
                    cut = pos + ws[-1]
            if cut <= pos:
                cut = min(end, pos + 1)
            if limits.fits(text[pos:cut]) or cut - pos <= 1:
                break
            budget = max(1, int(budget * 0.8))
        s, e = pos, cut
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            units.append(_Unit(s, e, limits.tokens(text[s:e]), para, limits.pieces(text[s:e])))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    return units


def _units(article: Article, limits: ChunkLimits) -> list[_Unit]:
    text = article.text
    paras = article.paragraphs or [Span(start=0, end=len(text))]
    sentences = article.sentences or paras
    units: list[_Unit] = []
    p = 0
    for s in sentences:
        while p + 1 < len(paras) and s.start >= paras[p].end:
            p += 1
        seg = text[s.start : s.end]
        tokens = limits.tokens(seg)
        pieces = limits.pieces(seg)
        if tokens <= limits.max_tokens and (limits.max_wordpieces is None or pieces <= limits.max_wordpieces):
            units.append(_Unit(s.start, s.end, tokens, p, pieces))
        else:
            units.extend(_split_long(text, s.start, s.end, limits, p))
    return units


def chunk_article(
    article: Article,
    *,
    max_tokens: int,
    overlap_tokens: int,
    encoding: tiktoken.Encoding,
    max_wordpieces: int | None = None,
    wordpieces: Counter | None = None,
) -> list[Chunk]:
    """Split an article into chunks of whole sentences (long sentences cut at whitespace)."""
    limits = ChunkLimits(encoding, max_tokens, max_wordpieces, wordpieces)
    units = _units(article, limits)
    text = article.text
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j = i  # units[i..j] inclusive form the chunk
        while j + 1 < len(units):
            nxt = units[j + 1]
            cur_tokens = sum(u.tokens for u in units[i : j + 1])
            # Prefer to close at a paragraph boundary once the chunk is reasonably full.
            if nxt.para != units[j].para and cur_tokens >= 0.6 * max_tokens:
                break
            if cur_tokens + nxt.tokens > max_tokens or not limits.fits_units(
                text[units[i].start : nxt.end], units[i : j + 2]
            ):
                break
            j += 1
        start, end = units[i].start, units[j].end
        chunk_text = text[start:end]
        chunks.append(
            Chunk(
                id=f"{article.id}:{len(chunks)}",
                article_id=article.id,
                n=len(chunks),
                text=chunk_text,
                start=start,
                end=end,
                tokens=limits.tokens(chunk_text),
            )
        )
        if j + 1 >= len(units):
            break
        # Overlap: carry trailing whole sentences (within the overlap budget) into the next chunk.
        k, carried = j + 1, 0
        while k - 1 > i and carried + units[k - 1].tokens <= overlap_tokens:
            if not limits.fits_units(text[units[k - 1].start : units[j + 1].end], units[k - 1 : j + 2]):
                break
            k -= 1
            carried += units[k].tokens
        i = k
    return chunks


def chunker_for(settings: Settings, embeddings: Embeddings | None = None) -> Callable[[Article], list[Chunk]]:
    """The chunking function configured by settings, checking the embedding model's window when it is known."""
    from app.chunks.tokens import get_encoding
    from app.chunks.wordpieces import max_wordpieces, wordpiece_counter

    encoding = get_encoding(settings.tokenizer)
    wp = wordpiece_counter(embeddings) if embeddings is not None else None
    max_wp = max_wordpieces(embeddings) if embeddings is not None else None

    def chunk(article: Article) -> list[Chunk]:
        return chunk_article(
            article,
            max_tokens=settings.chunk_tokens,
            overlap_tokens=settings.chunk_overlap_tokens,
            encoding=encoding,
            max_wordpieces=max_wp,
            wordpieces=wp,
        )

    return chunk
