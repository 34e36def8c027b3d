"""Which articles of a briefing tell one story, and each story's lead: a whole-library briefing covers several
unrelated stories, and each should be represented by its news before any side fact (trial 16 D7).

Two articles tell one story when a unit of one reports the same fact as a unit of the other (the briefing's own
clusters: near-identical, or similar and sharing a figure or a day) or reports it with another figure (units at
least SAME_SIM alike that disagree are kept out of the clusters, yet tell one story); stories are the connected
groups. Checked, not tuned (SAME_SIM is the briefing's AGREE_SIM): every outlet of each invented multi-outlet story
(evals/briefings, tests/data/marrowfield) joins its story; the 48 articles of the news corpus make 44 stories, the 4
joined pairs each one series (a cup final's two years, a company's two quarters). The disagreements themselves are
no link: they chain unrelated business and sports reports into one 25-article 'story'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.brief import cues
from app.brief.attribution import needs_speaker

if TYPE_CHECKING:
    from app.brief.extractive import Unit


SAME_SIM = 0.8  # units this alike report the same thing (the briefing's AGREE_SIM), whatever figures they give


def stories(
    units: Sequence[Unit], clusters: Sequence[Sequence[int]], score: np.ndarray, sim: np.ndarray | None = None
) -> list[list[str]]:
    """Article ids grouped by story; the story with most articles first, then the one with the best-ranked unit."""
    parent = {u.article.id: u.article.id for u in units}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    pairs = [(i, j) for i, same in enumerate(clusters) for j in same[1:]]
    if sim is not None:
        pairs += [(int(i), int(j)) for i, j in zip(*np.nonzero(sim >= SAME_SIM), strict=True) if i < j]
    for i, j in pairs:
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
