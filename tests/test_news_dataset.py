"""Integrity of the Newsdesk news evaluation set (evals/news/, evals/news_*.jsonl, evals/answer_pairs.jsonl).

Standard library and pytest only: this checks the data, not the system. See evals/news/README.md for what the set is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVALS = ROOT / "evals"
CORPUS = EVALS / "news" / "corpus"
QUESTION_FILES = {"dev": EVALS / "news_dev.jsonl", "heldout": EVALS / "news_heldout.jsonl"}
ID_PREFIX = {"dev": "nd-", "heldout": "nh-"}
PAIRS = EVALS / "answer_pairs.jsonl"

DOMAINS = {"politics", "sports", "business", "technology", "culture", "science"}
TYPES = {"person", "organisation", "place", "date", "money", "number", "quantity", "quote", "reason", "other"}
KINDS = {"correct", "wrong-year", "wrong-edition", "wrong-quarter", "wrong-entity", "wrong-type", "off-topic"}
FILE_NAME = re.compile(r"^(?P<domain>[a-z]+)_(?P<nn>\d{2})_(?P<slug>[a-z0-9]+(?:_[a-z0-9]+)*)\.md$")
FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.S)


def collapse(text: str) -> str:
    """Whitespace-insensitive form (as the eval matches evidence quotes): NFKC, runs of whitespace to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@lru_cache(maxsize=1)
def articles() -> dict[str, dict]:
    """file name -> {"domain", "meta", "body", "flat"} for every corpus article."""
    out: dict[str, dict] = {}
    for path in sorted(CORPUS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        m = FRONT_MATTER.match(text)
        assert m, f"{path.name}: must start with YAML front matter between '---' lines"
        meta = {}
        for line in m.group("meta").splitlines():
            key, sep, value = line.partition(":")
            assert sep and key.strip(), f"{path.name}: bad front matter line {line!r}"
            meta[key.strip()] = value.strip()
        name = FILE_NAME.match(path.name)
        assert name, f"{path.name}: file name must be <domain>_<nn>_<slug>.md"
        body = m.group("body")
        out[path.name] = {"domain": name.group("domain"), "meta": meta, "body": body, "flat": collapse(body)}
    return out


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:  # pragma: no cover - reported as a failure
            pytest.fail(f"{path.name}:{n}: invalid JSON ({e})")
        assert isinstance(row, dict), f"{path.name}:{n}: not a JSON object"
        rows.append(row)
    return rows


@lru_cache(maxsize=1)
def questions() -> dict[str, list[dict]]:
    return {split: read_jsonl(path) for split, path in QUESTION_FILES.items()}


@lru_cache(maxsize=1)
def pairs() -> list[dict]:
    return read_jsonl(PAIRS)


def where(quote: str) -> list[str]:
    """Articles whose body contains the quote (whitespace-insensitively)."""
    q = collapse(quote)
    return [name for name, a in articles().items() if q and q in a["flat"]]


def cluster_of(q: dict) -> str:
    tags = [t for t in q["tags"] if t.startswith("cluster:")]
    assert len(tags) == 1, f"{q['id']}: needs exactly one cluster:<name> tag, has {tags}"
    return tags[0].removeprefix("cluster:")


# ---- corpus ------------------------------------------------------------------------------------------------------------
def test_corpus_size_and_domains():
    arts = articles()
    assert len(arts) >= 40
    per_domain = Counter(a["domain"] for a in arts.values())
    assert set(per_domain) == DOMAINS, per_domain
    assert all(n >= 7 for n in per_domain.values()), per_domain


def test_articles_have_front_matter_and_plausible_length():
    sources = set()
    for name, a in articles().items():
        meta = a["meta"]
        assert {"title", "source", "published"} <= set(meta), f"{name}: front matter needs title, source, published"
        assert meta["title"] and meta["source"], name
        date.fromisoformat(meta["published"])
        sources.add(meta["source"])
        words = len(a["body"].split())
        assert 120 <= words <= 300, f"{name}: {words} words (expected 120-300)"
    assert len(sources) >= 5, sources


def test_articles_are_distinct():
    """No copy-pasted boilerplate: no sentence of 8+ words appears in two articles."""
    seen: dict[str, str] = {}
    for name, a in articles().items():
        for sentence in re.split(r"(?<=[.!?])\s+", a["flat"]):
            if len(sentence.split()) < 8:
                continue
            assert sentence not in seen, f"{name} repeats a sentence of {seen.get(sentence)}: {sentence!r}"
            seen[sentence] = name


# ---- question files ----------------------------------------------------------------------------------------------------
def test_question_lines_have_the_contract_fields():
    for split, rows in questions().items():
        for q in rows:
            assert set(q) >= {"id", "question", "answers", "evidence", "answerable", "tags"}, q
            assert isinstance(q["id"], str) and q["id"].startswith(ID_PREFIX[split]), q["id"]
            assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
            assert isinstance(q["answerable"], bool), q["id"]
            for key in ("answers", "evidence", "tags"):
                assert isinstance(q[key], list) and all(isinstance(x, str) and x.strip() for x in q[key]), (
                    q["id"],
                    key,
                )


def test_ids_unique_across_files():
    ids = [q["id"] for rows in questions().values() for q in rows] + [p["id"] for p in pairs()]
    dup = [i for i, n in Counter(ids).items() if n > 1]
    assert not dup, dup


def test_question_counts():
    rows = questions()
    total = sum(len(r) for r in rows.values())
    assert total >= 150
    share_dev = len(rows["dev"]) / total
    assert 0.5 <= share_dev <= 0.7, share_dev


def test_answerable_have_answers_and_evidence_unanswerable_none():
    for rows in questions().values():
        for q in rows:
            if q["answerable"]:
                assert q["answers"] and q["evidence"], q["id"]
            else:
                assert q["answers"] == [] and q["evidence"] == [], q["id"]


def test_every_evidence_quote_is_in_the_corpus():
    missing = [(q["id"], e) for rows in questions().values() for q in rows for e in q["evidence"] if not where(e)]
    assert not missing, missing


def test_tags():
    for rows in questions().values():
        for q in rows:
            tags = q["tags"]
            assert sum(t in DOMAINS for t in tags) == 1, (q["id"], tags)
            types = [t for t in tags if t.startswith("type:")]
            assert len(types) == 1 and types[0].removeprefix("type:") in TYPES, (q["id"], tags)
            if "near-miss" in tags:
                assert q["answerable"], q["id"]
            if "unanswerable-near-miss" in tags:
                assert not q["answerable"], q["id"]
            cluster_of(q)


def test_both_files_cover_every_domain():
    for split, rows in questions().items():
        domains = {t for q in rows for t in q["tags"] if t in DOMAINS}
        assert domains == DOMAINS, (split, DOMAINS - domains)


def test_shares_of_unanswerable_and_near_miss():
    allq = [q for rows in questions().values() for q in rows]
    unanswerable = [q for q in allq if not q["answerable"]]
    answerable = [q for q in allq if q["answerable"]]
    assert 0.2 <= len(unanswerable) / len(allq) <= 0.4
    assert sum("unanswerable-near-miss" in q["tags"] for q in unanswerable) > len(unanswerable) / 2
    assert 0.35 <= sum("near-miss" in q["tags"] for q in answerable) / len(answerable) <= 0.65
    types = Counter(t for q in allq for t in q["tags"] if t.startswith("type:"))
    assert len(types) >= 8, types


def test_no_cluster_is_split_across_files():
    split_of: dict[str, set[str]] = defaultdict(set)
    for split, rows in questions().items():
        for q in rows:
            split_of[cluster_of(q)].add(split)
    shared = {c: s for c, s in split_of.items() if len(s) > 1}
    assert not shared, shared


def test_no_article_feeds_both_splits():
    """Story clusters are whole articles: an article's sentences are evidence (or pair answers) for one split only."""
    used: dict[str, set[str]] = defaultdict(set)
    for split, rows in questions().items():
        for q in rows:
            for e in q["evidence"]:
                for name in where(e):
                    used[name].add(split)
    for p in pairs():
        for name in where(p["answer"]):
            used[name].add(p["split"])
    both = {name: s for name, s in used.items() if len(s) > 1}
    assert not both, both


# ---- answer pairs ------------------------------------------------------------------------------------------------------
def test_answer_pairs_contract():
    rows = pairs()
    assert len(rows) >= 200
    for p in rows:
        assert set(p) >= {"id", "question", "answer", "answers_question", "kind", "split"}, p
        assert p["id"].startswith("ap-"), p["id"]
        assert isinstance(p["question"], str) and p["question"].strip(), p["id"]
        assert p["kind"] in KINDS, p["id"]
        assert p["answers_question"] is (p["kind"] == "correct"), p["id"]
        assert p["split"] in QUESTION_FILES, p["id"]
    kinds = Counter(p["kind"] for p in rows)
    assert set(kinds) == KINDS, kinds
    assert 0.35 <= kinds["correct"] / len(rows) <= 0.55, kinds
    assert len({(p["question"], p["answer"]) for p in rows}) == len(rows), "duplicate question/answer pair"


def test_every_pair_answer_is_a_sentence_of_the_corpus():
    missing = [p["id"] for p in pairs() if not where(p["answer"])]
    assert not missing, missing
    wrong_article = [p["id"] for p in pairs() if "article" in p and p["article"] not in where(p["answer"])]
    assert not wrong_article, wrong_article
    for p in pairs():
        assert p["answer"].rstrip('"').endswith((".", "!", "?")), (p["id"], p["answer"])
