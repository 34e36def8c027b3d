"""Deterministic synthetic news corpus: realistic-looking articles of 300-1500 words, reproducible by seed.

python -m bench.corpus --n 100 --out /tmp/corpus   # writes JSONL batches loadable by `newsdesk ingest`
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.models import Article

PEOPLE = [
    ("Maria Alvarez", "Finance Minister"),
    ("Tomasz Nowak", "Defence Minister"),
    ("Aiko Tanaka", "central bank governor"),
    ("Samuel Okafor", "opposition leader"),
    ("Ingrid Larsen", "Prime Minister"),
    ("Rahul Mehta", "trade envoy"),
    ("Elena Petrova", "Foreign Minister"),
    ("David Cohen", "mayor"),
    ("Fatima Haddad", "UN envoy"),
    ("Lucas Moreau", "union leader"),
    ("Grace Kim", "health official"),
    ("Pedro Santos", "police chief"),
    ("Hannah Weber", "energy regulator"),
    ("Yusuf Demir", "President"),
    ("Olivia Brown", "company spokeswoman"),
]
PLACES = [
    "Brussels",
    "Warsaw",
    "Lagos",
    "Osaka",
    "Lisbon",
    "Ankara",
    "Toronto",
    "Nairobi",
    "Lima",
    "Oslo",
    "Hanoi",
    "Quito",
    "Tbilisi",
    "Porto",
    "Dakar",
    "Riga",
    "Busan",
    "Cork",
    "Mombasa",
    "Gdansk",
]
TOPICS = [
    ("budget", ["deficit", "spending cuts", "tax reform", "public debt"]),
    ("energy", ["gas prices", "wind farms", "grid upgrades", "nuclear plants"]),
    ("trade", ["tariffs", "export quotas", "customs checks", "shipping routes"]),
    ("health", ["hospital funding", "vaccination rates", "waiting lists", "nurse shortages"]),
    ("security", ["border patrols", "cyber attacks", "troop deployments", "arms deliveries"]),
    ("transport", ["rail strikes", "airport expansion", "fuel subsidies", "road tolls"]),
    ("housing", ["rent caps", "mortgage rates", "construction permits", "social housing"]),
]
VERBS = ["said", "told reporters", "announced", "confirmed", "warned", "argued", "wrote in a statement", "insisted"]
CONNECT = ["Meanwhile,", "At the same time,", "Separately,", "Earlier this week,", "By contrast,", "In a statement,"]


def _sentence(rng: random.Random, topic: str, terms: list[str], place: str) -> str:
    person, role = rng.choice(PEOPLE)
    n = rng.choice([3, 12, 28, 45, 120, 600, 1500, 25_000, 600_000])
    pct = rng.randint(2, 48)
    term = rng.choice(terms)
    templates = [
        f"{role.capitalize()} {person} {rng.choice(VERBS)} that the plan on {term} would cost {n:,} million euros over {pct} months.",
        f'"We will not accept any deal on {term} that ignores {place}," {person}, the {role}, {rng.choice(VERBS)}.',
        f"Officials in {place} said {term} had risen by {pct} percent since the start of the year, the highest level in {n % 40 + 2} years.",
        f"{rng.choice(CONNECT)} protesters gathered in {place} to demand changes to {term}, police estimated the crowd at {n:,}.",
        f"The {topic} committee will meet in {place} on {rng.choice(['Monday', 'Tuesday', 'Thursday'])} to discuss {term} and {rng.choice(terms)}.",
        f"According to a report seen by reporters, {n:,} households could be affected by the new rules on {term}.",
        f"{person} denied claims that the government had misled parliament about {term}, calling them unfounded.",
        f"Analysts expect {term} to dominate the debate in {place} ahead of the vote, with {pct} percent of voters undecided.",
    ]
    return rng.choice(templates)


def article(seed: int) -> dict[str, object]:
    """One synthetic article as a JSON record (title, text, source, url, published)."""
    rng = random.Random(seed)
    topic, terms = rng.choice(TOPICS)
    place = rng.choice(PLACES)
    target_words = rng.randint(300, 1500)
    paragraphs: list[str] = []
    words = 0
    while words < target_words:
        para = " ".join(_sentence(rng, topic, terms, place) for _ in range(rng.randint(2, 4)))
        paragraphs.append(para)
        words += len(para.split())
    published = datetime(2025, 1, 1) + timedelta(hours=seed * 7 % (24 * 330))
    return {
        "title": f"{place} {topic} talks: {rng.choice(terms)} in focus (#{seed})",
        "text": "\n".join(paragraphs),
        "source": rng.choice(["Daily Ledger", "Wire Service", "Evening Post", "Metro Times"]),
        "url": f"https://news.example/{topic}/{seed}",
        "published": published.isoformat(),
    }


def articles(n: int, seed: int = 0) -> Iterator[dict[str, object]]:
    for i in range(n):
        yield article(seed * 1_000_003 + i)


def to_article(record: dict[str, object]) -> Article:
    """A corpus record as the Article `newsdesk ingest` would build from it."""
    from app.text import build_article

    return build_article(
        str(record["title"]),
        str(record["text"]),
        source=str(record["source"]),
        url=str(record["url"]),
        published=datetime.fromisoformat(str(record["published"])),
    )


def questions(n: int, seed: int = 0) -> list[str]:
    """Distinct questions in the corpus's vocabulary (who said what, how much, where, when), deterministic by seed."""
    rng = random.Random(seed + 7919)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        person, role = rng.choice(PEOPLE)
        topic, terms = rng.choice(TOPICS)
        term, place = rng.choice(terms), rng.choice(PLACES)
        q = rng.choice(
            [
                f"How much would the plan on {term} cost according to the {role}?",
                f"What did {person} say about {term}?",
                f"Where did protesters gather to demand changes to {term}?",
                f"When will the {topic} committee meet in {place}?",
                f"How many households could be affected by the new rules on {term}?",
                f"By how much had {term} risen in {place}?",
                f"Who denied misleading parliament about {term}?",
                f"What share of voters in {place} is undecided ahead of the vote on {term}?",
            ]
        )
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def write_jsonl(n: int, out: Path, seed: int = 0, per_file: int = 500) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    batch: list[str] = []
    for i, rec in enumerate(articles(n, seed)):
        batch.append(json.dumps(rec, ensure_ascii=False))
        if len(batch) == per_file or i == n - 1:
            path = out / f"batch_{len(files):04d}.jsonl"
            path.write_text("\n".join(batch) + "\n", encoding="utf-8")
            files.append(path)
            batch = []
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    files = write_jsonl(args.n, args.out, args.seed)
    print(f"wrote {args.n} articles in {len(files)} files to {args.out}")


if __name__ == "__main__":
    main()
