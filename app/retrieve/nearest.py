"""Which of a sentence's answer items the answer-level verdict names: with two figures of the asked kind ("410
pickers in 2025 and 380 in 2024"), the one that goes with the question's anchor ("2024"), not the first. Display
only (the verdict's "answers the question: yes (number: 380)"); whether the sentence answers is decided elsewhere."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app import nlp
from app.retrieve.question import Anchor

CUE_TIERS = (frozenset({"year", "quarter", "ordinal"}), frozenset({"entity", "qualifier"}))
"""Anchors that mark which of several values a sentence gives is the asked one: a time or edition first ('in 2024'),
else a name or category ('the Ridge', 'women's'), which may also stand beside every value ('seasonal pickers')."""
_JOINS = re.compile(r"[;,]|\b(?:and|but|while|whereas|against|compared with|up from|down from|from|versus|vs)\b", re.I)
"""Where a sentence that gives one value per anchor moves to the next pair ('410 in 2025 *and* 380 in 2024')."""


def nearest_item(sentence: str, items: Sequence[nlp.Entity], anchors: Sequence[Anchor]) -> str:
    """The item in the same stretch of the sentence (between joins) as a cue anchor, else the nearest to one in
    characters; the first item (the caller lists the likeliest first) when the sentence names no cue."""
    if len(items) < 2:
        return items[0].text if items else ""
    lowered = sentence.lower()
    cues: list[tuple[int, int]] = []
    for kinds in CUE_TIERS:
        cues = [(i, i + len(a.text)) for a in anchors if a.kind in kinds if (i := lowered.find(a.text.lower())) >= 0]
        if cues:
            break
    if not cues:
        return items[0].text
    joins = [0, *(m.start() for m in _JOINS.finditer(sentence)), len(sentence)]

    def stretch(at: int) -> int:
        return sum(j <= at for j in joins)

    same = [item for item in items if any(stretch(item.start) == stretch(start) for start, _ in cues)]
    if len(same) == 1:
        return same[0].text

    def distance(item: nlp.Entity) -> int:  # characters between the item and the closest cue (0: they touch)
        return min(max(0, item.start - end, start - item.end) for start, end in cues)

    return min(same or items, key=distance).text
