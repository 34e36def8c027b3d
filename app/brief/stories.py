"""Which articles of a briefing tell one story, and each story's lead: a whole-library briefing covers several
unrelated stories, and each should be represented by its news before any side fact (trial 16 D7).

Two articles tell one story when a unit of one reports the same fact as a unit of the other (the briefing's own
clusters: near-identical, or similar and sharing a figure or a day); stories are the connected groups. Measured on
the invented outlet sets (evals/briefings bridge/recall, tests/data/marrowfield, tests/data/briefing_extra): every
outlet of a story joins it; on the 48 articles of the news corpus 4 pairs join, each two reports of one event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.brief import cues
from app.brief.attribution import needs_speaker

if TYPE_CHECKING:
    import numpy as np

    from app.brief.extractive import Unit


def stories(units: Sequence[Unit], clusters: Sequence[Sequence[int]], score: np.ndarray) -> list[list[str]]:
    """Article ids grouped by story; the story with most articles first, then the one with the best-ranked unit."""
    parent = {u.article.id: u.article.id for u in units}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, same in enumerate(clusters):
        for j in same[1:]:
            parent[root(units[j].article.id)] = root(units[i].article.id)
    groups: dict[str, list[str]] = {}
    best: dict[str, float] = {}
    for i, u in enumerate(units):
        r = root(u.article.id)
        if u.article.id not in groups.setdefault(r, []):
            groups[r].append(u.article.id)
        best[r] = max(best.get(r, 0.0), float(score[i]))
    return [groups[r] for r in sorted(groups, key=lambda r: (-len(groups[r]), -best[r]))]


def story_leads(units: Sequence[Unit], usable: Sequence[int], groups: list[list[str]], score: np.ndarray) -> list[int]:
    """Per story, in story order: its lead unit. News puts the gist first, so that is the earliest usable unit of the
    story's best-ranked article that is not a quotation ('An earlier recall in 2024 covered ...' is central to its
    article but a side fact; the sentence before it is the news); a story of quotes only gives its best quote."""
    out: list[int] = []
    for ids in groups:
        mine = [i for i in usable if units[i].article.id in ids]
        if not mine:
            continue
        top = max(mine, key=lambda i: score[i])
        first = [i for i in mine if units[i].article.id == units[top].article.id and not needs_speaker(units[i].text)]
        out.append(min(first, key=lambda i: units[i].position) if first else top)
    return out


def headline(lead_text: str, n_stories: int) -> str:
    """The lead story's headline phrase; over several stories, saying so: '... — and 3 other stories'."""
    phrase = cues.key_phrase(lead_text)
    if n_stories <= 1:
        return phrase
    others = n_stories - 1
    return f"{phrase} — and {others} other {'story' if others == 1 else 'stories'}"
