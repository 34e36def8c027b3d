"""Predicate-level comparison (issue 20): meaning flips that keep every name and number are caught, with the reason in
words, and paraphrases are not; the reason reaches the answer's sentences and the web marker; the flip pairs hold."""

from __future__ import annotations

from collections import Counter
from html import unescape

import pytest

from app.evaluation.judge import DEFAULT_PAIRS, FLIP_PAIRS, Pair, flip_summary, kind_table, load_pairs, measure_checker
from app.models import Answer, Passage
from app.serve.web.format import answer_html
from app.verify.citations import verify
from app.verify.predicates import contradictions
from app.verify.support import SupportChecker

# Sentences written for these tests (not from the labelled pairs), one per kind of flip.
SOURCE = "Mayor Olsen Tarr welcomed the harbour plan, but the port authority would not accept the new fees."
BORDER = "Turkey agreed to reopen the border, while Germany objected."
TALKS = "The head of the Italian delegation, Ida Lund, said the talks had failed."
PORT = "There were delays at the port, the ministry said."


@pytest.mark.parametrize(
    ("claim", "source", "reason"),
    [
        ("The port authority welcomed the new fees.", SOURCE, "contrary verb: 'welcomed' vs 'would not accept'"),
        ("Mayor Olsen Tarr opposed the harbour plan.", SOURCE, "contrary verb: 'opposed' vs 'welcomed'"),
        ("Prices at the market fell in May.", "Prices at the market rose in May.", "contrary verb: 'fell' vs 'rose'"),
        ("The Falcons lost the derby.", "The Falcons won the derby.", "contrary verb: 'lost' vs 'won'"),
        ("The Hawks beat the Owls.", "The Owls beat the Hawks.", "roles reversed"),
        ("The Owls were beaten by the Hawks.", "The Owls beat the Hawks.", "roles reversed"),
        ("The clinic did not reopen.", "The clinic reopened on Monday.", "negation added"),
        ("The board reopened the clinic.", "The board may reopen the clinic.", "modality: 'reopened' (done)"),
        ("The firm hired forty staff.", "The firm plans to hire forty staff.", "modality"),
        ("Inspectors said the bridge was unsafe.", "Engineers said the bridge was unsafe.", "attribution"),
        ("The minister resigned.", "The minister reportedly resigned.", "hedge dropped"),
        ("The dam collapsed.", "Officials denied that the dam collapsed.", "hedge dropped"),
        ("All members voted yes.", "Some members voted yes.", "quantifier: 'all' member vs 'some'"),
        ("Nobody was hurt in the fire.", "Two people were hurt in the fire.", "negation added"),
        # one party named two ways is still told from another party (capital for country, a title's affiliation)
        ("Berlin agreed to reopen the border.", BORDER, "another subject: 'berlin' to reopen"),
        ("Sweden said the talks had failed.", TALKS, "attribution: said by 'sweden'"),
        ("The ministry said there were no delays at the port.", PORT, "negation added"),
    ],
)
def test_flips_are_caught_with_a_reason(claim: str, source: str, reason: str) -> None:
    issues = contradictions(claim, source)
    assert any(reason in i for i in issues), issues


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("The Hawks defeated the Owls.", "The Owls were beaten by the Hawks."),
        ("The Owls lost to the Hawks.", "The Hawks beat the Owls."),  # a converse says the same thing
        ("The authority rejected the new fees.", SOURCE),  # 'rejected' = 'would not accept'
        ("Tarr backed the harbour plan.", SOURCE),
        ("Prices at the market increased in May.", "Prices at the market rose in May."),
        ("The firm intends to hire forty staff.", "The firm plans to hire forty staff."),
        ("Every member voted yes.", "All members voted yes."),
        ("The minister is reported to have resigned.", "The minister reportedly resigned."),
        ("Engineers found the bridge unsafe, they said.", "Engineers said the bridge was unsafe."),
        ("The company cut its forecast.", "Delmar Foods cut its forecast."),  # a description may name the same firm
        ("The team failed to find the wreck.", "The team did not find the wreck."),
        # one party named two ways: an alias, a capital for its country, a nationality, a title's affiliation
        ("The US would cap the army.", "The United States would cap the army."),
        ("Washington would cap the army.", "The United States would cap the army."),
        ("Ankara agreed to reopen the border.", BORDER),
        ("Italy said the talks had failed.", TALKS),
        ("Russian officials said the pipeline was shut.", "Russia said the pipeline was shut."),
        # a "none" said of one conjunct ("but nothing worse") does not negate the verb the other one asserts
        ("The ministry said there were delays at the port but nothing worse.", PORT),
    ],
)
def test_paraphrases_are_not_flagged(claim: str, source: str) -> None:
    assert contradictions(claim, source) == []


def test_reason_reaches_the_sentence_and_the_web_marker() -> None:
    passage = Passage(chunk_id="a:0", article_id="a", text=SOURCE, start=0, end=len(SOURCE))
    verified = verify("The port authority welcomed the new fees [1].", [passage], SupportChecker(None))
    sentence = verified.sentences[0]
    assert not sentence.supported
    assert "contrary verb: 'welcomed' vs 'would not accept'" in sentence.reason
    answer = Answer(question="q", answer=sentence.text, sentences=[sentence], backend="openai", model="stub")
    html = answer_html(answer, "t")
    assert "nd-unverified" in html and "contrary verb: 'welcomed' vs 'would not accept'" in unescape(html)


def test_a_quote_is_never_parsed_against_itself() -> None:
    r = SupportChecker(None).check("The port authority would not accept the new fees.", [SOURCE])
    assert r.supported, r.reason


# ---- the labelled flip pairs -----------------------------------------------------------------------------------------

PARAPHRASES = {"paraphrase", "passive_active", "reordered", "summarised"}
FLIPS = {"contrary_verb", "negation", "role_reversal", "attribution", "modality", "quantifier", "hedge_dropped"}


@pytest.fixture(scope="module")
def flip_pairs() -> list[Pair]:
    return load_pairs(FLIP_PAIRS)


def test_flip_pairs_file_is_well_formed(flip_pairs: list[Pair]) -> None:
    assert len(flip_pairs) >= 300
    assert len({p.id for p in flip_pairs}) == len(flip_pairs)
    assert {p.kind for p in flip_pairs} == PARAPHRASES | FLIPS
    assert all(p.label == (p.kind in PARAPHRASES) for p in flip_pairs)
    assert sum(not p.label for p in flip_pairs) >= len(flip_pairs) / 2
    splits = Counter(p.split for p in flip_pairs)
    assert set(splits) == {"dev", "heldout"} and 0.35 <= splits["heldout"] / len(flip_pairs) <= 0.45
    # held out by passage: no passage is in both splits
    assert not {p.passage for p in flip_pairs if p.held_out} & {p.passage for p in flip_pairs if not p.held_out}
    assert {p.domain for p in flip_pairs} >= {"politics", "sports", "business", "technology", "culture", "science"}


def test_checker_on_held_out_flip_pairs(flip_pairs: list[Pair]) -> None:
    """The done-when of issue 20 on the held-out split (lexical mode; the embedding mode is measured in docs)."""
    report = measure_checker(SupportChecker(None), [p for p in flip_pairs if p.split == "heldout"])
    labels = report.per_split_label["heldout"]
    assert labels["supported"].accuracy >= HELDOUT_ACCEPTED, kind_table(report)
    assert labels["unsupported"].accuracy >= HELDOUT_FLAGGED, kind_table(report)


HELDOUT_ACCEPTED = 0.95
HELDOUT_FLAGGED = 0.90
SUPPORT_PAIRS_LEXICAL = 0.94  # measured 0.946 (0.936 while one party named two ways read as another party)


def test_the_older_support_pairs_do_not_regress() -> None:
    """The predicate check must not cost the sample article's paraphrases (evals/support_pairs.jsonl, lexical mode)."""
    report = measure_checker(SupportChecker(None), load_pairs(DEFAULT_PAIRS))
    assert report.accuracy >= SUPPORT_PAIRS_LEXICAL, report.summary()


def test_flip_summary_for_the_eval_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        '{"id": "a", "claim": "Prices rose.", "passage": "Prices rose.", "label": true, "kind": "paraphrase", "split": "dev"}',
        '{"id": "b", "claim": "Prices fell.", "passage": "Prices rose.", "label": false, "kind": "contrary_verb", '
        '"split": "heldout"}',
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(rows), encoding="utf-8")
    data = flip_summary(SupportChecker(None), path)
    assert data["n"] == 2 and data["pairs"] == "pairs.jsonl"
    assert data["per_split_kind"]["heldout"]["contrary_verb"]["accuracy"] == 1.0
    assert "| contrary_verb | - | 1.00 (1/1) |" in data["table"]
    assert "| all unsupported (flagged) | - | **1.00** (1/1) |" in data["table"]
