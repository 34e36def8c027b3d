"""Each evaluation metric on tiny hand-computed cases, including the zero and undefined edge cases."""

from __future__ import annotations

import pytest

from app.evaluation import metrics as m
from app.evaluation.metrics import SpanRef
from app.models import Actor, Answer, AnswerSentence, Briefing, BriefingPoint, Citation

TEXT = "Kyiv must cede Donbas. The army is capped at 600,000 troops. Europe objects."
#       0         1         2         3         4         5         6         7
#       0123456789012345678901234567890123456789012345678901234567890123456789012345


def cite(n: int, start: int, end: int, article: str = "a1") -> Citation:
    return Citation(n=n, article_id=article, chunk_id=f"{article}:0", quote=TEXT[start:end], start=start, end=end)


def answer(sentences: list[tuple[str, list[int]]], citations: list[Citation], abstained: bool = False) -> Answer:
    text = " ".join(s + "".join(f"[{n}]" for n in ns) for s, ns in sentences)
    return Answer(
        question="q",
        answer=text,
        sentences=[AnswerSentence(text=s, citations=ns) for s, ns in sentences],
        citations=citations,
        abstained=abstained,
        backend="test",
        model="test",
    )


def supports_if_substring(claim: str, quotes: list[str]) -> bool:
    """A transparent stand-in for the support checker: the claim is a substring of the joined quotes."""
    return claim in " ".join(quotes)


# ---- aggregation -----------------------------------------------------------------------------------------------------
def test_aggregate_ignores_undefined_and_counts():
    assert m.aggregate([1.0, None, 0.0, 0.5]) == m.Score(value=0.5, n=3)
    assert m.aggregate([None, None]) == m.Score(value=None, n=0)
    assert m.aggregate([]) == m.Score(value=None, n=0)


def test_share():
    assert m.share([True, False, False, True]) == 0.5
    assert m.share([]) is None


def test_percentile_linear_interpolation():
    assert m.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    # h = 3 * 0.95 = 2.85 -> 30 + 0.85 * 10
    assert m.percentile([40.0, 10.0, 30.0, 20.0], 95) == pytest.approx(38.5)
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None
    with pytest.raises(ValueError):
        m.percentile([1.0], 101)


# ---- normalization and quotes ----------------------------------------------------------------------------------------
def test_normalize_answer_squad_style():
    assert m.normalize_answer("The 28-point Plan! [1]") == "28 point plan"
    assert m.normalize_answer("An  army of 600,000") == "army of 600 000"
    assert m.normalize_answer("peace—a just peace") == "peace just peace"
    assert m.normalize_answer("") == ""


def test_quote_matching_is_whitespace_insensitive():
    assert m.quote_in_text("cede   Donbas.\nThe army", TEXT)
    assert not m.quote_in_text("cede donbas", TEXT)  # case matters: quotes are exact
    assert not m.quote_in_text("   ", TEXT)
    assert m.locate_quote("The army  is\ncapped", TEXT) == [(23, 41)]
    assert m.locate_quote("missing", TEXT) == []
    assert m.locate_quote("", TEXT) == []


def test_locate_evidence_per_quote_and_article():
    spans = m.locate_evidence(["Europe objects.", "nowhere"], {"a1": TEXT, "a2": "Europe objects."})
    assert spans == [[SpanRef("a1", 61, 76), SpanRef("a2", 0, 15)], []]


# ---- retrieval -------------------------------------------------------------------------------------------------------
def test_evidence_recall_at_k():
    chunks = ["nothing here", "Kyiv must cede Donbas.", "capped at 600,000 troops"]
    evidence = ["cede Donbas", "600,000 troops"]
    assert m.evidence_recall_at_k(evidence, chunks, 1) == 0.0
    assert m.evidence_recall_at_k(evidence, chunks, 2) == 0.5
    assert m.evidence_recall_at_k(evidence, chunks, 3) == 1.0
    assert m.evidence_recall_at_k(evidence, [], 3) == 0.0
    assert m.evidence_recall_at_k([], chunks, 3) is None


def test_reciprocal_rank():
    chunks = ["nothing", "still nothing", "Kyiv must cede Donbas."]
    assert m.reciprocal_rank(["cede Donbas"], chunks) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["cede Donbas", "nothing"], chunks) == 1.0
    assert m.reciprocal_rank(["absent"], chunks) == 0.0
    assert m.reciprocal_rank([], chunks) is None


# ---- answers ---------------------------------------------------------------------------------------------------------
def test_answer_correct_is_normalized_token_containment():
    assert m.answer_correct("Ukraine must limit its army to 600,000 troops [2].", ["600,000"]) == 1.0
    assert m.answer_correct("According to the 28-point plan", ["28"]) == 1.0
    assert m.answer_correct("The army is 1280 strong", ["28"]) == 0.0  # tokens, not substrings
    assert m.answer_correct("Brussels", ["Kyiv", "the Brussels"]) == 1.0  # any acceptable answer
    assert m.answer_correct("", ["Kyiv"]) == 0.0
    assert m.answer_correct("Kyiv", []) is None
    assert m.answer_correct("Kyiv", ["the"]) is None  # normalizes to nothing


def test_token_f1_max_over_answers():
    # pred tokens: [security, guarantees, offered]; gold [strong, security, guarantees]: P = R = 2/3
    assert m.token_f1("Security guarantees offered", ["strong security guarantees"]) == pytest.approx(2 / 3)
    assert m.token_f1(
        "Security guarantees offered", ["strong security guarantees", "security guarantees"]
    ) == pytest.approx(0.8)
    assert m.token_f1("nothing relevant", ["Kyiv"]) == 0.0
    assert m.token_f1("", ["Kyiv"]) == 0.0
    assert m.token_f1("Kyiv", []) is None


def test_answer_text_is_empty_for_abstentions():
    assert m.answer_text(answer([("Kyiv must cede Donbas.", [1])], [cite(1, 0, 22)])) == "Kyiv must cede Donbas."
    assert m.answer_text(answer([], [], abstained=True)) == ""


# ---- citations -------------------------------------------------------------------------------------------------------
GOLD = [SpanRef("a1", 23, 60)]  # "The army is capped at 600,000 troops."


def test_citation_precision_against_gold_spans():
    a = answer(
        [("The army is capped at 600,000 troops.", [1, 2]), ("Kyiv must cede Donbas.", [3])],
        [cite(1, 23, 60), cite(2, 0, 22), cite(3, 40, 76)],
    )
    # (s1, c1) overlaps gold, (s1, c2) does not, (s2, c3) overlaps gold [40, 60): 2 of 3
    assert m.citation_precision(a, GOLD, supports_if_substring) == pytest.approx(2 / 3)


def test_citation_precision_other_article_and_unknown_marker():
    a = answer([("The army is capped.", [1, 9])], [cite(1, 23, 60, article="a2")])
    assert m.citation_precision(a, GOLD, supports_if_substring) == 0.0


def test_citation_precision_uses_checker_without_gold():
    a = answer([("cede Donbas", [1]), ("600,000 troops", [1])], [cite(1, 0, 22)])
    assert m.citation_precision(a, [], supports_if_substring) == 0.5


def test_citation_precision_undefined_cases():
    assert m.citation_precision(answer([("Uncited claim.", [])], []), GOLD, supports_if_substring) is None
    assert m.citation_precision(answer([], []), GOLD, supports_if_substring) is None
    abstained = answer([("Kyiv must cede Donbas.", [1])], [cite(1, 0, 22)], abstained=True)
    assert m.citation_precision(abstained, GOLD, supports_if_substring) is None


def test_citation_recall():
    a = answer(
        [("Kyiv must cede Donbas.", [1]), ("Europe objects.", [1]), ("Uncited.", []), ("600,000 troops", [1, 2])],
        [cite(1, 0, 22), cite(2, 23, 60)],
    )
    # s1 supported by c1; s2 not; s3 has no citation; s4 supported by c1 + c2 together: 2 of 4
    assert m.citation_recall(a, supports_if_substring) == 0.5
    assert m.citation_recall(answer([], []), supports_if_substring) is None
    assert m.citation_recall(answer([("x", [1])], [cite(1, 0, 22)], abstained=True), supports_if_substring) is None
    assert m.citation_recall(answer([("Kyiv", [7])], []), supports_if_substring) == 0.0  # marker names no citation


def test_merge_spans_bridges_sentence_gaps_only():
    merged = m.merge_spans([SpanRef("a", 23, 60), SpanRef("a", 0, 22), SpanRef("a", 70, 76), SpanRef("b", 0, 5)])
    assert merged == [SpanRef("a", 0, 60), SpanRef("a", 70, 76), SpanRef("b", 0, 5)]


def test_evidence_coverage():
    gold = [[SpanRef("a1", 0, 22)], [SpanRef("a1", 23, 60)], []]  # third quote is not in the corpus
    a = answer([("x", [1])], [cite(1, 0, 22)])
    assert m.evidence_coverage(a, gold) == pytest.approx(1 / 3)
    both = answer([("x", [1, 2])], [cite(1, 0, 22), cite(2, 23, 60)])
    assert m.evidence_coverage(both, gold[:2]) == 1.0
    spanning = [[SpanRef("a1", 10, 40)]]  # crosses the sentence boundary: covered by the two adjacent citations
    assert m.evidence_coverage(both, spanning) == 1.0
    partial = answer([("x", [1])], [cite(1, 23, 45)])
    assert m.evidence_coverage(partial, [[SpanRef("a1", 23, 60)]]) == 0.0  # overlap is not coverage
    assert m.evidence_coverage(answer([], [], abstained=True), gold) == 0.0
    assert m.evidence_coverage(a, []) is None


# ---- briefings -------------------------------------------------------------------------------------------------------
def brief(points: list[BriefingPoint], citations: list[Citation], actors: list[Actor] | None = None) -> Briefing:
    return Briefing(
        headline="h",
        summary=points[0],
        key_points=points[1:],
        actors=actors or [],
        citations=citations,
        backend="test",
        model="test",
    )


def test_key_fact_coverage():
    b = brief(
        [BriefingPoint(text="Kyiv must cede Donbas.", citations=[1]), BriefingPoint(text="x", citations=[])],
        [cite(1, 0, 22), cite(2, 61, 76)],  # citation 2 is listed but no point uses it
    )
    facts = [[SpanRef("a1", 5, 15)], [SpanRef("a1", 61, 76)], []]
    assert m.key_fact_coverage(b, facts) == pytest.approx(1 / 3)
    assert m.key_fact_coverage(b, []) is None


def test_point_citation_precision_counts_actor_points():
    b = brief(
        [BriefingPoint(text="cede Donbas", citations=[1]), BriefingPoint(text="Europe objects.", citations=[1, 5])],
        [cite(1, 0, 22)],
        actors=[Actor(name="Europe", points=[BriefingPoint(text="Europe objects.", citations=[2])])],
    )
    b.citations.append(cite(2, 61, 76))
    # (p1, c1) yes; (p2, c1) no; (p2, c5) unknown marker no; (actor, c2) yes: 2 of 4
    assert m.point_citation_precision(b, supports_if_substring) == 0.5
    assert m.point_citation_precision(brief([BriefingPoint(text="x")], []), supports_if_substring) is None
    assert len(m.briefing_points(b)) == 3


def test_topic_source_scores() -> None:
    sources, related = ["Cup final 2021", "Cup final 2023"], ["Cup draw"]
    got = m.topic_source_scores(["Cup final 2021", "Cup draw", "Glacier survey", "Cup final 2021"], sources, related)
    assert got == {"topic_precision": 2 / 3, "topic_recall": 0.5, "topic_refused": None}
    assert m.topic_source_scores(None, sources) == {"topic_precision": None, "topic_recall": 0.0, "topic_refused": None}
    assert m.topic_source_scores(None, [])["topic_refused"] == 1.0  # nothing covers the topic: refusing is right
    assert m.topic_source_scores(["Glacier survey"], [])["topic_refused"] == 0.0
