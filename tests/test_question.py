"""Question analysis and sentence fit: what a question asks for, and whether a sentence answers it (pure logic over
the spaCy model; no index)."""

from __future__ import annotations

import pytest

from app.retrieve.constraints import Scope, fit, passage_scope
from app.retrieve.question import analyse, ordinal_keys, quarter_keys, year_keys

pytestmark = pytest.mark.slow  # loads the spaCy model


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("Who won the women's race at the 2021 Harbor City Marathon?", "person"),
        ("Which company bought Stellar Foods in 2023?", "organisation"),
        ("Where will the 2026 summit be held?", "place"),
        ("When did the 92nd ceremony take place?", "date"),
        ("How much did the bridge repairs cost?", "money"),
        ("How many troops does Velaria's army have?", "number"),
        ("How long did the strike last?", "quantity"),
        ("What did Mina Dorr say about the budget?", "quote"),
        ("Why did the council delay the vote?", "reason"),
    ],
)
def test_answer_types(question: str, answer_type: str) -> None:
    assert analyse(question).answer_type == answer_type


def test_anchors_pin_the_fact_down() -> None:
    a = analyse("Who won the women's race at the 2021 Harbor City Marathon?")
    kinds = {(x.kind, x.key) for x in a.anchors}
    assert ("year", "2021") in kinds and ("qualifier", "women") in kinds
    assert any(k == "entity" and "harbor city marathon" in v for k, v in kinds)
    q = analyse("What was Lumeo's revenue in the second quarter of 2024?")
    assert {("quarter", "q2"), ("year", "2024")} <= {(x.kind, x.key) for x in q.anchors}
    assert ("ordinal", "92") in {(x.kind, x.key) for x in analyse("Who hosted the 92nd Aurelian Awards?").anchors}
    # a year in a background phrase of the question is not an anchor
    assert "2024" not in {x.key for x in analyse("What was the course record before 2024?").anchors}


def test_value_extractors() -> None:
    assert year_keys("the 2023-24 season, up from 2019") == {"2023", "2024", "2019"}
    assert quarter_keys("Q1 sales and second-quarter profit; H2 outlook") == {"q1", "q2", "h2"}
    assert ordinal_keys("the 93rd race, season 4, its third edition") == {"93", "4", "3"}


def test_a_true_sentence_about_another_year_does_not_answer() -> None:
    a = analyse("Who won the 2021 Velarian Cup final?")
    wrong = fit(a, "Lissaro Athletic won the 2019 final 3-0, with a hat-trick by Bruno Sandoval-Kett.")
    assert not wrong.ok and wrong.conflicts and wrong.conflicts[0][1] == "2019"
    assert "2019, not 2021" in wrong.reason(a.answer_type)
    right = fit(a, "Corvenna Rovers won the 2021 Velarian Cup final, beating Port Anselm United 2-1.")
    assert right.ok and right.found


def test_the_articles_date_and_earlier_sentences_carry_the_year() -> None:
    a = analyse("How many runners started the 2024 Harbor City Marathon?")
    text = ("Tobias Makena retained his Harbor City Marathon title on Sunday. "
            "Race director Mina Dorr said 31,200 runners had started, the largest field yet.")  # fmt: skip
    start = text.index("Race director")
    from datetime import datetime

    scope = passage_scope(text, start, len(text), title="Makena defends title", published=datetime(2024, 4, 14))
    assert fit(a, text[start:], scope).ok
    stale = passage_scope(text, start, len(text), title="Makena defends title", published=datetime(2023, 4, 16))
    assert not fit(a, text[start:], stale).ok  # the 2023 article's count is not the 2024 one


def test_wrong_type_and_missing_terms_do_not_answer() -> None:
    who = analyse("Who umpired the 93rd Quenby Boat Race?")
    assert (
        not fit(who, "Northgate won the 93rd Quenby Boat Race by two lengths.", terms="nouns").ok
        or not fit(who, "Northgate won the 93rd Quenby Boat Race by two lengths.", terms="any").ok
    )
    how_much = analyse("How much did the city pay for the new bridge?")
    assert not fit(how_much, "The city opened the new bridge on Monday after long delays.", Scope()).ok
    assert fit(how_much, "The city paid $41 million for the new bridge, the council said.", Scope()).ok


def test_a_very_long_question_is_analysed_on_its_head() -> None:
    long = "Who won the 2021 Velarian Cup final? " + "word " * 300_000  # over spaCy's 1M-character limit
    a = analyse(long)
    assert a.answer_type == "person" and ("year", "2021") in {(x.kind, x.key) for x in a.anchors}


def test_a_name_is_told_apart_by_its_distinctive_words() -> None:
    """'the Tarn Glacier' is not 'the Ebbe Glacier'; a person may be named by surname alone; the year inside an event's
    name is an anchor of its own."""
    glacier = analyse("How far has the Tarn Glacier retreated since 1990?")
    assert not fit(glacier, "The neighbouring Ebbe Glacier has retreated 2.1 kilometres over the same period.").ok
    assert fit(glacier, "The Tarn Glacier has retreated 1.4 kilometres since 1990, the survey found.").ok
    bounty = analyse("How much did Quill Labs pay Mara Ellsworth for the bug report?")
    assert fit(bounty, "Quill Labs paid Ellsworth $45,000 for the bug report, the largest reward yet.").ok


def test_a_numbered_model_is_not_its_successor() -> None:
    a = analyse("What battery capacity does the Nimbus 6 have?")
    assert ("model", "nimbus 6") in {(x.kind, x.key) for x in a.anchors}
    other = fit(a, "The Nimbus 7 has a 5,400 mAh battery, the company said.")
    assert not other.ok and other.conflicts and "Nimbus 7" in other.reason(a.answer_type)
    assert fit(a, "The Nimbus 6 has a 4,300 mAh battery, the company said.").ok
    # a count after a possessive is not a model number, a date is not either
    assert not any(x.kind == "model" for x in analyse("How many of Dunmore's 14 wards did Keel win?").anchors)
    assert not any(x.kind == "model" for x in analyse("What happened on March 5 in Dunmore?").anchors)


def test_an_edition_inside_a_name_is_kept() -> None:
    a = analyse("Which film won best film at the 41st Corrado Prizes?")
    assert ("ordinal", "41") in {(x.kind, x.key) for x in a.anchors}


def test_a_question_about_the_earlier_state_needs_a_sentence_about_it() -> None:
    """'the record before X broke it' is not answered by the sentence about the new record."""
    a = analyse("What was the course record before Ilve broke it in 2024?")
    scope = Scope(before=("Ilve won the race on Sunday.",), published_year="2024")
    assert not fit(a, "Ilve broke the course record by 34 seconds, finishing in 2:06:41.", scope).ok
    assert fit(a, "The previous course record, 2:07:15, had stood since 2016.", scope).ok
    b = analyse("What was the auction record for a Tessarine painter before the 2023 Moll sale?")
    assert "2023" not in {x.key for x in b.anchors if x.kind == "year"}  # the reference event's year, not the asked
    sale = Scope(before=("A painting by Moll sold for 8 million crowns at auction, a sale that set a record.",))
    assert fit(b, "The previous auction record for a Tessarine painter was 5.9 million crowns, paid in 2017.", sale).ok


def test_the_fact_must_be_about_what_the_question_is_about() -> None:
    """A nearby figure about another subject ('the fare scheme' for 'the drug trial') does not answer; the subject may
    be named anywhere in the passage, not only in the sentence."""
    a = analyse("How much will the zentravir treatment cost per patient?")
    fare = "The fare scheme is projected to cost $11 million in its first full year."
    assert not fit(a, fare, passage_scope(fare, 0, len(fare))).ok
    text = "Zentravir was approved on Monday. A course of treatment will cost about $9,000 per patient, the maker said."
    start = text.index("A course")
    assert fit(a, text[start:], passage_scope(text, start, len(text))).ok


def test_a_contrasting_category_or_a_former_holder_does_not_answer() -> None:
    men = analyse("Who won the men's Dunmore Marathon in 2022?")
    women = "Ada Keel won the women's race in 2:23:47."
    assert not fit(men, women, Scope(published_year="2022")).ok
    after = passage_scope(f"{women} She finished a minute ahead of Lin Orr.", len(women) + 1, len(women) + 44)
    assert not fit(men, "She finished a minute ahead of Lin Orr.", after).ok  # 'she' is still the women's winner
    race = Scope(title="Dunmore Marathon results", published_year="2022")
    assert fit(men, "Tom Brandt won the men's race in 2:08:10.", race).ok
    head = analyse("Who is the regional president of Dunmore?")
    scope = Scope(title="Dunmore votes for self-government")
    assert not fit(head, "The no side was led by the former regional president Ilse Varn.", scope, terms="nouns").ok
    assert fit(head, "Regional president Otto Brell called the result historic.", scope, terms="nouns").ok
    earlier = analyse("Who was the former regional president of Dunmore?")
    assert fit(earlier, "The no side was led by the former regional president Ilse Varn.", scope, terms="nouns").ok


def test_a_domestic_article_need_not_name_its_own_country() -> None:
    """A Portuguese paper's budget story may never say 'Portugal'; one that names another country answers for that one."""
    a = analyse("What is Portugal's health budget for 2025?")
    assert any(x.kind == "entity" and x.place for x in a.anchors)
    text = "Finance Minister Ed Varn presented the 2025 budget on Tuesday. Health spending rises to 39 billion crowns."
    start = text.index("Health")
    assert fit(a, text[start:], passage_scope(text, start, len(text))).ok
    abroad = text.replace("Finance Minister", "Spain's finance minister")
    assert not fit(a, abroad[abroad.index("Health") :], passage_scope(abroad, abroad.index("Health"), len(abroad))).ok


def test_a_number_must_measure_what_is_asked() -> None:
    """'How many' wants a count, not a percentage or a sum; 'how much does it weigh' wants a mass."""
    patients = analyse("How many patients stopped treatment because of side effects?")
    assert patients.dimension == "count"
    assert not fit(patients, "Side effects made 11 percent of patients stop treatment.").ok
    assert fit(patients, "Side effects made 42 patients stop treatment.").ok
    troops = analyse("How many troops would Tessary keep under the plan?")
    assert fit(troops, "Under the 28-point plan, Tessary must cut its army to 600,000 troops.").found == "600,000"
    jobs = analyse("How many permanent jobs will the plant create?")
    assert fit(jobs, "The plant will create about 1,100 permanent jobs.").ok  # 'permanent' is not 'per cent'
    weight = analyse("How much does the Tarnhelm satellite weigh?")
    assert weight.dimension == "mass"
    assert not fit(weight, "The Tarnhelm satellite cost 74 million crowns.").ok
    assert fit(weight, "The Tarnhelm satellite weighs 640 kilograms.").ok
    offer = analyse("How much had the rival bank offered for the lender?")
    assert offer.answer_type == "money"
    assert not fit(offer, "The board recommended the offer after a rival approach was withdrawn in July.").ok


def test_ordering_words_and_words_about_the_article_are_not_anchors() -> None:
    """'before saying ...' orders two events (it does not ask for an earlier state); 'quoted in the article' is about
    the articles, not the fact; 'how does X respond' asks for a reaction that need not use the word."""
    a = analyse("With whom did Ilse Varn hold talks before saying she was ready to sign?")
    assert not a.of_kind("prior")
    b = analyse("What is the name of the finance minister quoted in the article?")
    assert "article" not in {x.text for x in b.anchors}
    c = analyse("How does the Dunmore side respond to the reported capture of Tarn?")
    assert "respond" not in {x.text for x in c.anchors if x.kind == "topic"}


@pytest.mark.parametrize(
    ("question", "predicate"),
    [
        ("Did the mayor of Varnholt resign?", "resign"),  # the small parser reads 'resign' as a noun here
        ("Did the Senate office comment directly on the content of the plan?", "comment"),
        ("Has the company sold its stake in the port?", "sold"),
        ("Will the mayor step down?", "step"),
        ("Is the Dunmore bridge open?", "open"),
        ("Was Ottilie Brask re-elected?", "elected"),
    ],
)
def test_a_yes_no_question_asks_about_its_predicate(question: str, predicate: str) -> None:
    """A yes/no question asks whether something happened: its type is 'polar' (not the person its subject names), and
    its predicate (the root verb, or the complement of 'be') is an anchor."""
    a = analyse(question)
    assert a.answer_type == "polar"
    assert [x.text for x in a.of_kind("predicate")] == [predicate]


def test_a_yes_no_question_is_answered_only_by_a_sentence_on_its_predicate() -> None:
    """'Did the mayor resign?' is not answered by the same mayor speaking of something else; it is by a sentence that
    says she resigned, in any form ('resignation', 'stepped down'), or that she did not."""
    a = analyse("Did the mayor of Varnholt resign?")
    assert not fit(a, "Varnholt mayor Ilse Varnhagen said the evacuation of 1,200 residents went smoothly.").ok
    assert not fit(a, "The cost of the Varnholt flood repairs rose to 6 million euros.").ok
    assert fit(a, "Varnholt mayor Ilse Varnhagen announced her resignation on Friday.").ok
    assert fit(a, "The mayor of Varnholt stepped down on Friday after the flood.").ok
    assert fit(a, "The mayor of Varnholt said she would not resign over the flood.").ok  # a denial answers too
    sold = analyse("Has Corven sold its stake in the port?")
    assert not fit(sold, "Corven owns a 40 percent stake in the port.").ok
    assert fit(sold, "Corven sold its 40 percent stake in the port last week.").ok


@pytest.mark.parametrize(
    "question",
    [
        "What caused the Varnholt flood?",
        "What led to the evacuation of the old town?",
        "What triggered the landslide at Brask Glacier?",
        "What was the reason for the closure of the plant?",
    ],
)
def test_what_caused_asks_for_a_reason(question: str) -> None:
    assert analyse(question).answer_type == "reason"


def test_a_reason_answer_gives_a_cause() -> None:
    """'What caused the flood' is not answered by another fact about the flood, only by a sentence giving a cause."""
    a = analyse("What caused the Varnholt flood?")
    assert not fit(a, "The cost of the Varnholt flood repairs rose to 6 million euros, the finance office said.").ok
    assert fit(a, "Officials blamed heavy rain upstream for the Varnholt flood.").ok
    assert fit(a, "The Varnholt flood was caused by a breach in the levee.").ok
    assert analyse("What led the league in scoring?").answer_type != "reason"  # not 'led to'


def test_a_preposition_or_a_hedge_before_the_question_word_keeps_its_ask() -> None:
    assert analyse("By when must Kelmar send the regulator a written account?").answer_type == "date"
    assert analyse("To whom did Varn sell its stake?").answer_type == "person"
    counted = analyse("Roughly how many boats were lost in the storm?")
    assert counted.answer_type == "number" and counted.dimension == "count"


def test_a_verb_the_model_tags_as_a_noun_is_not_an_asked_noun() -> None:
    """'how much did X cost to make': 'cost' is the verb (do-support shows it), so 'made for 3 million' may answer."""
    film = analyse("How much did The Pale Harbour cost to make?")
    assert not any(a.strict for a in film.anchors if a.kind == "term")
    assert fit(film, "The Pale Harbour was made for 3.1 million crowns.", terms="nouns").ok
    rate = analyse("What is the cost of the Pale Harbour bridge?")
    assert any(a.strict and a.text == "cost" for a in rate.anchors if a.kind == "term")  # a real noun stays asked


def test_a_lowercase_word_and_the_word_edition_are_not_anchors() -> None:
    scheme = analyse("What is the free tram fare scheme for under-18s projected to cost in its first full year?")
    assert "under-18s" not in {a.text for a in scheme.anchors if a.kind == "entity"}  # the model's PROPN, not a name
    assert fit(scheme, "The free-fare scheme is projected to cost $9 million in its first full year.", terms="nouns").ok
    cup = analyse("Who won the 2021 edition of the Tarnby Shield?")
    assert "edition" not in {a.text for a in cup.anchors}
    scope = Scope(published_year="2021")
    assert fit(
        cup, "BELMOR — Varn Rovers won the Tarnby Shield on Saturday, beating Keel United 2-1.", scope, terms="nouns"
    ).ok


def test_the_name_of_someone_asks_about_that_someone() -> None:
    """'What is the name of the keeper who found X' asks for the keeper: a sentence naming no keeper does not answer;
    'the *scientific* name of X' still asks for a kind of name."""
    keeper = analyse("What is the name of the keeper who found the Orlen Bell?")
    assert ("term", "keeper") in {(a.kind, a.text) for a in keeper.anchors}
    assert not fit(keeper, "The Orlen Bell, cast in 1790, had been lost since 1940.", terms="nouns").ok
    assert fit(keeper, "The Orlen Bell was found by a keeper, Ansel Rook, in 2023.", terms="nouns").ok
    latin = analyse("What is the scientific name of the Tarn newt?")
    assert ("qualifier", "scientific") in {(a.kind, a.key) for a in latin.anchors}


def test_what_ruled_something_out_is_why_it_did_not_happen() -> None:
    why_not = analyse("Why was there no attempt on the summit at the 2023 Tarn expedition?")
    assert why_not.answer_type == "reason"
    scope = Scope(published_year="2023")
    assert fit(
        why_not,
        "TARN — The Tarn expedition turned back on Monday in a storm that ruled out any attempt on the summit.",
        scope,
    ).ok
    assert not fit(why_not, "TARN — The Tarn expedition made no attempt on the summit on Monday.", scope).ok


def test_how_many_asks_for_the_noun_after_the_names_that_say_whose() -> None:
    wards = analyse("How many of Tarnby's wards did Ilse Varn carry?")
    assert ("term", "wards") in {(a.kind, a.text) for a in wards.anchors if a.strict}
    assert not fit(wards, "The council voted 9 to 4 on Tuesday to approve Ilse Varn's levy.", terms="nouns").ok
    assert fit(wards, "Ilse Varn won 11 of Tarnby's 14 wards.", terms="nouns").ok


def test_how_much_with_a_money_verb_in_any_form_asks_for_money() -> None:
    assert analyse("For how much is the council selling the old depot?").answer_type == "money"
    assert analyse("How much is the council spending on the old depot?").answer_type == "money"
    assert analyse("How much does the Tarn glacier weigh?").answer_type == "quantity"


def test_a_full_year_figure_does_not_answer_for_a_quarter() -> None:
    q2 = analyse("What was Halvern Freight's revenue in the second quarter of 2024?")
    scope = Scope(published_year="2024")
    assert not fit(q2, "Halvern Freight now expects full-year revenue of $9.2 billion.", scope).ok
    assert fit(q2, "Halvern Freight's second-quarter revenue rose to $2.1 billion.", scope).ok
    whole = analyse("What full-year revenue does Halvern Freight expect after its second-quarter results?")
    lead = Scope(
        before=("Halvern Freight raised its forecast after second-quarter sales beat estimates.",),
        published_year="2024",
    )
    assert fit(whole, "Halvern Freight now expects full-year revenue of $9.2 billion.", lead).ok  # the year is asked


def test_a_phrasal_verbs_complement_is_the_asked_verb() -> None:
    """'How much did the Harrow Link *end up costing*?': the asked verb is 'costing', not the aspect verb 'end', so a
    sentence saying what it cost answers it (before: 'end' was required and the answer declined)."""
    a = analyse("How much did the Harrow Link end up costing?")
    assert [x.text for x in a.anchors if x.kind == "term"] == ["costing"]
    assert fit(a, "The tunnel, known as the Harrow Link, opened late and cost 11.8 billion guilders.").ok
