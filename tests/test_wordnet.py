"""WordNet kin of an asked noun (app.retrieve.wordnet): read from Debian's wordnet-base when it is installed, and the
term rule as it was without it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.retrieve import wordnet
from app.retrieve.constraints import fit
from app.retrieve.question import analyse

pytestmark = pytest.mark.slow  # loads the spaCy model

INSTALLED = (wordnet.WORDNET_DIR / "index.noun").is_file()
needs_wordnet = pytest.mark.skipif(
    not INSTALLED and not os.environ.get("CI"), reason="Debian's wordnet-base is not installed (scripts/setup.sh test)"
)
COUNCIL_QUESTION = "How many councillors voted against the Brindle depot levy?"
COUNCIL_SENTENCE = "The Brindle town council voted 7 to 2 on Monday to approve the depot levy."


def _clear() -> None:
    for f in (wordnet._related, wordnet._exceptions, wordnet._data_line, wordnet._index_line):
        f.cache_clear()


@pytest.fixture
def no_wordnet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(wordnet, "WORDNET_DIR", tmp_path / "missing")
    _clear()
    yield
    _clear()


@needs_wordnet
def test_kin_of_a_noun_follow_derivation_attribute_and_membership() -> None:
    assert "council" in wordnet.related_nouns("councillors")  # a member ~ the body (plural read back to its lemma)
    assert "grow" in wordnet.related_nouns("growth")  # the same root as a verb
    assert "long" in wordnet.related_nouns("length")  # the attribute an adjective measures
    assert not {"individual", "someone", "organism"} & wordnet.related_nouns("person")  # no synonyms or hypernyms
    assert wordnet.related_nouns("zzyzxq") == frozenset()  # unknown words have no kin


@needs_wordnet
def test_the_asked_noun_may_be_named_by_its_kin() -> None:
    q = analyse(COUNCIL_QUESTION)
    assert fit(q, COUNCIL_SENTENCE).ok
    assert not fit(q, "The Brindle depot levy was approved on Monday by 7 votes to 2.").ok  # no word of the family


def test_without_wordnet_the_term_rule_is_as_before(no_wordnet: None) -> None:
    assert wordnet.related_nouns("councillors") == frozenset()
    assert wordnet.kin_key("councillors") == ""
    q = analyse(COUNCIL_QUESTION)
    verdict = fit(q, COUNCIL_SENTENCE)
    assert not verdict.ok and [a.text for a in verdict.missing] == ["councillors"]
    assert fit(q, "Seven councillors voted for the Brindle depot levy and two against.").ok
