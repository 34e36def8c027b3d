"""Attribution inside a sentence from spaCy's dependency parse (issue 13): whose role or measure a sentence gives, and
the asked noun named in other words where the answer's figure stands. Invented names throughout."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from langchain_core.embeddings import Embeddings

from app import nlp
from app.retrieve.attribution import figure_nouns, owners
from app.retrieve.constraints import fit
from app.retrieve.paraphrase import Paraphrases
from app.retrieve.question import analyse

pytestmark = pytest.mark.slow  # loads the spaCy model


def test_the_question_names_whose_attribute_it_asks_for() -> None:
    of = analyse("Who is the chief executive of Dunmere Savings?")
    assert of.holder is not None and of.holder.name == "Dunmere Savings" and not of.holder.verb
    poss = analyse("Who is Pelloria's finance minister?")
    assert poss.holder is not None and poss.holder.name == "Pelloria"
    subject = analyse("How far has the Varnel Glacier retreated since 1990?")
    assert subject.holder is not None and subject.holder.name == "Varnel Glacier" and subject.holder.verb
    assert analyse("Who won the race?").holder is None


def test_another_holder_of_the_asked_role_conflicts() -> None:
    a = analyse("Who is the chief executive of Dunmere Savings?")
    other = fit(a, "Ostrel chief executive Mira Tandy said the bank would close 40 branches.")
    assert not other.ok and other.conflicts and other.conflicts[0][1] == "Ostrel"
    assert "Ostrel" in other.reason(a.answer_type)
    same = fit(a, "Dunmere chief executive Mira Tandy said the bank would close 40 branches.")
    assert same.ok and same.found == "Mira Tandy"
    assert not fit(a, "Mira Tandy, the chief executive of Ostrel Bank, said the bank would close.").ok
    assert fit(a, "Mira Tandy, the chief executive of Dunmere Savings, said the bank would close.").ok


def test_a_sentence_naming_no_owner_is_not_a_conflict() -> None:
    """'its chief executive' or a bare title names no other holder: the other anchors decide."""
    a = analyse("Who is the chief executive of Dunmere Savings?")
    f = fit(a, "Its chief executive, Mira Tandy, said the bank would close 40 branches.")
    assert not f.conflicts
    assert not fit(a, "Chief Executive Mira Tandy said the bank would close 40 branches.").conflicts


def test_a_figure_belongs_to_the_subject_of_its_verb() -> None:
    a = analyse("How far has the Varnel Glacier retreated since 1990?")
    other = fit(a, "The neighbouring Skarholt Glacier has retreated 2.1 kilometres since 1990.")
    assert not other.ok and other.conflicts[0][1] == "Skarholt Glacier"
    assert fit(a, "The Varnel Glacier has retreated 1.4 kilometres since 1990.").ok


def test_another_kind_of_the_asked_role_conflicts() -> None:
    """Every mention of the asked noun narrowed by other words ('foreign' for 'finance'), or a former holder when the
    question asks for the current one, names the holder of another role."""
    a = analyse("Who is Pelloria's finance minister?")
    assert not fit(a, "The foreign minister, Ada Korrow, keeps her job in Pelloria.").ok
    assert fit(a, "The finance minister, Ada Korrow, keeps her job in Pelloria.").ok
    award = analyse("Who received the lifetime achievement award at the 12th Corvals?")
    honorary = "The honorary award for lifetime achievement at the 12th Corvals went to the cinematographer Arvo Kell."
    assert not fit(award, honorary).conflicts  # the qualifier may follow the noun
    mayor = analyse("Who is Tarnby's mayor?")
    assert not fit(mayor, "Tarnby's former mayor Ivo Senn said the vote was rigged.").ok
    assert not fit(analyse("Who was Tarnby's former mayor?"), "Tarnby's former mayor Ivo Senn said so.").conflicts


def test_owners_read_from_the_parse() -> None:
    doc = nlp.parse("Ostrel chief executive Mira Tandy said the bank would close.")
    executive = next(t for t in doc if t.text == "executive")
    assert owners(executive) == ["Ostrel"]


class WordVectors(Embeddings):
    """Deterministic vectors: words of one group point the same way."""

    GROUPS = ({"spectators", "crowd"}, {"kick"}, {"feet"})

    def _vec(self, text: str) -> list[float]:
        return [1.0 if text in g else 0.0 for g in self.GROUPS] + [0.1]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:  # type: ignore[override]
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


def test_the_asked_noun_may_be_named_otherwise_where_the_figure_stands() -> None:
    a = analyse("How many spectators watched the 2023 Harrow Cup final?")
    sentence = "The 2023 Harrow Cup final was watched by a crowd of 44,800."
    assert figure_nouns(nlp.parse(sentence)) == ["crowd"]
    assert not fit(a, sentence, terms="nouns").ok  # without a paraphrase judge the asked noun must be named
    assert fit(a, sentence, terms="nouns", paraphrases=Paraphrases(WordVectors())).ok
    other = "The 2023 Harrow Cup final was decided by a kick of 30 metres."
    assert not fit(a, other, terms="nouns", paraphrases=Paraphrases(WordVectors())).ok
