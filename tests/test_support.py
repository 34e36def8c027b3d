"""The support checker: hard fails (numbers, names, times), negation, quotes, batching; lexical and embedding modes."""

from __future__ import annotations

import hashlib
import re

import pytest
from langchain_core.embeddings import Embeddings

from app.verify.support import SupportChecker, SupportResult, analyze

P_ARMY = (
    "According to the 28-point plan, Ukraine must limit the size of its army to 600,000 troops, in exchange for which "
    'it will receive "strong security guarantees," without detailing their content.'
)
P_EU = (
    "In contrast to Kyiv's caution, the reaction from European allies was much harsher. EU foreign ministers, meeting "
    'in Brussels, made it clear that they would not accept terms that demand concessions from Kyiv. "The Ukrainians '
    "want peace—a just peace that respects everyone's sovereignty, a lasting peace that cannot be questioned by future "
    'aggression. But peace cannot be capitulation," stated French Foreign Minister Jean-Noël Barrot.'
)
P_LEAVITT = (
    "White House Press Secretary Karoline Leavitt confirmed that Secretary of State Marco Rubio and US Special Envoy "
    "Steve Witkoff had been working secretly on the plan for about a month, and it has President Trump's support. "
    'According to her, the plan was "designed to reflect the realities of the situation after five years of '
    "devastating war—to find the best 'win-win' scenario where both sides get more than they give.\""
)
P_FRONT = (
    "The Chief of the Russian General Staff, Valery Gerasimov, reported to President Putin about the capture of the "
    "city of Kupiansk, which, however, the Ukrainian side denies."
)


class CountingBagOfWords(Embeddings):
    """Deterministic fake: hashed bag of lowercase words; counts embed_documents calls and texts."""

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * 64
        for w in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(w.encode()).hexdigest(), 16) % 64] += 1.0
        return v

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        self.texts.extend(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


@pytest.fixture(scope="module")
def lexical() -> SupportChecker:
    return SupportChecker(None)


@pytest.fixture(scope="module")
def dense(embeddings) -> SupportChecker:  # type: ignore[no-untyped-def]
    return SupportChecker(embeddings)


def _both(request: pytest.FixtureRequest, mode: str) -> SupportChecker:
    return request.getfixturevalue(mode)


MODES = [pytest.param("lexical"), pytest.param("dense", marks=pytest.mark.slow)]


@pytest.mark.parametrize("mode", MODES)
class TestRules:
    def test_verbatim_sentence_is_supported_with_exact_quote(self, request: pytest.FixtureRequest, mode: str) -> None:
        claim = "EU foreign ministers, meeting in Brussels, made it clear that they would not accept terms that demand concessions from Kyiv."
        r = _both(request, mode).check(claim, [P_ARMY, P_EU])
        assert r.supported, r.reason
        assert r.score > 0.9
        assert r.passage_index == 1
        assert r.quote is not None
        assert P_EU[r.quote[0] : r.quote[1]] == claim

    def test_faithful_paraphrase_is_supported(self, request: pytest.FixtureRequest, mode: str) -> None:
        r = _both(request, mode).check("Under the plan, Ukraine must cap its army at 600,000 troops.", [P_ARMY])
        assert r.supported, r.reason

    @pytest.mark.parametrize(
        ("claim", "missing"),
        [
            ("Under the plan, Ukraine must cap its army at 500,000 troops.", "number '500,000'"),
            ("According to the 20-point plan, Ukraine must limit its army.", "number '20'"),
            ("Ukraine must limit its army to six hundred thousand troops.", None),  # 600,000 written out: fine
            ("Ukraine must limit its army to 600000 troops.", None),
        ],
    )
    def test_numbers_must_appear(
        self, request: pytest.FixtureRequest, mode: str, claim: str, missing: str | None
    ) -> None:
        r = _both(request, mode).check(claim, [P_ARMY])
        if missing is None:
            assert r.supported, r.reason
        else:
            assert not r.supported
            assert f"{missing} not in cited passage" in r.reason

    def test_swapped_name_is_a_hard_fail(self, request: pytest.FixtureRequest, mode: str) -> None:
        r = _both(request, mode).check("French Foreign Minister Macron said peace cannot be capitulation.", [P_EU])
        assert not r.supported
        assert "name 'Macron' not in cited passage" in r.reason

    def test_swapped_place_is_a_hard_fail(self, request: pytest.FixtureRequest, mode: str) -> None:
        ok = _both(request, mode).check("EU foreign ministers met in Brussels.", [P_EU])
        bad = _both(request, mode).check("EU foreign ministers met in Paris.", [P_EU])
        assert ok.supported and not bad.supported
        assert "name 'Paris'" in bad.reason

    def test_times_must_match(self, request: pytest.FixtureRequest, mode: str) -> None:
        checker = _both(request, mode)
        assert checker.check("Rubio and Witkoff worked on the plan for about a month.", [P_LEAVITT]).supported
        r = checker.check("Rubio and Witkoff worked on the plan for about a year.", [P_LEAVITT])
        assert not r.supported and "time 'a year'" in r.reason
        assert not checker.check("The plan reflects five months of devastating war.", [P_LEAVITT]).supported

    @pytest.mark.parametrize(
        ("true_claim", "flipped"),
        [
            ("EU ministers would not accept terms that demand concessions from Kyiv.",
             "EU ministers would accept terms that demand concessions from Kyiv."),
            ("Leavitt confirmed that Rubio and Witkoff worked secretly on the plan.",
             "Leavitt denied that Rubio and Witkoff worked secretly on the plan."),
            ("The Ukrainian side denies the capture of Kupiansk.", "The Ukrainian side confirms the capture of Kupiansk."),
            ("Barrot said peace cannot be capitulation.", "Barrot said peace can be capitulation."),
        ],
    )  # fmt: skip
    def test_negation_mismatch_lowers_the_score(
        self, request: pytest.FixtureRequest, mode: str, true_claim: str, flipped: str
    ) -> None:
        checker = _both(request, mode)
        passages = [P_EU, P_LEAVITT, P_FRONT]
        good, bad = checker.check(true_claim, passages), checker.check(flipped, passages)
        assert good.supported, good.reason
        assert not bad.supported
        assert bad.score < good.score
        assert "negat" in bad.reason or "says" in bad.reason

    def test_unrelated_claim_is_unsupported(self, request: pytest.FixtureRequest, mode: str) -> None:
        r = _both(request, mode).check("The company reported record quarterly profits.", [P_ARMY, P_EU])
        assert not r.supported
        assert r.score < 0.3

    def test_union_of_passages_supports_a_combined_claim(self, request: pytest.FixtureRequest, mode: str) -> None:
        claim = "Ukraine must limit its army to 600,000 troops, and Barrot said peace cannot be capitulation."
        checker = _both(request, mode)
        assert checker.check(claim, [P_ARMY, P_EU]).supported
        assert not checker.check(claim, [P_EU]).supported  # the number is only in P_ARMY


def test_lexical_mode_reports_no_similarity(lexical: SupportChecker) -> None:
    r = lexical.check("EU foreign ministers met in Brussels.", [P_EU])
    assert r.similarity is None and "similarity" not in r.reason


@pytest.mark.slow
def test_dense_mode_reports_similarity(dense: SupportChecker) -> None:
    r = dense.check("EU foreign ministers met in Brussels.", [P_EU])
    assert r.similarity is not None and 0.3 < r.similarity <= 1.0
    assert "similarity" in r.reason


def test_best_passage_and_per_passage_spans(lexical: SupportChecker) -> None:
    r = lexical.check("Gerasimov reported to Putin about the capture of Kupiansk.", [P_ARMY, P_FRONT])
    assert r.supported
    assert r.passage_index == 1
    assert len(r.passage_spans) == 2 and all(s is not None for s in r.passage_spans)
    assert r.quote == r.passage_spans[1]


def test_quote_can_span_two_adjacent_sentences(lexical: SupportChecker) -> None:
    claim = "Leavitt confirmed Rubio and Witkoff worked on the plan, designed to find a win-win scenario."
    r = lexical.check(claim, [P_LEAVITT])
    assert r.quote is not None
    quote = P_LEAVITT[r.quote[0] : r.quote[1]]
    assert quote.startswith("White House") and quote.endswith('give."')


@pytest.mark.parametrize(
    ("claim", "passages", "reason"),
    [("", [P_ARMY], "empty claim"), ("Anything at all.", [], "no passage"), ("Anything.", ["   "], "no passage")],
)
def test_degenerate_inputs(lexical: SupportChecker, claim: str, passages: list[str], reason: str) -> None:
    r = lexical.check(claim, passages)
    assert isinstance(r, SupportResult)
    assert not r.supported and r.score == 0.0 and reason in r.reason


def test_check_many_embeds_once_and_caches_sentences() -> None:
    fake = CountingBagOfWords()
    checker = SupportChecker(fake)
    claims = ["EU foreign ministers met in Brussels.", "Ukraine must limit its army to 600,000 troops."]
    results = checker.check_many(claims, [[P_EU], [P_ARMY, P_EU]])
    assert fake.calls == 1
    assert len(fake.texts) == len(set(fake.texts))  # P_EU's sentences embedded once though cited twice
    assert [r.supported for r in results] == [True, True]
    seen = len(fake.texts)
    again = checker.check(claims[0], [P_EU])
    assert again == results[0]
    assert len(fake.texts) == seen  # everything came from the cache


def test_check_many_rejects_mismatched_lengths(lexical: SupportChecker) -> None:
    with pytest.raises(ValueError, match="2 claims but 1"):
        lexical.check_many(["a", "b"], [[P_ARMY]])


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("600,000 troops", {600000.0}),
        ("six hundred thousand troops", {600000.0}),
        ("1.5 million people", {1500000.0}),
        ("a 28-point plan", {28.0}),
        ("twenty-eight points", {28.0}),
        ("five years of war in 2025", {5.0, 2025.0}),
        ("one of the members", set()),  # bare "one" is a pronoun, not a quantity
    ],
)
def test_number_normalization(text: str, values: set[float]) -> None:
    assert {v for _, v in analyze(text).numbers} == values


def test_names_skip_sentence_initial_common_words() -> None:
    a = analyze('Meanwhile, Russian forces advance. "Our teams will work," Zelenskyy said. The EU agreed.')
    assert set(a.names) == {"Russian", "Zelenskyy", "EU"}
