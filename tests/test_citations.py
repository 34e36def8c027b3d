"""Citation markers (incl. broken formats), verify() on the sample article with exact offsets, strict mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import Article, Passage
from app.text import build_article
from app.verify.citations import MARKER, make_citation, normalize_markers, split_cited_sentences, verify
from app.verify.support import SupportChecker

SAMPLE = Path(__file__).resolve().parents[1] / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"


def _sample_article() -> Article:
    raw = SAMPLE.read_text(encoding="utf-8")
    title, _, rest = raw.partition("\n")
    body = rest.split("\n\n", 1)[1].split("\n", 2)[2]  # the body repeats title and date first
    return build_article(title, body, source="sample")


@pytest.fixture(scope="module")
def article() -> Article:
    return _sample_article()


@pytest.fixture(scope="module")
def passages(article: Article) -> list[Passage]:
    """One passage per paragraph (the 11 news paragraphs), numbered [1]..[11] as a prompt would show them."""
    return [
        Passage(chunk_id=f"{article.id}:{i}", article_id=article.id, text=article.text[p.start : p.end],
                start=p.start, end=p.end, title=article.title, source=article.source)
        for i, p in enumerate(article.paragraphs[:11])
    ]  # fmt: skip


@pytest.fixture(scope="module")
def checker() -> SupportChecker:
    return SupportChecker(None)


# ------------------------------------------------------------------ markers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("[1]", [["1"]]), ("[1, 2]", [["1, 2"]]), ("[1][3]", [["1"], ["3"]]), ("[1-2]", [["1-2"]]), ("[12]", [["12"]])],
)
def test_marker_regex(text: str, numbers: list[list[str]]) -> None:
    assert [[m.group(1)] for m in MARKER.finditer(text)] == numbers


def test_marker_regex_ignores_prose_brackets() -> None:
    assert not MARKER.search("He said [sic] it [in Kyiv].")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zelenskyy is ready [1]. The EU objects [2][3].", [("Zelenskyy is ready.", [1]), ("The EU objects.", [2, 3])]),
        ("Zelenskyy is ready. [1] The EU objects. [2, 3]", [("Zelenskyy is ready.", [1]), ("The EU objects.", [2, 3])]),
        ("Zelenskyy is ready.[1]The EU objects [1-3].", [("Zelenskyy is ready.", [1]), ("The EU objects.", [1, 2, 3])]),
        ("Zelenskyy [2] is ready, Barrot objects [1].", [("Zelenskyy is ready, Barrot objects.", [2, 1])]),
        ("Ready [1][1]. Again [1].", [("Ready.", [1]), ("Again.", [1])]),
    ],
)
def test_split_cited_sentences(text: str, expected: list[tuple[str, list[int]]]) -> None:
    assert split_cited_sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Zelenskyy is ready (1). The EU objects (2, 3).",
        "Zelenskyy is ready [Passage 1]. The EU objects [Passages 2 and 3].",
        "Zelenskyy is ready [Passage 1]. The EU objects [Passage 2, Passage 3].",
        "Zelenskyy is ready【1】. The EU objects【2†source】【3】.",
        "Zelenskyy is ready[^1]. The EU objects[^2][^3].",
        "Zelenskyy is ready (Source 1). The EU objects (Sources 2 and 3).",
        "Zelenskyy is ready (see Passage 1). The EU objects [Source: 2-3].",
        "Zelenskyy is ready [1](#p1). The EU objects [2, 3].",
    ],
)
def test_broken_formats_are_normalized(text: str) -> None:
    assert split_cited_sentences(text) == [("Zelenskyy is ready.", [1]), ("The EU objects.", [2, 3])]


def test_bare_source_reference_at_sentence_start() -> None:
    assert split_cited_sentences("According to Source 2, Zelenskyy is ready.") == [("Zelenskyy is ready.", [2])]


def test_news_numbers_are_not_markers() -> None:
    text = "Article 5 of the treaty applies [1]. In 2025 (the fifth year) it (2024) held [2]."
    assert normalize_markers(text) == text
    assert [n for _, n in split_cited_sentences(text)] == [[1], [2]]


def test_text_without_markers_gives_nothing() -> None:
    assert split_cited_sentences("Zelenskyy is ready. The EU objects.") == []


def test_markdown_bullets_and_emphasis_are_stripped() -> None:
    text = "- **Zelenskyy** is ready [1]\n- The EU objects [2]\n\nSources: [1], [2]"
    assert split_cited_sentences(text) == [("Zelenskyy is ready", [1]), ("The EU objects", [2]), ("Sources:", [1, 2])]


# ------------------------------------------------------------------ verify


def test_citations_quote_the_article_exactly(
    article: Article, passages: list[Passage], checker: SupportChecker
) -> None:
    text = (
        "Under the 28-point plan, Ukraine must limit its army to 600,000 troops [3]. "
        "EU foreign ministers meeting in Brussels would not accept terms that demand concessions from Kyiv [8]. "
        "Peskov stated that no consultations are currently underway [10]."
    )
    v = verify(text, passages, checker)
    assert [s.supported for s in v.sentences] == [True, True, True]
    assert [c.n for c in v.citations] == [1, 2, 3]
    for c in v.citations:
        assert article.text[c.start : c.end] == c.quote
        assert c.article_id == article.id and c.title == article.title
    sentence_spans = {(s.start, s.end) for s in article.sentences}
    assert {(c.start, c.end) for c in v.citations} <= sentence_spans  # quotes are whole article sentences
    assert "600,000 troops" in v.citations[0].quote and "Brussels" in v.citations[1].quote
    assert v.citations[2].chunk_id == passages[9].chunk_id


def test_numbers_are_renumbered_in_order_of_first_use(passages: list[Passage], checker: SupportChecker) -> None:
    text = (
        "Peskov stated that no consultations are currently underway [10]. "
        "Ukraine must limit its army to 600,000 troops [3]. "
        "Moscow downplayed the American initiative [10]."
    )
    v = verify(text, passages, checker)
    assert v.answer == (
        "Peskov stated that no consultations are currently underway [1]. "
        "Ukraine must limit its army to 600,000 troops [2]. "
        "Moscow downplayed the American initiative [3]."
    )
    assert [s.citations for s in v.sentences] == [[1], [2], [3]]
    assert [c.chunk_id for c in v.citations] == [passages[9].chunk_id, passages[2].chunk_id, passages[9].chunk_id]


def test_same_quote_is_one_citation(passages: list[Passage], checker: SupportChecker) -> None:
    text = "Ukraine must limit its army to 600,000 troops [3]. The plan has 28 points [3]."
    v = verify(text, passages, checker)
    assert len(v.citations) == 1
    assert [s.citations for s in v.sentences] == [[1], [1]]
    assert v.answer == "Ukraine must limit its army to 600,000 troops [1]. The plan has 28 points [1]."


def test_nonexistent_passage_number(passages: list[Passage], checker: SupportChecker) -> None:
    five = passages[:5]
    v = verify("Ukraine must limit its army to 600,000 troops [3][7].", five, checker)
    (s,) = v.sentences
    assert not s.supported
    assert s.reason.startswith("cites [7] but only 5 passages")
    assert s.citations == [1]  # the valid citation is still shown
    assert v.answer == "Ukraine must limit its army to 600,000 troops [1]."


def test_uncited_sentence_is_flagged_and_filler_dropped(passages: list[Passage], checker: SupportChecker) -> None:
    text = "Here is the answer:\n\nThe war will end soon. Ukraine must limit its army to 600,000 troops [3].\n\nI hope this helps!"
    v = verify(text, passages, checker)
    first = v.sentences[0]
    assert (first.text, first.supported, first.reason) == ("The war will end soon.", False, "no citation")
    assert v.sentences[1].supported
    assert "Here is the answer" not in v.answer and "hope" not in v.answer
    assert v.answer == "The war will end soon. Ukraine must limit its army to 600,000 troops [1]."


def test_unsupported_claims_are_flagged_with_a_reason(passages: list[Passage], checker: SupportChecker) -> None:
    text = "Ukraine must limit its army to 500,000 troops [3]. French Foreign Minister Macron objected [8]."
    v = verify(text, passages, checker)
    assert [s.supported for s in v.sentences] == [False, False]
    assert "number '500,000' not in cited passage" in v.sentences[0].reason
    assert "name 'Macron' not in cited passage" in v.sentences[1].reason
    assert len(v.citations) == 2  # non-strict: still shown, so a reader can check


def test_strict_mode_removes_unsupported_sentences(passages: list[Passage], checker: SupportChecker) -> None:
    text = (
        "- Ukraine must limit its army to 500,000 troops [3].\n"
        "- EU foreign ministers met in Brussels [8].\n"
        "- Something nobody cited.\n"
        "- Kremlin spokesman Dmitry Peskov stated that no consultations are currently underway [10]."
    )
    v = verify(text, passages, checker, strict=True)
    assert v.answer == (
        "- EU foreign ministers met in Brussels [1].\n"
        "- Kremlin spokesman Dmitry Peskov stated that no consultations are currently underway [2]."
    )
    assert [s.supported for s in v.sentences] == [True, True]
    assert [c.chunk_id for c in v.citations] == [passages[7].chunk_id, passages[9].chunk_id]


def test_broken_format_answer_verifies(article: Article, passages: list[Passage], checker: SupportChecker) -> None:
    text = "Kremlin spokesman Dmitry Peskov said no consultations are underway (Passage 10). Moscow downplayed the American initiative【10】."
    v = verify(text, passages, checker)
    assert all(s.supported for s in v.sentences)
    assert "Passage" not in v.answer and "【" not in v.answer
    assert all(article.text[c.start : c.end] == c.quote for c in v.citations)


@pytest.mark.slow
def test_verify_with_embeddings(article: Article, passages: list[Passage], embeddings) -> None:  # type: ignore[no-untyped-def]
    checker = SupportChecker(embeddings)
    text = (
        "Zelenskyy said he is ready for honest work with Washington on a plan to end the war [1]. "
        "Putin said he is ready for honest work with Washington [1]."
    )
    v = verify(text, passages, checker)
    assert [s.supported for s in v.sentences] == [True, False]
    assert len(v.citations) == 1
    c = v.citations[0]
    assert article.text[c.start : c.end] == c.quote and c.quote.startswith("Ukrainian President Zelenskyy")


def test_make_citation_maps_to_article_offsets(article: Article, passages: list[Passage]) -> None:
    p = passages[2]
    c = make_citation(4, p, (0, 30))
    assert c.n == 4 and c.chunk_id == p.chunk_id
    assert c.quote == article.text[c.start : c.end] == p.text[:30]
    with pytest.raises(ValueError, match="outside passage"):
        make_citation(1, p, (0, len(p.text) + 1))
