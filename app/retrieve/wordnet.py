"""Nouns WordNet relates to an asked noun, read from Debian's `wordnet-base` (WordNet 3.0 database files): a sentence
may name the asked thing by a word of the same family ('the *council* voted 9 to 4' for how many councillors; 'that
*growth* forecast' ~ grow) rather than by the word itself.

Only relations that keep the thing asked about are followed, each one step: derivationally related forms (the same
root in another part of speech: growth ~ grow, weight ~ weigh), the attribute an adjective measures (long ~ length),
and the body a member belongs to (councillor ~ council). Not synonyms or hypernyms: 'spectator' ~ 'person' would let
any sentence about people through. The files are searched on disk (binary search over the sorted index, then one seek
into the data file), so nothing is loaded up front; without the files the relatives are empty and the term rule is
what it was without them.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

WORDNET_DIR = Path("/usr/share/wordnet")
"""Where Debian's wordnet-base installs the WordNet 3.0 database (index.noun, data.noun, noun.exc ...)."""
FOLLOWED = frozenset({"+", "=", "#m", "%m"})
"""Derivationally related form, attribute, member holonym / meronym: the pointers that stay with the asked thing."""
MAX_SENSES = 3
"""Senses of the asked noun whose relatives count, most frequent first: rare senses ('sale': an auction) bring words
the question did not mean."""
_SUFFIXES = (("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y"))
_POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}


def related_nouns(word: str) -> frozenset[str]:
    """Words WordNet relates to the noun `word` in any of its first senses ('councillors' -> {'council'}); empty when
    the WordNet files are missing or the word is unknown."""
    return _related(word.lower())


@lru_cache(maxsize=1024)
def _related(word: str) -> frozenset[str]:
    if not (WORDNET_DIR / "index.noun").is_file():
        return frozenset()
    for lemma in _base_forms(word):
        line = _index_line("noun", lemma)
        if line is None:
            continue
        fields = line.split()
        senses = int(fields[2])
        offsets = fields[-senses:][:MAX_SENSES]
        out: set[str] = set()
        for offset in offsets:
            out |= _pointed(("noun", int(offset)), lemma)
        out.discard(lemma)
        return frozenset(w for w in out if "_" not in w)
    return frozenset()


def _base_forms(word: str) -> list[str]:
    """The noun's dictionary forms (WordNet's own rules: noun.exc, then the plural endings), the word itself first."""
    forms = [word, *_exceptions().get(word, [])]
    forms += [word[: -len(end)] + base for end, base in _SUFFIXES if word.endswith(end)]
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return list(dict.fromkeys(forms))


@lru_cache(maxsize=1)
def _exceptions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (WORDNET_DIR / "noun.exc").read_text(encoding="utf-8").splitlines():
        form, *bases = line.split()
        out[form] = bases
    return out


def _pointed(synset: tuple[str, int], lemma: str) -> set[str]:
    """Lemmas at the end of the followed pointers of one synset: lexical pointers only from `lemma`'s own word."""
    words = _synset_words(*synset)
    fields = _data_line(*synset).split(" | ")[0].split()
    at = 4 + 2 * len(words)
    out: set[str] = set()
    for i in range(int(fields[at])):
        symbol, offset, pos, source_target = fields[at + 1 + 4 * i : at + 5 + 4 * i]
        if symbol not in FOLLOWED:
            continue
        source, target = int(source_target[:2], 16), int(source_target[2:], 16)
        if source and words[source - 1] != lemma:
            continue  # a lexical pointer from another word of the synset
        target_words = _synset_words(_POS_FILES[pos], int(offset))
        out.update(target_words[target - 1 : target] if target else target_words)
    return out


def _synset_words(pos: str, offset: int) -> list[str]:
    fields = _data_line(pos, offset).split()
    return [re.sub(r"\(.*\)$", "", fields[4 + 2 * i]).lower() for i in range(int(fields[3], 16))]


@lru_cache(maxsize=4096)
def _data_line(pos: str, offset: int) -> str:
    with open(WORDNET_DIR / f"data.{pos}", "rb") as f:
        f.seek(offset)
        return f.readline().decode("utf-8")


@lru_cache(maxsize=4096)
def _index_line(pos: str, lemma: str) -> str | None:
    """The index line of `lemma`, by binary search over the sorted file (its licence header lines start with spaces):
    the smallest position whose next line does not sort before the lemma."""
    key = lemma.replace(" ", "_").encode()
    with open(WORDNET_DIR / f"index.{pos}", "rb") as f:

        def line_after(pos: int) -> bytes:
            f.seek(pos)
            if pos:
                f.readline()
            return f.readline()

        lo, hi = 0, os.fstat(f.fileno()).st_size
        while lo < hi:
            mid = (lo + hi) // 2
            line = line_after(mid)
            if line and (line.startswith(b" ") or line.split(b" ", 1)[0] < key):
                lo = mid + 1
            else:
                hi = mid
        line = line_after(lo)
    return line.decode("utf-8") if line.split(b" ", 1)[0] == key else None


def kin_key(word: str) -> str:
    """The related nouns' stems as a term key ('council|councillorship'), '' when there are none."""
    from app.retrieve.question import stem

    return "|".join(sorted({stem(w) for w in related_nouns(word)}))
