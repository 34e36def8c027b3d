"""The support judge measured on evals/support_pairs.jsonl, and the pairs file itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.evaluation.judge import DEFAULT_PAIRS, JudgeReport, Pair, load_pairs, measure_checker
from app.text import clean_text
from app.verify.support import SupportChecker

SAMPLE = Path(__file__).resolve().parents[1] / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"
KINDS = {"verbatim", "paraphrase", "name_swap", "number_swap", "date_swap", "place_swap", "negation", "wrong_passage",
         "unrelated"}  # fmt: skip


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    return load_pairs(DEFAULT_PAIRS)


def test_pairs_file_is_well_formed(pairs: list[Pair]) -> None:
    assert len(pairs) >= 120
    assert len({p.id for p in pairs}) == len(pairs)
    assert {p.kind for p in pairs} >= KINDS
    assert {p.label for p in pairs} == {True, False}
    assert all(p.label for p in pairs if p.kind in {"verbatim", "paraphrase"})
    assert not any(p.label for p in pairs if p.kind not in {"verbatim", "paraphrase"})


def test_passages_are_real_article_text(pairs: list[Pair]) -> None:
    article = clean_text(SAMPLE.read_text(encoding="utf-8"))
    assert all(p.passage in article for p in pairs)
    assert all(p.claim in p.passage for p in pairs if p.kind == "verbatim")


def _check_quality(report: JudgeReport) -> None:
    assert report.n >= 120
    assert report.accuracy >= 0.9, report.summary()
    assert report.per_kind["name_swap"].accuracy >= 0.9, report.summary()
    assert report.per_kind["number_swap"].accuracy >= 0.9, report.summary()
    assert report.per_kind["verbatim"].accuracy == 1.0, report.summary()


@pytest.mark.slow
def test_checker_with_embeddings_is_accurate(pairs: list[Pair], embeddings) -> None:  # type: ignore[no-untyped-def]
    report = measure_checker(SupportChecker(embeddings), pairs)
    assert report.mode == "embeddings"
    _check_quality(report)


def test_lexical_checker_is_accurate(pairs: list[Pair]) -> None:
    report = measure_checker(SupportChecker(None), pairs)
    assert report.mode == "lexical"
    _check_quality(report)


def test_report_arithmetic() -> None:
    passage = "EU foreign ministers met in Brussels on Monday."
    pairs = [
        Pair(id="a", claim="EU foreign ministers met in Brussels.", passage=passage, label=True, kind="paraphrase"),
        Pair(id="b", claim="EU foreign ministers met in Paris.", passage=passage, label=False, kind="place_swap"),
        Pair(id="c", claim="The ministers met.", passage=passage, label=False, kind="overclaim"),  # accepted: wrong
        Pair(id="d", claim="Bananas are yellow.", passage=passage, label=True, kind="paraphrase"),  # rejected: wrong
    ]
    report = measure_checker(SupportChecker(None), pairs)
    assert (report.n, report.accuracy, report.precision, report.recall) == (4, 0.5, 0.5, 0.5)
    assert report.f1 == pytest.approx(0.5)
    assert report.false_accepts == ["c"] and report.false_rejects == ["d"]
    assert report.per_kind["paraphrase"].correct == 1 and report.per_kind["place_swap"].accuracy == 1.0
    assert "accuracy 0.500" in report.summary()


def test_load_pairs_names_the_bad_line(tmp_path: Path) -> None:
    good = {"id": "x", "claim": "c", "passage": "p", "label": True, "kind": "verbatim"}
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({"id": "y", "claim": "c"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs.jsonl:3"):
        load_pairs(path)
