"""What a figure measures (app.retrieve.measures), dated asides (app.retrieve.clauses) and denied verbs
(app.retrieve.negation), on invented sentences."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.retrieve.clauses import without_dated_asides
from app.retrieve.constraints import Scope, fit, passage_scope
from app.retrieve.counting import asked_count, counted_noun
from app.retrieve.measures import TIME_SPAN, asks_extent, has_length, measured
from app.retrieve.negation import only_denied
from app.retrieve.question import analyse

pytestmark = pytest.mark.slow  # loads the spaCy model


@pytest.mark.parametrize(
    ("after", "noun"),
    [
        (" adults at 64 clinics", "adults"),
        (" migraine days a month", "days"),
        (" patients stopped treatment", "patients"),
        (" people in 22 countries", "people"),
        (" stopped treatment.", ""),  # a verb follows: the count says nothing of what it counts
        (" of its 310 branches", ""),
        (", up from 97", ""),
    ],
)
def test_the_noun_a_count_counts(after: str, noun: str) -> None:
    assert counted_noun(after.lstrip()) == noun


def test_the_noun_how_many_asks_to_count() -> None:
    assert asked_count("How many Brindle 5 phones were affected?") == ("phones", 19)
    assert asked_count("How many of Tarnby's wards did she carry?") == ("wards", 21)
    assert asked_count("How many Ostrel's newts have been found?") == ("newts", 18)
    assert asked_count("How many were hurt?") == ("", -1)


def test_the_analysis_finds_the_counted_noun_once_for_every_reader() -> None:
    """One path: the analysis holds the counted noun (measures reads it there, and it is the analysis's asked noun);
    where the parser takes the noun for a verb ('stork *pairs* breed') the parse's own noun keeps the qualifiers while
    the count is still of pairs."""
    assert analyse("How many Brindle 5 phones were affected?").counted == "phones"
    storks = analyse("How many black stork pairs breed in the Lenne valley?")
    assert storks.counted == "pairs" and {"black", "stork"} <= {a.text for a in storks.anchors if a.strict}
    assert measured(storks, "The census counted 34 breeding pairs in the valley.") == (True, "34")
    assert not measured(storks, "The census counted 34 volunteers in the valley.")[0]
    assert analyse("How many were hurt?").counted == ""


def test_a_count_of_another_noun_does_not_answer_how_many() -> None:
    patients = analyse("How many placebo patients stopped treatment?")
    assert not measured(patients, "The phase 2 study enrolled 1,240 adults at 64 clinics for six months.")[0]
    assert measured(patients, "Some 41 patients stopped treatment.") == (True, "41")
    assert measured(patients, "Of those on placebo, 41 stopped treatment.") == (True, "41")  # a bare count still may


def test_a_length_a_sum_or_a_models_number_is_no_count() -> None:
    newts = analyse("How many Ostrel's newts have been found?")
    assert not measured(newts, "The 61-millimetre animal was named after the warden.")[0]
    phones = analyse("About how many phones were vulnerable to the flaw?")
    assert phones.answer_type == "number" and phones.dimension == "count"  # 'about' only says an estimate will do
    assert not measured(phones, "Kelmar paid Dorne $45,000 under its bounty scheme.")[0]
    assert not measured(
        phones, "It fixed a flaw in its Brindle 5 and Brindle 6 phones that let an attacker within 10 metres in."
    )[0]
    assert measured(phones, "Kelmar estimated that about 23 million phones were vulnerable.") == (True, "23")


def test_a_count_of_a_generic_noun_is_any_count() -> None:
    staff = analyse("How many people does Halvern Freight employ?")
    assert measured(staff, "The company employs about 64,000 people in 22 countries.") == (True, "64,000")


def test_a_dated_aside_dates_what_it_describes() -> None:
    assert "2022" not in without_dated_asides("Jon Oddby, who won the race in 2022, faded and finished fourth.")
    assert "2019" not in without_dated_asides("Varn (founded in 2019) sells boats.")
    assert without_dated_asides("BELMOR — United won the cup in 2021.") == "BELMOR — United won the cup in 2021."
    assert without_dated_asides("Oddby, who led early, faded.") == "Oddby, who led early, faded."


def test_a_dated_aside_before_the_answer_does_not_carry_its_year() -> None:
    """The nearest earlier sentence decides the year, but not through an aside about someone else."""
    q = analyse("How many spectators watched the 2019 Tarnby Cup final?")
    text = ("BELMOR — Varn Rovers won the Tarnby Cup on Saturday. "
            "\"It is a trophy,\" said coach Ivo Keel, who took charge in 2019. "
            "The final was watched by 41,500 spectators.")  # fmt: skip
    start = text.index("The final")
    scope = passage_scope(text, start, len(text), title="Rovers win the Tarnby Cup", published=datetime(2021, 5, 2))
    assert not fit(q, text[start:], scope).ok
    dated = text.replace("who took charge in 2019", "who has coached since March")
    dated_scope = passage_scope(dated, dated.index("The final"), len(dated), published=datetime(2019, 5, 2))
    assert fit(q, dated[dated.index("The final") :], dated_scope).ok
    plain = Scope(before=("Ivo Keel's side won the 2019 Tarnby Cup final.",))
    assert fit(q, "The final was watched by 41,500 spectators.", plain).ok  # a year in the main clause still carries


def test_a_sentence_that_denies_the_asked_verb_does_not_answer() -> None:
    """'Brindle 7 phones are *not affected*' names the asked verb only to deny it; a yes/no question or a question
    about the denial itself is answered by it."""
    which = analyse("Which Brindle phones were affected by the flaw?")
    denied = fit(which, "Brindle 7 phones are not affected by the flaw.")
    assert not denied.ok and "not affected" in denied.reason(which.answer_type)
    assert fit(which, "The flaw affected Brindle 5 and Brindle 6 phones.").ok
    assert fit(which, "Older phones were never affected by the flaw, but Brindle 5 phones were affected.").ok
    assert fit(
        analyse("Which Brindle phones were not affected by the flaw?"), "Brindle 7 phones are not affected by the flaw."
    ).ok
    assert only_denied("It wasn't sold at auction.", lambda w: w == "sold").endswith("n't sold")
    assert only_denied("It was sold, not given away.", lambda w: w == "sold") == ""


def test_how_long_a_thing_is_asks_for_its_length_measured_as_long() -> None:
    assert asks_extent("How long is the newly found Brindle tree frog?")
    assert asks_extent("How long was the Vessing tunnel?")
    assert not asks_extent("How long did the Vessing strike last?")  # another verb: a span of time only
    assert has_length("The newt, about 31 millimetres long, lives under stones.")
    assert has_length("The tunnel is 4.2 km in length.")
    assert not has_length("The newts live along a 3-kilometre stretch of stream at 900 metres.")  # other lengths
    assert not has_length("The strike lasted 12 days.")


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The strike lasted 18 months.", True),
        ("Fenner finished four seconds behind.", True),  # a span in seconds or minutes is one too
        ("She finished more than a minute ahead.", True),
        ("thirty years", True),  # a span in words, as an entity gives it
        ("She has led the company since 2019.", True),  # 'how long' is answered by when it began
        ("The vote was held in July.", False),  # a date, not a span
        ("Oduya hosted the ceremony for a second year.", False),  # 'a second' is an ordinal here
        ("She was elected in a second-round vote.", False),
    ],
)
def test_one_time_span_pattern_for_entities_and_sentences(text: str, span: bool) -> None:
    """measures.TIME_SPAN serves both readers of 'how long': the answer check's entities and the extractive engine."""
    assert bool(TIME_SPAN.search(text)) is span


@pytest.mark.parametrize(
    ("text", "money"),
    [
        ("The conversion will cost 3.1 million florins.", True),
        ("The pilot study cost 12,000 zlotys.", True),
        ("The extension costs 80 million pesos, against 12 million lira for the depot.", True),
        ("It sold for 8.4 million crowns.", True),
        ("She scored 85 marks in the exam.", False),
        ("The plant has 3 units and 40 staff.", False),
    ],
)
def test_money_is_any_currency_cldr_names(text: str, money: bool) -> None:
    """Currency nouns come from CLDR's names (Babel), not a hand list of eight (trial 15: florins, pesos, lira and
    zlotys were 'no amount of money', so 'How much will it cost?' was declined)."""
    from app.retrieve.measures import money_pattern

    assert bool(money_pattern().search(text)) is money


def test_a_cost_in_a_currency_spacy_does_not_know_answers_how_much() -> None:
    from app.retrieve.constraints import fit
    from app.retrieve.question import analyse

    question = analyse("How much will the Harrowgate conversion cost?")
    assert fit(question, "The Harrowgate conversion will cost 3.1 million florins.").ok
