"""Whose fact a sentence states (issue 13, fifth round): rates, the asked noun next door, a figure outside the asked
subject's clause, another category of a noun. Invented names and sentences throughout."""

from __future__ import annotations

import pytest

from app import nlp
from app.retrieve.constraints import Scope, fit
from app.retrieve.question import analyse
from app.retrieve.rates import missing_rate
from app.retrieve.subject import figure_elsewhere, figure_phrase, other_category

pytestmark = pytest.mark.slow  # loads the spaCy model


@pytest.mark.parametrize(
    ("question", "sentence", "missing"),
    [
        (
            "How far did the Tarn Glacier retreat each year?",
            "The Tarn Glacier has retreated 900 metres since 1990.",
            "each year",
        ),
        ("How much does the Quell mill produce annually?", "The Quell mill employs 310 people.", "annually"),
        ("How far did the Tarn Glacier retreat each year?", "The Tarn Glacier retreated 30 metres a year.", None),
        ("How much does the Quell mill produce annually?", "The mill makes 80,000 tonnes per year.", None),
        ("How much does the Quell mill produce?", "The Quell mill employs 310 people.", None),
        ("How much did the Quell mill earn a year ago?", "The Quell mill earned $4 million in 2023.", None),
    ],
)
def test_a_rate_asks_for_a_figure_per_period(question: str, sentence: str, missing: str | None) -> None:
    assert missing_rate(question, sentence) == missing


def test_a_total_over_a_span_does_not_answer_each_year() -> None:
    a = analyse("How far did the Tarn Glacier retreat each year between 1990 and 2010?")
    total = fit(a, "The Tarn Glacier has retreated 2.1 kilometres between 1990 and 2010.")
    assert not total.ok and "each year" in total.reason(a.answer_type)
    assert fit(a, "The Tarn Glacier retreated an average of 35 metres a year between 1990 and 2010.").ok


def test_the_asked_noun_next_door_with_its_own_value_is_not_borrowed() -> None:
    """'The estimate was X. The record was Y.': the estimate's sentence is its fact; this one is the record's."""
    a = analyse("What was the reserve price for Pella Idris's Harbour Lights?")
    before = ("Pella Idris's Harbour Lights went on sale on Friday.", "The reserve price was 2 million crowns.")
    other = fit(a, "The previous record for the artist was 5.9 million crowns.", Scope(before=before))
    assert not other.ok and "price" in other.reason(a.answer_type)
    # the asked noun before, without a value of its own: the sentence gives it ('... repairs. The works cost ...')
    works = ("Pella Idris's Harbour Lights went on sale on Friday.", "Its reserve price was set after a long debate.")
    assert fit(a, "The auction house put it at 2 million crowns.", Scope(before=works)).ok


def test_the_previous_state_may_follow_the_new_value() -> None:
    """Asked for the earlier record, the sentence before gives the new one: the asked noun may stand there."""
    a = analyse("What was Ostel's largest fine before the Quarry penalty?")
    before = ("Ostel fined Quarry 19 million crowns on Monday, its largest fine ever.",)
    assert fit(a, "The previous largest penalty was 6 million crowns, in 2021.", Scope(before=before)).ok


def test_the_figure_phrase() -> None:
    doc = nlp.parse("The 640-kilogram probe carries a camera, compared with 4 metres for Skylet-1.")
    phrases = [figure_phrase(t) for t in doc if t.like_num]
    assert phrases == ["640-kilogram", "4 metres"]


def test_a_figure_outside_the_asked_subjects_clause_is_another_subjects() -> None:
    a = analyse("How much does Skylet-1 weigh?")
    sentence = (
        "The 640-kilogram probe carries a camera that sees objects 2 metres across, compared with 5 metres for its "
        "predecessor, Skylet-1, which was launched in 2019."
    )
    other = fit(a, sentence)
    assert not other.ok and other.conflicts and "640-kilogram" in other.conflicts[0][1]
    # the subject named in the figure's own clause
    assert fit(a, "Skylet-1, launched in 2019, weighs 420 kilograms.").ok
    # a figure of the asked kind inside the comparison that names the subject is the subject's
    assert fit(a, "Skylet-2 weighs 640 kilograms, compared with 420 kilograms for its predecessor, Skylet-1.").ok


@pytest.mark.parametrize(
    "sentence",
    [
        "The 212-kilometre line, known as the Harrow Link, opened three years later than planned and cost 11.8 billion "
        "guilders, against a budget of 7.5 billion set in 2016.",
        "The new tunnel, called the Harrow Link, cost 3.2 billion crowns.",
        "Its twin bore, the Harrow Link, cost 3.2 billion crowns.",
    ],
)
def test_a_name_given_by_known_as_or_called_stands_for_the_noun_it_names(sentence: str) -> None:
    """'the line, known as the Harrow Link, ... cost X': the cost is the Harrow Link's (the naming participle is not a
    clause of its own); before, the first was read as the cost of another subject."""
    assert fit(analyse("How much did the Harrow Link cost?"), sentence).ok


def test_no_figure_of_the_asked_kind_leaves_it_to_the_other_rules() -> None:
    doc = nlp.parse("The probe is 4 metres long, like its predecessor, Skylet-1.")
    mentions = [t for t in doc if t.text == "Skylet-1"]
    assert figure_elsewhere(doc, mentions, lambda text: "kilogram" in text) is None


def test_another_category_of_a_noun_the_question_narrows() -> None:
    a = analyse("How many white heron pairs nest in the Ossel valley?")
    sentence = "The number of nesting pairs of purple herons in the Ossel valley has risen to 212."
    assert other_category(a.question, nlp.parse(sentence)) == ("white", "purple herons")
    assert not fit(a, sentence).ok
    assert fit(a, "The number of nesting pairs of white herons in the Ossel valley has risen to 212.").ok
    bare = "The number of nesting pairs of herons in the Ossel valley has risen to 212."
    assert other_category(a.question, nlp.parse(bare)) is None  # not narrowed: the other rules decide
    assert other_category("How many new heron pairs nest here?", nlp.parse("Old herons nest in 40 pairs.")) is None


def test_a_category_the_passage_names_must_stand_near_the_sentence() -> None:
    """'women's' in the title alone does not carry to a sentence about the main race when the passage names the
    women's race elsewhere (constraints: the title covers the whole article)."""
    a = analyse("Who won the women's race at the 2022 Ostmark Marathon?")
    passage = (
        "Tomas Reile won the 2022 Ostmark Marathon on Sunday. Arne Volk, who won the race in 2021, finished fourth.\n"
        "In the women's race, Ilse Marten won in 2:24:10."
    )
    title = "Reile wins Ostmark Marathon as Marten takes women's race"
    before = ("Tomas Reile won the 2022 Ostmark Marathon on Sunday.",)
    main = Scope(before=before, title=title, passage=passage, published_year="2022")
    near = fit(a, "Arne Volk, who won the race in 2021, finished fourth.", main)
    assert [m.key for m in near.missing] == ["women"]
    women = Scope(before=(), title=title, passage=passage, published_year="2022")
    assert fit(a, "In the women's race, Ilse Marten won in 2:24:10.", women).ok
    # a passage that never names the category leaves it implicit, as before
    plain = Scope(
        before=(), title="Reile wins Ostmark Marathon", passage="Ilse Marten won the race.", published_year="2022"
    )
    assert not [m for m in fit(a, "Ilse Marten won the race.", plain).missing if m.key == "women"]
