"""Named entities and values of each chunk, found once at ingest (spaCy NER) and stored with the chunk, so answering
never runs the model over passages: `encode` / `decode` a compact 'start:end:LABEL;...' string (chunk-local offsets)."""

from __future__ import annotations

from collections.abc import Sequence

from app import nlp
from app.models import Chunk

NER_BATCH = 64  # texts per spaCy pipe batch


def encode(entities: Sequence[nlp.Entity]) -> str:
    return ";".join(f"{e.start}:{e.end}:{e.label}" for e in entities)


def decode(blob: str | None, text: str) -> tuple[nlp.Entity, ...] | None:
    """The entities of a chunk's text (None when the chunk was stored without them: an index from before they were)."""
    if blob is None:
        return None
    out = []
    for item in blob.split(";") if blob else []:
        start, end, label = item.split(":", 2)
        a, b = int(start), int(end)
        out.append(nlp.Entity(a, b, label, text[a:b]))
    return tuple(out)


def within(entities: Sequence[nlp.Entity], start: int, end: int) -> tuple[nlp.Entity, ...]:
    """The entities inside [start, end), with offsets made relative to `start`."""
    return tuple(
        nlp.Entity(e.start - start, e.end - start, e.label, e.text)
        for e in entities
        if e.start >= start and e.end <= end
    )


def annotate(chunks: Sequence[Chunk]) -> None:
    """Set each chunk's `entities` (one batched NER pass over all of them)."""
    if not chunks:
        return
    for chunk, ents in zip(chunks, nlp.entities_many([c.text for c in chunks]), strict=True):
        chunk.entities = encode(ents)
