"""Integrity of the second news development set (evals/news2/, evals/news_dev2.jsonl).

Standard library and pytest only: this checks the data, not the system. See evals/news2/README.md for what the set is.
The checks mirror tests/test_news_dataset.py, plus two the first set lacks: the invented world shares no proper names
with the first corpus, and a near-miss question's answers do not occur in the other sentences of its cluster.
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
CORPUS = EVALS / "news2" / "corpus"
FIRST_CORPUS = EVALS / "news" / "corpus"
QUESTIONS = EVALS / "news_dev2.jsonl"
OTHER_QUESTION_FILES = [EVALS / "news_dev.jsonl", EVALS / "news_heldout.jsonl"]
ID_PREFIX = "n2-"

DOMAINS = {
    "health",
    "courts",
    "environment",
    "transport",
    "education",
    "labour",
    "politics",
    "sports",
    "business",
    "technology",
    "science",
}
NEW_DOMAINS = {"health", "courts", "environment", "transport", "education", "labour"}  # not in the first set
TYPES = {"person", "organisation", "place", "date", "money", "number", "quantity", "quote", "reason", "other"}
FILE_NAME = re.compile(r"^(?P<domain>[a-z]+)_(?P<nn>\d{2})_(?P<slug>[a-z0-9]+(?:_[a-z0-9]+)*)\.md$")
FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.S)
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\"))\s+")
# Capitalised words both worlds may use: calendar words and ordinary words that start a sentence or a title.
SHARED_WORDS = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "Dr", "Economists", "Journal", "Northern", "You",
}  # fmt: skip
_ARTICLES = {"a", "an", "the"}


def collapse(text: str) -> str:
    """Whitespace-insensitive form (as the eval matches evidence quotes): NFKC, runs of whitespace to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def answer_tokens(text: str) -> list[str]:
    """SQuAD-style normalization as the eval scores answers: lower case, punctuation to spaces, articles dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    return [t for t in text.split() if t not in _ARTICLES]


def contains(text: str, answer: str) -> bool:
    """True when the answer's normalized tokens occur contiguously in the text's (the eval's correctness rule)."""
    t, g = answer_tokens(text), answer_tokens(answer)
    return bool(g) and any(t[i : i + len(g)] == g for i in range(len(t) - len(g) + 1))


def read_articles(folder: Path) -> dict[str, dict]:
    """file name -> {"domain", "meta", "body", "flat"} for every article in the folder."""
    out: dict[str, dict] = {}
    for path in sorted(folder.glob("*.md")):
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


@lru_cache(maxsize=1)
def articles() -> dict[str, dict]:
    return read_articles(CORPUS)


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
def questions() -> list[dict]:
    return read_jsonl(QUESTIONS)


def where(quote: str) -> list[str]:
    """Articles whose body contains the quote (whitespace-insensitively)."""
    q = collapse(quote)
    return [name for name, a in articles().items() if q and q in a["flat"]]


def sentences(name: str) -> list[str]:
    return [s for s in SENTENCE_END.split(articles()[name]["flat"]) if s]


def cluster_of(q: dict) -> str:
    tags = [t for t in q["tags"] if t.startswith("cluster:")]
    assert len(tags) == 1, f"{q['id']}: needs exactly one cluster:<name> tag, has {tags}"
    return tags[0].removeprefix("cluster:")


def proper_names(arts: dict[str, dict]) -> tuple[set[str], set[str]]:
    """(capitalised words, lower-case words) of the article bodies."""
    caps: set[str] = set()
    lower: set[str] = set()
    for a in arts.values():
        caps |= set(re.findall(r"\b[A-Z][a-z]+\b", a["body"]))
        lower |= set(re.findall(r"\b[a-z]+\b", a["body"]))
    return caps, lower


# ---- corpus ------------------------------------------------------------------------------------------------------------
def test_corpus_size_and_domains():
    arts = articles()
    assert len(arts) >= 18
    per_domain = Counter(a["domain"] for a in arts.values())
    assert set(per_domain) <= DOMAINS, per_domain
    assert len(per_domain) >= 9, per_domain
    assert set(per_domain) >= NEW_DOMAINS, NEW_DOMAINS - set(per_domain)


def test_articles_have_front_matter_and_plausible_length():
    sources = set()
    for name, a in articles().items():
        meta = a["meta"]
        assert {"title", "source", "published"} <= set(meta), f"{name}: front matter needs title, source, published"
        assert meta["title"] and meta["source"], name
        date.fromisoformat(meta["published"])
        sources.add(meta["source"])
        words = len(a["body"].split())
        assert 150 <= words <= 230, f"{name}: {words} words (expected 150-230)"
    assert len(sources) >= 8, sources


def test_articles_are_distinct():
    """No copy-pasted boilerplate: no sentence of 8+ words appears in two articles."""
    seen: dict[str, str] = {}
    for name in articles():
        for sentence in sentences(name):
            if len(sentence.split()) < 8:
                continue
            assert sentence not in seen, f"{name} repeats a sentence of {seen.get(sentence)}: {sentence!r}"
            seen[sentence] = name


def test_the_world_is_new():
    """No proper name of the first set's world (Velaria, Kostrania, their people, firms and places) comes back here:
    a name is a capitalised word the two corpora never use in lower case."""
    first = read_articles(FIRST_CORPUS)
    old_caps, old_lower = proper_names(first)
    new_caps, new_lower = proper_names(articles())
    shared = {w for w in old_caps & new_caps if w.lower() not in old_lower | new_lower} - SHARED_WORDS
    assert not shared, sorted(shared)
    assert not {a["meta"]["source"] for a in first.values()} & {a["meta"]["source"] for a in articles().values()}


# ---- questions ---------------------------------------------------------------------------------------------------------
def test_question_lines_have_the_contract_fields():
    for q in questions():
        assert set(q) >= {"id", "question", "answers", "evidence", "answerable", "tags"}, q
        assert isinstance(q["id"], str) and q["id"].startswith(ID_PREFIX), q["id"]
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert isinstance(q["answerable"], bool), q["id"]
        for key in ("answers", "evidence", "tags"):
            assert isinstance(q[key], list) and all(isinstance(x, str) and x.strip() for x in q[key]), (q["id"], key)


def test_ids_unique_here_and_against_the_first_set():
    ids = [q["id"] for q in questions()]
    dup = [i for i, n in Counter(ids).items() if n > 1]
    assert not dup, dup
    others = {row["id"] for path in OTHER_QUESTION_FILES if path.exists() for row in read_jsonl(path)}
    assert not set(ids) & others


def test_question_count():
    assert 100 <= len(questions()) <= 130


def test_answerable_have_answers_and_evidence_unanswerable_none():
    for q in questions():
        if q["answerable"]:
            assert q["answers"] and q["evidence"], q["id"]
        else:
            assert q["answers"] == [] and q["evidence"] == [], q["id"]


def test_every_evidence_quote_is_in_exactly_one_article():
    for q in questions():
        for e in q["evidence"]:
            assert len(where(e)) == 1, (q["id"], e, where(e))


def test_an_answer_is_in_the_evidence():
    """At least one listed answer occurs (as the eval matches it) in a sentence that holds the evidence; the other
    variants may be rewordings ("184 mm" for "184 millimetres")."""
    for q in questions():
        if not q["answerable"]:
            continue
        held = [s for name in articles() for s in sentences(name) if any(collapse(e) in s for e in q["evidence"])]
        assert held, q["id"]
        assert any(contains(s, a) for s in held for a in q["answers"]), (q["id"], q["answers"])


def test_near_miss_answers_are_not_in_the_clusters_other_sentences():
    """The tempting passages must not contain an accepted answer, or a wrong-anchor reply would score as right."""
    cluster_articles: dict[str, set[str]] = defaultdict(set)
    for q in questions():
        for e in q["evidence"]:
            cluster_articles[cluster_of(q)].update(where(e))
    for q in questions():
        if "near-miss" not in q["tags"]:
            continue
        for name in sorted(cluster_articles[cluster_of(q)]):
            for s in sentences(name):
                if any(collapse(e) in s for e in q["evidence"]):
                    continue
                hits = [a for a in q["answers"] if contains(s, a)]
                assert not hits, (q["id"], hits, s)


def test_tags():
    for q in questions():
        tags = q["tags"]
        assert sum(t in DOMAINS for t in tags) == 1, (q["id"], tags)
        types = [t for t in tags if t.startswith("type:")]
        assert len(types) == 1 and types[0].removeprefix("type:") in TYPES, (q["id"], tags)
        if "near-miss" in tags or "paraphrase" in tags:
            assert q["answerable"], q["id"]
        if "unanswerable-near-miss" in tags:
            assert not q["answerable"], q["id"]
        cluster_of(q)


def test_every_domain_of_the_corpus_has_questions():
    corpus_domains = {a["domain"] for a in articles().values()}
    asked = {t for q in questions() for t in q["tags"] if t in DOMAINS}
    assert asked == corpus_domains, corpus_domains ^ asked


def test_every_article_is_asked_about():
    used = {name for q in questions() for e in q["evidence"] for name in where(e)}
    assert used == set(articles()), set(articles()) - used


def test_shares_of_unanswerable_near_miss_and_paraphrase():
    allq = questions()
    unanswerable = [q for q in allq if not q["answerable"]]
    answerable = [q for q in allq if q["answerable"]]
    assert 0.25 <= len(unanswerable) / len(allq) <= 0.45
    assert sum("unanswerable-near-miss" in q["tags"] for q in unanswerable) > 0.8 * len(unanswerable)
    off_topic = [q for q in unanswerable if "unanswerable-near-miss" not in q["tags"]]
    assert 3 <= len(off_topic) <= 5, [q["id"] for q in off_topic]
    assert 0.4 <= sum("near-miss" in q["tags"] for q in answerable) / len(answerable) <= 0.65
    assert sum("paraphrase" in q["tags"] for q in answerable) >= len(answerable) / 3
    types = Counter(t for q in allq for t in q["tags"] if t.startswith("type:"))
    assert set(types) == {f"type:{t}" for t in TYPES}, types


def test_a_cluster_is_whole_articles():
    """Each article belongs to one story cluster, so the set can later be split by cluster without leaking."""
    clusters_of: dict[str, set[str]] = defaultdict(set)
    for q in questions():
        for e in q["evidence"]:
            for name in where(e):
                clusters_of[name].add(cluster_of(q))
    shared = {name: c for name, c in clusters_of.items() if len(c) > 1}
    assert not shared, shared
