"""Dataset loading: the JSONL contract, every bad line reported with its number, hashes, and the shipped datasets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.errors import NewsdeskError
from app.evaluation.datasets import DatasetInvalid, load_dataset, load_datasets, parse_dataset
from app.evaluation.metrics import quote_in_text
from app.ingest.loaders import load_path
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_QA = ROOT / "evals" / "sample_qa.jsonl"
BRIEFING_FACTS = ROOT / "evals" / "briefing_facts.jsonl"
SEED = ROOT / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"

GOOD = {"id": "a", "question": "Who?", "answers": ["Kyiv"], "evidence": ["in Kyiv"], "answerable": True}


def jsonl(*rows: object) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"


def test_valid_qa_with_optional_and_unknown_fields(tmp_path: Path):
    path = tmp_path / "qa.jsonl"
    text = jsonl(GOOD, "", {**GOOD, "id": "b", "article_id": "abc", "tags": ["x"], "source_note": "ignored"})
    path.write_text(text, encoding="utf-8")
    ds = load_dataset(path)
    assert ds.kind == "qa" and ds.errors == []
    assert [q.id for q in ds.qa] == ["a", "b"]
    assert ds.qa[1].article_id == "abc" and ds.qa[1].tags == ["x"]
    assert ds.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ds.name == "qa"


def test_malformed_lines_are_all_reported_with_line_numbers():
    text = jsonl(
        GOOD,                                                     # 1 ok
        '{"id": "b", "question": "Q", ',                          # 2 bad JSON
        {k: v for k, v in GOOD.items() if k != "answers"} | {"id": "c"},  # 3 missing field
        {**GOOD, "id": "d", "answerable": "yes"},                 # 4 wrong type (strict bool)
        {**GOOD, "id": "e", "answers": "Kyiv"},                   # 5 wrong type (list expected)
        [1, 2],                                                   # 6 not an object
        {**GOOD},                                                 # 7 duplicate id
        {**GOOD, "id": "f", "answerable": False},                 # 8 unanswerable with answers
        {**GOOD, "id": "g", "question": "  "},                    # 9 blank question
    )  # fmt: skip
    ds = parse_dataset(text, path="bad.jsonl")
    assert [q.id for q in ds.qa] == ["a"]
    by_line = {e.line: e.message for e in ds.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "invalid JSON" in by_line[2]
    assert "answers" in by_line[3] and "required" in by_line[3].lower()
    assert "answerable" in by_line[4]
    assert "answers" in by_line[5]
    assert "JSON object" in by_line[6]
    assert "duplicate id 'a'" in by_line[7] and "line 1" in by_line[7]
    assert "unanswerable" in by_line[8]
    assert "blank" in by_line[9]
    assert str(ds.errors[0]).startswith("bad.jsonl:2: ")


def test_load_datasets_raises_one_error_listing_every_bad_line(tmp_path: Path):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text(jsonl(GOOD), encoding="utf-8")
    bad.write_text(jsonl(GOOD, "not json", {**GOOD, "id": 3}), encoding="utf-8")
    with pytest.raises(DatasetInvalid) as info:
        load_datasets([good, bad])
    assert isinstance(info.value, NewsdeskError)
    assert [(e.line) for e in info.value.errors] == [2, 3]
    assert f"{bad}:2: invalid JSON" in str(info.value)
    assert f"{bad}:3: id" in str(info.value)


def test_empty_and_unreadable_datasets(tmp_path: Path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DatasetInvalid, match="no items"):
        load_datasets([empty])
    with pytest.raises(NewsdeskError, match="cannot read dataset"):
        load_dataset(tmp_path / "missing.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(NewsdeskError, match="not UTF-8"):
        load_dataset(binary)


def test_briefing_dataset_detected_and_validated():
    ok = {"id": "b1", "selection": {}, "facts": [{"fact": "Kyiv cedes Donbas", "evidence": ["cede Donbas"]}]}
    text = jsonl(
        ok,
        {**ok, "id": "b2", "facts": []},                                     # 2 no facts
        {**ok, "id": "b3", "selection": {"since": "not a date"}},            # 3 bad selection
        {**ok, "id": "b4", "facts": [{"fact": "x", "evidence": "cede"}]},    # 4 evidence not a list
    )  # fmt: skip
    ds = parse_dataset(text, path="b.jsonl")
    assert ds.kind == "briefing" and [b.id for b in ds.briefings] == ["b1"]
    assert [e.line for e in ds.errors] == [2, 3, 4]
    assert "since" in ds.errors[1].message
    assert "key facts, sources, or both" in ds.errors[0].message


def test_topic_briefing_items_label_sources_and_news_sets_name_real_titles():
    """A topic item may carry sources (titles) instead of facts; [] says no article covers the topic. Every title
    in the shipped topic sets is the title of an article of the news corpus."""
    topic = {"id": "t1", "selection": {"query": "ferry strike"}, "sources": ["Strike ends"], "related": []}
    ds = parse_dataset(jsonl(topic, {**topic, "id": "t2", "sources": []}), path="t.jsonl")
    assert ds.kind == "briefing" and [b.sources for b in ds.briefings] == [["Strike ends"], []]
    root = Path(__file__).resolve().parents[1]
    titles = {a.title for f in (root / "evals/news/corpus").glob("*.md") for a in load_path(f, Settings())}
    for name in ("topics_dev", "topics_heldout"):
        items = load_datasets([root / "evals" / f"{name}.jsonl"])[0].briefings
        assert len(items) >= 25 and sum(not i.sources for i in items) >= 5
        assert all(i.selection.get("query") for i in items)
        assert {t for i in items for t in (*(i.sources or []), *i.related)} <= titles


def test_shipped_sample_qa_is_valid_and_quotes_the_article():
    ds = load_dataset(SAMPLE_QA)
    assert ds.errors == []
    assert len(ds.qa) >= 40
    unanswerable = [q for q in ds.qa if not q.answerable]
    assert len(unanswerable) >= 10
    assert all(q.answers == [] and q.evidence == [] for q in unanswerable)
    article = load_path(SEED, Settings())[0].text
    for q in ds.qa:
        if q.answerable:
            assert q.answers and q.evidence, q.id
        for quote in q.evidence:
            assert quote_in_text(quote, article), f"{q.id}: {quote!r} is not in the article"
    tags = {t for q in ds.qa for t in q.tags}
    assert {"numbers", "people", "places", "who-said-what", "contrast", "unanswerable"} <= tags


@pytest.mark.skipif(not BRIEFING_FACTS.exists(), reason="evals/briefing_facts.jsonl not written yet")
def test_shipped_briefing_facts_are_valid_and_quote_the_article():
    ds = load_dataset(BRIEFING_FACTS)
    assert ds.kind == "briefing" and ds.errors == [] and ds.briefings
    article = load_path(SEED, Settings())[0].text
    for item in ds.briefings:
        for fact in item.facts:
            assert any(quote_in_text(q, article) for q in fact.evidence), fact.fact
