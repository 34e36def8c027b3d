"""Integrity of the news evaluation sets: the first (evals/news/, news_dev.jsonl, news_heldout.jsonl, answer_pairs.jsonl)
and the second (evals/news2/, news_dev2.jsonl).

Standard library and pytest only: this checks the data, not the system. See evals/news/README.md and
evals/news2/README.md for what the sets are. The shared checks run once per set, over a `NewsSet` that says what the set
is and which bounds it keeps; checks only one set has (the answer pairs, the second world's new names) stand after them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVALS = ROOT / "evals"

FIRST_DOMAINS = frozenset({"politics", "sports", "business", "technology", "culture", "science"})
NEW_DOMAINS = frozenset({"health", "courts", "environment", "transport", "education", "labour"})  # not in the first set
TYPES = {"person", "organisation", "place", "date", "money", "number", "quantity", "quote", "reason", "other"}
KINDS = {"correct", "wrong-year", "wrong-edition", "wrong-quarter", "wrong-entity", "wrong-type", "off-topic"}
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


@dataclass(frozen=True)
class NewsSet:
    """One news evaluation set: where its files are and the bounds its data keeps."""

    name: str
    corpus: Path
    question_files: dict[str, Path]  # split -> JSONL file
    id_prefixes: dict[str, str]  # split -> prefix of its question ids
    domains: frozenset[str]  # the domain tags a question may carry and an article file name may start with
    required_domains: frozenset[str]  # each has articles
    min_domains: int  # distinct domains with articles
    min_articles: int
    min_articles_per_domain: int
    words: tuple[int, int]  # body length of an article, inclusive
    min_sources: int  # distinct outlets
    question_count: tuple[int, int | None]  # all files together, inclusive; None: no upper bound
    dev_share: tuple[float, float] | None  # share of the questions in the dev file; None: one file only
    unanswerable_share: tuple[float, float]
    unanswerable_near_miss_over: float  # more than this share of the unanswerable carry unanswerable-near-miss
    off_topic: tuple[int, int] | None  # unanswerable questions without that tag, inclusive; None: not bounded
    near_miss_share: tuple[float, float]  # of the answerable
    min_paraphrase_share: float  # of the answerable
    min_types: int  # distinct type: tags used
    pairs: Path | None = None  # answer/sentence pairs drawn from the same corpus
    # A near-miss question's answers occur in no other sentence of its cluster. The first set was not written to this
    # rule: in 31 of its 173 near-miss questions an answer recurs beyond the evidence (a name the story keeps using).
    near_miss_answers_only_in_evidence: bool = False


NEWS = NewsSet(
    name="news",
    corpus=EVALS / "news" / "corpus",
    question_files={"dev": EVALS / "news_dev.jsonl", "heldout": EVALS / "news_heldout.jsonl"},
    id_prefixes={"dev": "nd-", "heldout": "nh-"},
    domains=FIRST_DOMAINS,
    required_domains=FIRST_DOMAINS,
    min_domains=len(FIRST_DOMAINS),
    min_articles=40,
    min_articles_per_domain=7,
    words=(120, 300),
    min_sources=5,
    question_count=(150, None),
    dev_share=(0.5, 0.7),
    unanswerable_share=(0.2, 0.4),
    unanswerable_near_miss_over=0.5,
    off_topic=None,
    near_miss_share=(0.35, 0.65),
    min_paraphrase_share=0.0,  # the first set has no paraphrase tag
    min_types=8,
    pairs=EVALS / "answer_pairs.jsonl",
)
NEWS2 = NewsSet(
    name="news2",
    corpus=EVALS / "news2" / "corpus",
    question_files={"dev": EVALS / "news_dev2.jsonl"},
    id_prefixes={"dev": "n2-"},
    domains=NEW_DOMAINS | {"politics", "sports", "business", "technology", "science"},
    required_domains=NEW_DOMAINS,
    min_domains=9,
    min_articles=18,
    min_articles_per_domain=1,
    words=(150, 230),
    min_sources=8,
    question_count=(100, 130),
    dev_share=None,
    unanswerable_share=(0.25, 0.45),
    unanswerable_near_miss_over=0.8,
    off_topic=(3, 5),
    near_miss_share=(0.4, 0.65),
    min_paraphrase_share=1 / 3,
    min_types=len(TYPES),  # every type
    near_miss_answers_only_in_evidence=True,
)
SETS = [NEWS, NEWS2]
each_set = pytest.mark.parametrize("s", SETS, ids=[s.name for s in SETS])


# ---- reading -----------------------------------------------------------------------------------------------------------
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


@cache
def articles(folder: Path) -> dict[str, dict]:
    """file name -> {"domain", "meta", "body", "flat", "sentences"} for every article in the folder."""
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
        flat = collapse(body)
        out[path.name] = {
            "domain": name.group("domain"),
            "meta": meta,
            "body": body,
            "flat": flat,
            "sentences": [x for x in SENTENCE_END.split(flat) if x],
        }
    return out


@cache
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


def questions(s: NewsSet) -> dict[str, list[dict]]:
    """split -> its question rows."""
    return {split: read_jsonl(path) for split, path in s.question_files.items()}


def all_questions(s: NewsSet) -> list[dict]:
    return [q for rows in questions(s).values() for q in rows]


def pairs(s: NewsSet) -> list[dict]:
    return read_jsonl(s.pairs) if s.pairs else []


def where(s: NewsSet, quote: str) -> list[str]:
    """Articles of the set whose body contains the quote (whitespace-insensitively)."""
    q = collapse(quote)
    return [name for name, a in articles(s.corpus).items() if q and q in a["flat"]]


def passages(s: NewsSet, quote: str) -> list[str]:
    """The shortest runs of whole sentences that hold the quote, in each article that has it: one sentence, unless the
    quote spans more."""
    q = collapse(quote)
    out: list[str] = []
    for a in articles(s.corpus).values():
        if not q or q not in a["flat"]:
            continue
        sents = a["sentences"]
        for width in range(1, len(sents) + 1):
            runs = [" ".join(sents[i : i + width]) for i in range(len(sents) - width + 1)]
            if found := [run for run in runs if q in run]:
                out += found
                break
    return out


def cluster_of(q: dict) -> str:
    tags = [t for t in q["tags"] if t.startswith("cluster:")]
    assert len(tags) == 1, f"{q['id']}: needs exactly one cluster:<name> tag, has {tags}"
    return tags[0].removeprefix("cluster:")


def ids(s: NewsSet) -> list[str]:
    return [q["id"] for q in all_questions(s)] + [p["id"] for p in pairs(s)]


def in_bounds(value: float, bounds: tuple[float, float | None]) -> bool:
    low, high = bounds
    return low <= value and (high is None or value <= high)


# ---- corpus ------------------------------------------------------------------------------------------------------------
@each_set
def test_corpus_size_and_domains(s: NewsSet):
    arts = articles(s.corpus)
    assert len(arts) >= s.min_articles
    per_domain = Counter(a["domain"] for a in arts.values())
    assert set(per_domain) <= s.domains, per_domain
    assert len(per_domain) >= s.min_domains, per_domain
    assert set(per_domain) >= s.required_domains, s.required_domains - set(per_domain)
    assert all(n >= s.min_articles_per_domain for n in per_domain.values()), per_domain


@each_set
def test_articles_have_front_matter_and_plausible_length(s: NewsSet):
    sources = set()
    low, high = s.words
    for name, a in articles(s.corpus).items():
        meta = a["meta"]
        assert {"title", "source", "published"} <= set(meta), f"{name}: front matter needs title, source, published"
        assert meta["title"] and meta["source"], name
        date.fromisoformat(meta["published"])
        sources.add(meta["source"])
        words = len(a["body"].split())
        assert low <= words <= high, f"{name}: {words} words (expected {low}-{high})"
    assert len(sources) >= s.min_sources, sources


@each_set
def test_articles_are_distinct(s: NewsSet):
    """No copy-pasted boilerplate: no sentence of 8+ words appears in two articles."""
    seen: dict[str, str] = {}
    for name, a in articles(s.corpus).items():
        for sentence in a["sentences"]:
            if len(sentence.split()) < 8:
                continue
            assert sentence not in seen, f"{name} repeats a sentence of {seen.get(sentence)}: {sentence!r}"
            seen[sentence] = name


# ---- question files ----------------------------------------------------------------------------------------------------
@each_set
def test_question_lines_have_the_contract_fields(s: NewsSet):
    for split, rows in questions(s).items():
        for q in rows:
            assert set(q) >= {"id", "question", "answers", "evidence", "answerable", "tags"}, q
            assert isinstance(q["id"], str) and q["id"].startswith(s.id_prefixes[split]), q["id"]
            assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
            assert isinstance(q["answerable"], bool), q["id"]
            for key in ("answers", "evidence", "tags"):
                assert isinstance(q[key], list) and all(isinstance(x, str) and x.strip() for x in q[key]), (
                    q["id"],
                    key,
                )


@each_set
def test_ids_unique_here_and_against_the_other_sets(s: NewsSet):
    dup = [i for i, n in Counter(ids(s)).items() if n > 1]
    assert not dup, dup
    others = {i for other in SETS if other is not s for i in ids(other)}
    assert not set(ids(s)) & others, sorted(set(ids(s)) & others)


@each_set
def test_question_counts(s: NewsSet):
    rows = questions(s)
    total = sum(len(r) for r in rows.values())
    assert in_bounds(total, s.question_count), total
    if s.dev_share is not None:
        share_dev = len(rows["dev"]) / total
        assert in_bounds(share_dev, s.dev_share), share_dev


@each_set
def test_answerable_have_answers_and_evidence_unanswerable_none(s: NewsSet):
    for q in all_questions(s):
        if q["answerable"]:
            assert q["answers"] and q["evidence"], q["id"]
        else:
            assert q["answers"] == [] and q["evidence"] == [], q["id"]


@each_set
def test_every_evidence_quote_is_in_exactly_one_article(s: NewsSet):
    found = [(q["id"], e, where(s, e)) for q in all_questions(s) for e in q["evidence"]]
    wrong = [f for f in found if len(f[2]) != 1]
    assert not wrong, wrong


@each_set
def test_an_answer_is_in_the_evidence(s: NewsSet):
    """At least one listed answer occurs (as the eval matches it) in a sentence that holds the evidence (or the run of
    sentences, where a quote spans two); the other variants may be rewordings ("184 mm" for "184 millimetres")."""
    for q in all_questions(s):
        if not q["answerable"]:
            continue
        held = [x for e in q["evidence"] for x in passages(s, e)]
        assert held, q["id"]
        assert any(contains(x, a) for x in held for a in q["answers"]), (q["id"], q["answers"])


@pytest.mark.parametrize("s", [s for s in SETS if s.near_miss_answers_only_in_evidence], ids=lambda s: s.name)
def test_near_miss_answers_are_not_in_the_clusters_other_sentences(s: NewsSet):
    """The tempting passages must not contain an accepted answer, or a wrong-anchor reply would score as right."""
    arts = articles(s.corpus)
    cluster_articles: dict[str, set[str]] = defaultdict(set)
    for q in all_questions(s):
        for e in q["evidence"]:
            cluster_articles[cluster_of(q)].update(where(s, e))
    for q in all_questions(s):
        if "near-miss" not in q["tags"]:
            continue
        for name in sorted(cluster_articles[cluster_of(q)]):
            for x in arts[name]["sentences"]:
                if any(collapse(e) in x for e in q["evidence"]):
                    continue
                hits = [a for a in q["answers"] if contains(x, a)]
                assert not hits, (q["id"], hits, x)


@each_set
def test_tags(s: NewsSet):
    for q in all_questions(s):
        tags = q["tags"]
        assert sum(t in s.domains for t in tags) == 1, (q["id"], tags)
        types = [t for t in tags if t.startswith("type:")]
        assert len(types) == 1 and types[0].removeprefix("type:") in TYPES, (q["id"], tags)
        if "near-miss" in tags or "paraphrase" in tags:
            assert q["answerable"], q["id"]
        if "unanswerable-near-miss" in tags:
            assert not q["answerable"], q["id"]
        cluster_of(q)


@each_set
def test_every_file_asks_about_every_domain_of_the_corpus(s: NewsSet):
    corpus_domains = {a["domain"] for a in articles(s.corpus).values()}
    for split, rows in questions(s).items():
        asked = {t for q in rows for t in q["tags"] if t in s.domains}
        assert asked == corpus_domains, (split, corpus_domains ^ asked)


@each_set
def test_every_article_is_asked_about(s: NewsSet):
    used = {name for q in all_questions(s) for e in q["evidence"] for name in where(s, e)}
    assert used == set(articles(s.corpus)), set(articles(s.corpus)) - used


@each_set
def test_shares_of_unanswerable_near_miss_and_paraphrase(s: NewsSet):
    allq = all_questions(s)
    unanswerable = [q for q in allq if not q["answerable"]]
    answerable = [q for q in allq if q["answerable"]]
    assert in_bounds(len(unanswerable) / len(allq), s.unanswerable_share)
    near = sum("unanswerable-near-miss" in q["tags"] for q in unanswerable)
    assert near > s.unanswerable_near_miss_over * len(unanswerable), (near, len(unanswerable))
    if s.off_topic is not None:
        off_topic = [q for q in unanswerable if "unanswerable-near-miss" not in q["tags"]]
        assert in_bounds(len(off_topic), s.off_topic), [q["id"] for q in off_topic]
    assert in_bounds(sum("near-miss" in q["tags"] for q in answerable) / len(answerable), s.near_miss_share)
    assert sum("paraphrase" in q["tags"] for q in answerable) >= s.min_paraphrase_share * len(answerable)
    types = Counter(t for q in allq for t in q["tags"] if t.startswith("type:"))
    assert len(types) >= s.min_types, types


# ---- clusters and splits -----------------------------------------------------------------------------------------------
@each_set
def test_a_cluster_is_whole_articles(s: NewsSet):
    """Each article belongs to one story cluster, so the set can be split by cluster without leaking."""
    clusters_of: dict[str, set[str]] = defaultdict(set)
    for q in all_questions(s):
        for e in q["evidence"]:
            for name in where(s, e):
                clusters_of[name].add(cluster_of(q))
    shared = {name: c for name, c in clusters_of.items() if len(c) > 1}
    assert not shared, shared


@each_set
def test_no_cluster_is_split_across_files(s: NewsSet):
    split_of: dict[str, set[str]] = defaultdict(set)
    for split, rows in questions(s).items():
        for q in rows:
            split_of[cluster_of(q)].add(split)
    shared = {c: x for c, x in split_of.items() if len(x) > 1}
    assert not shared, shared


@each_set
def test_no_article_feeds_both_splits(s: NewsSet):
    """Story clusters are whole articles: an article's sentences are evidence (or pair answers) for one split only."""
    used: dict[str, set[str]] = defaultdict(set)
    for split, rows in questions(s).items():
        for q in rows:
            for e in q["evidence"]:
                for name in where(s, e):
                    used[name].add(split)
    for p in pairs(s):
        for name in where(s, p["answer"]):
            used[name].add(p["split"])
    both = {name: x for name, x in used.items() if len(x) > 1}
    assert not both, both


# ---- the first set's answer pairs --------------------------------------------------------------------------------------
def test_answer_pairs_contract():
    rows = pairs(NEWS)
    assert len(rows) >= 200
    for p in rows:
        assert set(p) >= {"id", "question", "answer", "answers_question", "kind", "split"}, p
        assert p["id"].startswith("ap-"), p["id"]
        assert isinstance(p["question"], str) and p["question"].strip(), p["id"]
        assert p["kind"] in KINDS, p["id"]
        assert p["answers_question"] is (p["kind"] == "correct"), p["id"]
        assert p["split"] in NEWS.question_files, p["id"]
    kinds = Counter(p["kind"] for p in rows)
    assert set(kinds) == KINDS, kinds
    assert 0.35 <= kinds["correct"] / len(rows) <= 0.55, kinds
    assert len({(p["question"], p["answer"]) for p in rows}) == len(rows), "duplicate question/answer pair"


def test_every_pair_answer_is_a_sentence_of_the_corpus():
    rows = pairs(NEWS)
    missing = [p["id"] for p in rows if not where(NEWS, p["answer"])]
    assert not missing, missing
    wrong_article = [p["id"] for p in rows if "article" in p and p["article"] not in where(NEWS, p["answer"])]
    assert not wrong_article, wrong_article
    for p in rows:
        assert p["answer"].rstrip('"').endswith((".", "!", "?")), (p["id"], p["answer"])


# ---- the second set's world --------------------------------------------------------------------------------------------
def proper_names(arts: dict[str, dict]) -> tuple[set[str], set[str]]:
    """(capitalised words, lower-case words) of the article bodies."""
    caps: set[str] = set()
    lower: set[str] = set()
    for a in arts.values():
        caps |= set(re.findall(r"\b[A-Z][a-z]+\b", a["body"]))
        lower |= set(re.findall(r"\b[a-z]+\b", a["body"]))
    return caps, lower


def test_the_second_world_is_new():
    """No proper name of the first set's world (Velaria, Kostrania, their people, firms and places) comes back in the
    second: a name is a capitalised word the two corpora never use in lower case. Nor does an outlet."""
    first, second = articles(NEWS.corpus), articles(NEWS2.corpus)
    old_caps, old_lower = proper_names(first)
    new_caps, new_lower = proper_names(second)
    shared = {w for w in old_caps & new_caps if w.lower() not in old_lower | new_lower} - SHARED_WORDS
    assert not shared, sorted(shared)
    assert not {a["meta"]["source"] for a in first.values()} & {a["meta"]["source"] for a in second.values()}
