"""Side clauses: what a sentence says in passing about a noun it names (', who won the race in 2022,' ', opened in
2011,'). A time named there dates that aside, not the fact the sentence reports ('Odegaard, who won in 2022, finished
fourth' is about this year's race). Pure text rules, no parse.
"""

from __future__ import annotations

import re

SIDE_CLAUSE = re.compile(
    r"(?:,|—|–|\()\s*(?:who|whom|whose|which|where|when|then|now|once|"
    r"(?-i:[a-z]+ed)|built|won|set|held|begun|founded|run|made|taken|given|born|known|seen|chosen|elected|sold|bought)\b"
    r"[^,;:()—–]*",
    re.I,
)
"""A relative clause or a past-participle aside set off by a comma, dash or bracket, up to the next one (or the end):
', who took charge in 2019', ', opened in 2011', '(founded in 1990)'."""
_TIME = re.compile(r"\b(?:1[89]|20)\d\d\b|\b\d{1,3}(?:st|nd|rd|th)\b|\bq[1-4]\b|\bquarter\b", re.I)


def without_dated_asides(text: str) -> str:
    """The text with its side clauses that name a time (a year, an edition, a quarter) blanked."""

    def blank(m: re.Match[str]) -> str:
        clause = m.group(0)
        return " " * len(clause) if _TIME.search(clause) else clause

    return SIDE_CLAUSE.sub(blank, text)
