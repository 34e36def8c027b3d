"""Who said or did what in an extractive briefing: each unit's main actor, named once and in full.

An actor is found by the text cues of `app.brief.cues` (subjects of speech and action verbs, pronouns resolved to the
last named one) and, where a statement has one, by the speaker `app.brief.attribution` resolved from the parse, which
names them better: 'Ruth Kell', not the 'Ashgrove' of "Ashgrove's finance director, Ruth Kell, said" (trial 16 D7).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app.brief import cues
from app.brief.draft import DraftActor, DraftPoint

if TYPE_CHECKING:
    import numpy as np

    from app.brief.extractive import Unit


def actor_keys(
    units: Sequence[Unit], speakers: Sequence[str | None]
) -> tuple[dict[int, str], dict[str, cues.ActorHit]]:
    """(unit -> the key of its main actor, key -> the actor's fullest name and role)."""
    names: dict[str, cues.ActorHit] = {}
    person: dict[str, bool] = {}
    out: dict[int, str] = {}
    last: dict[tuple[str, str], str] = {}  # (article id, 'person'/'group') -> actor key
    for i, u in sorted(enumerate(units), key=lambda t: (t[1].article.id, t[1].position)):
        keys: list[str] = []
        for hit in with_speaker(u.actors, speakers[i] if i < len(speakers) else None):
            if hit.pronoun:
                key = last.get((u.article.id, hit.pronoun))
                if key is None:
                    continue
            else:
                key = hit.key
                prev = names.get(key)
                if prev is None or len(hit.name) > len(prev.name) or len(hit.role) > len(prev.role):
                    names[key] = cues.ActorHit(key, max(hit.name, prev.name if prev else "", key=len),
                                               max(hit.role, prev.role if prev else "", key=len), hit.person)  # fmt: skip
                person[key] = person.get(key, False) or hit.person
            if key not in keys:
                keys.append(key)
            last[(u.article.id, "person" if person.get(key) else "group")] = key
        if keys:  # a unit is listed under its main actor only, so no point repeats
            out[i] = keys[0]
    return out, names


def with_speaker(hits: list[cues.ActorHit], speaker: str | None) -> list[cues.ActorHit]:
    """A unit's actors with its resolved speaker first, named in full ('Office for Product Safety', not 'Product
    Safety'): the statement is theirs, so an actor's name and its points' `speaker` agree."""
    hit = cues.speaker_actor(speaker) if speaker else None
    if hit is None:
        return hits
    same = next((h for h in hits if h.key == hit.key and not h.pronoun), None)
    if same is not None and len(same.role) > len(hit.role):  # 'Trust director' from the cues, the name from the parse
        hit = cues.ActorHit(hit.key, hit.name, same.role, hit.person)
    return [hit, *(h for h in hits if h.key != hit.key or h.pronoun)]


def group_actors(units: Sequence[Unit], score: np.ndarray, picked: list[int], actor_of: dict[int, str],
                 names: dict[str, cues.ActorHit], point: Callable[[int], DraftPoint]) -> list[DraftActor]:  # fmt: skip
    """The picked units grouped under their actors, actors in order of their best unit."""
    members: dict[str, list[int]] = {}
    for i in sorted(picked, key=lambda i: -score[i]):
        members.setdefault(actor_of[i], []).append(i)
    actors: list[DraftActor] = []
    for key, ids in members.items():
        ids.sort(key=lambda i: (units[i].article.id, units[i].position))
        hit = names[key]
        name = hit.name
        if hit.person and len(name.split()) == 1:  # 'Arliss' -> 'Gwen Arliss', as her article first named her
            name = next((f for i in ids if (f := first_named(units[i].article.text, name))), name)
        actors.append(DraftActor(name=name, role=hit.role, points=[point(i) for i in ids]))
    return actors


_FULL = r"\b(?P<first>[A-Z][a-z'’-]+)\s+{surname}\b"


def first_named(text: str, surname: str) -> str | None:
    """The full name an article gives a person it later calls by surname alone: 'Gwen Arliss' for 'Arliss'."""
    for m in re.finditer(_FULL.format(surname=re.escape(surname)), text):
        first = m.group("first")
        if first.lower() not in cues.TITLE_WORDS | cues.STOP_CAPS | cues.DATE_WORDS:
            return f"{first} {surname}"
    return None
