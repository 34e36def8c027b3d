"""Briefings across sources, measured on the labelled multi-outlet corpus of evals/briefings (issue 15).

Metrics (pure functions on `Briefing`s and the labels):
- conflict recall: labelled conflicts shown as a disputed item quoting a statement of each side;
- conflict precision: disputed items with sides that match a labelled conflict;
- attribution: points that quote someone or speak in the first person, and how many name no speaker;
- speaker accuracy: labelled quotes shown in the briefing with the labelled speaker;
- repeated sentences: sentences that appear in more than one place of the briefing;
- words: the words a reader reads (every section; the numbered source list excluded).

`python -m app.evaluation.cross_source [--split dev|heldout|all] [--length standard]` prints the figures as JSON.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.brief.attribution import needs_speaker
from app.models import Briefing, BriefingPoint

CORPUS = Path(__file__).resolve().parents[2] / "evals" / "briefings"


@dataclass
class Story:
    name: str
    split: str
    files: list[Path]
    labels: list[dict[str, Any]] = field(default_factory=list)


def load_corpus(root: Path = CORPUS) -> list[Story]:
    labels = [json.loads(line) for line in (root / "labels.jsonl").read_text().splitlines() if line.strip()]
    stories = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        mine = [x for x in labels if x["story"] == folder.name]
        split = mine[0]["split"] if mine else "dev"
        stories.append(Story(folder.name, split, sorted(folder.glob("*.json")), mine))
    return stories


# ---- what a briefing shows ---------------------------------------------------------------------------------------------


def sections(b: Briefing) -> dict[str, list[BriefingPoint]]:
    return {
        "summary": list(b.summary.parts or ([b.summary] if b.summary.text else [])),
        "key_points": b.key_points,
        "actors": [p for a in b.actors for p in a.points],
        "facts": b.facts,
        "disputed": b.disputed,
        "timeline": b.timeline,
    }


def shown_texts(b: Briefing) -> list[tuple[str, str]]:
    """(section, text) of everything a reader reads: points, and each side's quote of a disputed item."""
    out: list[tuple[str, str]] = []
    for name, points in sections(b).items():
        for p in points:
            out.append((name, p.text))
            out += [(name, s.quote) for s in p.sides]
    return out


def _sentences(text: str) -> list[str]:
    from app.text import split_sentences

    return [" ".join(text[s.start : s.end].split()).lower() for s in split_sentences(text)]


def repeated_sentences(b: Briefing) -> int:
    """Sentences shown more than once (in two sections, or twice in one)."""
    counts = Counter(s for _, text in shown_texts(b) for s in _sentences(text) if len(s.split()) >= 4)
    return sum(n - 1 for n in counts.values() if n > 1)


def words(b: Briefing) -> int:
    """Words a reader reads: the Markdown rendering without its numbered source list, [n] markers and markup."""
    from app.brief.render import render_markdown

    body = render_markdown(b).split("\n## Sources", 1)[0]
    body = "\n".join(line for line in body.splitlines()[1:] if not line.startswith("*"))  # headline kept below
    body = b.headline + "\n" + re.sub(r"\[\d+\]", " ", body)
    return sum(1 for tok in body.split() if re.search(r"\w", tok))


def unattributed(b: Briefing) -> list[str]:
    """Points (and dispute sides) that quote someone or say 'I'/'we' with no speaker named."""
    out = []
    for _, points in sections(b).items():
        for p in points:
            if p.sides:
                continue  # each side names its outlet; its speaker is in its quote or in the point below
            if needs_speaker(p.text) and not p.speaker:
                out.append(p.text)
    return out


def attributable(b: Briefing) -> int:
    return sum(needs_speaker(p.text) for points in sections(b).values() for p in points if not p.sides)


# ---- labels ------------------------------------------------------------------------------------------------------------


def _has(text: str, needle: str) -> bool:
    return needle.lower() in " ".join(text.split()).lower()


def matches(point: BriefingPoint, label: dict[str, Any]) -> bool:
    """A disputed item quotes the labelled text of each side, on different sides of it."""
    values = []
    for side in label["sides"]:
        hit = next((s.value for s in point.sides if _has(s.quote, side["text"])), None)
        if hit is None:
            return False
        values.append(hit)
    return len(set(values)) == len(values)


def conflict_scores(b: Briefing, labels: Sequence[dict[str, Any]]) -> dict[str, Any]:
    conflicts = [x for x in labels if x["kind"] == "conflict"]
    items = [p for p in b.disputed if p.sides]
    found = [x["id"] for x in conflicts if any(matches(p, x) for p in items)]
    true_items = [p for p in items if any(matches(p, x) for x in conflicts)]
    false_items = [" | ".join(s.quote for s in p.sides) for p in items if p not in true_items]
    return {"labelled": len(conflicts), "found": found, "items": len(items), "true_items": len(true_items),
            "false_items": false_items}  # fmt: skip


def speaker_scores(b: Briefing, labels: Sequence[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """(labelled quotes shown, shown with the labelled speaker, mistakes)."""
    shown = right = 0
    wrong: list[str] = []
    points = [p for ps in sections(b).values() for p in ps if not p.sides]
    for x in (x for x in labels if x["kind"] == "speaker"):
        p = next((p for p in points if _has(p.text, x["quote"])), None)
        if p is None:
            continue
        shown += 1
        want = x["speaker"]
        got = p.speaker
        ok = (want is None and not got) or (
            want is not None and want.split()[-1].lower() in (got + " " + p.text).lower()
        )
        right += ok
        if not ok:
            wrong.append(f"{x['id']}: {got!r} for {want!r}")
    return shown, right, wrong


def agreement_scores(b: Briefing, labels: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """(labelled agreements, shown as one point citing at least as many sources as labelled, or all but one)."""
    agreements = [x for x in labels if x["kind"] == "agreement"]
    points = [p for ps in sections(b).values() for p in ps if not p.sides]
    ok = sum(
        any(_has(p.text, x["text"]) and len(p.sources) >= max(2, len(x["articles"]) - 1) for p in points)
        for x in agreements
    )
    return len(agreements), ok


def detector_scores(found: Sequence[Any], labels: Sequence[dict[str, Any]]) -> tuple[int, int, int]:
    """(labelled conflicts found, disagreements found, of them true) for every disagreement before the budget."""
    conflicts = [x for x in labels if x["kind"] == "conflict"]

    def hit(d: Any, x: dict[str, Any]) -> bool:
        where = [next((k for k, side in enumerate(d.sides) for st in side.statements if _has(st.text, s["text"])), None)
                 for s in x["sides"]]  # fmt: skip
        return None not in where and len(set(where)) == len(where)

    return (sum(any(hit(d, x) for d in found) for x in conflicts), len(found),
            sum(any(hit(d, x) for x in conflicts) for d in found))  # fmt: skip


def speaker_resolution(articles: dict[str, Any], labels: Sequence[dict[str, Any]]) -> tuple[int, list[str]]:
    """Every labelled quote of the corpus (shown in a briefing or not): (right, mistakes) of app.brief.attribution."""
    from app.brief.attribution import resolve_speakers

    right, wrong = 0, []
    for x in (x for x in labels if x["kind"] == "speaker"):
        a = articles[x["article"]]
        sentences = [a.text[s.start : s.end] for s in a.sentences]
        got = resolve_speakers(sentences)[next(i for i, t in enumerate(sentences) if _has(t, x["quote"]))]
        want = x["speaker"]
        ok = (want is None and got is None) or (want is not None and bool(got) and want.split()[-1] in (got or ""))
        right += ok
        if not ok:
            wrong.append(f"{x['id']}: {got!r} for {want!r}")
    return right, wrong


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def score_briefing(b: Briefing, labels: Sequence[dict[str, Any]]) -> dict[str, Any]:
    c = conflict_scores(b, labels)
    shown, right, wrong = speaker_scores(b, labels)
    n_agree, ok_agree = agreement_scores(b, labels)
    return {
        "conflicts_labelled": c["labelled"], "conflicts_found": len(c["found"]), "disputed_items": c["items"],
        "disputed_true": c["true_items"], "false_conflicts": c["false_items"],
        "attributable_points": attributable(b), "unattributed": unattributed(b),
        "speaker_shown": shown, "speaker_right": right, "speaker_wrong": wrong,
        "agreements_labelled": n_agree, "agreements_shown": ok_agree,
        "repeated_sentences": repeated_sentences(b), "words": words(b),
    }  # fmt: skip


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    total = lambda k: sum(int(r[k]) for r in rows)  # noqa: E731
    n_attr = total("attributable_points")
    n_unattr = sum(len(r["unattributed"]) for r in rows)
    return {
        "briefings": len(rows),
        "conflict_recall": _ratio(total("conflicts_found"), total("conflicts_labelled")),
        "conflict_precision": _ratio(total("disputed_true"), total("disputed_items")),
        "attribution_coverage": _ratio(n_attr - n_unattr, n_attr),
        "unattributed_quotes": n_unattr,
        "speaker_accuracy": _ratio(total("speaker_right"), total("speaker_shown")),
        "speaker_resolution": _ratio(total("speakers_resolved"), total("speakers_labelled"))
        if rows and "speakers_labelled" in rows[0]
        else None,
        "detector_recall": _ratio(total("detector_found"), total("conflicts_labelled"))
        if rows and "detector_found" in rows[0]
        else None,
        "detector_precision": _ratio(total("detector_true"), total("detector_items"))
        if rows and "detector_found" in rows[0]
        else None,
        "agreement_recall": _ratio(total("agreements_shown"), total("agreements_labelled")),
        "repeated_sentences": total("repeated_sentences"),
        "words_per_briefing": round(total("words") / len(rows), 1) if rows else None,
    }


# ---- running it ------------------------------------------------------------------------------------------------------


class MemoryStore:
    """The store part briefings use, over articles chunked as ingest chunks them (no index on disk)."""

    def __init__(self, articles: Sequence[Any], settings: Any) -> None:
        from app.chunks.chunking import chunker_for

        self.articles = {a.id: a for a in articles}
        chunk = chunker_for(settings)
        self.chunks = {c.id: (a, c) for a in articles for c in chunk(a)}

    def list_articles(self) -> list[Any]:
        from app.models import ArticleInfo

        counts = Counter(a.id for a, _ in self.chunks.values())
        return [ArticleInfo(id=a.id, title=a.title, source=a.source, published=a.published, chars=len(a.text),
                            chunks=counts[a.id]) for a in self.articles.values()]  # fmt: skip

    def get_article(self, article_id: str) -> Any:
        return self.articles.get(article_id)

    def get_chunks(self, ids: Sequence[str]) -> list[Any]:
        from app.models import Passage

        out = []
        for cid in ids:
            if cid in self.chunks:
                a, c = self.chunks[cid]
                out.append(Passage(chunk_id=c.id, article_id=a.id, text=c.text, start=c.start, end=c.end,
                                   title=a.title, source=a.source, url=a.url, published=a.published))  # fmt: skip
        return out


def run(split: str = "all", length: str = "standard", engine: Any = None, root: Path = CORPUS) -> dict[str, Any]:
    """Brief each story of the split from all its outlets and score it; the sample article's one-article briefing too."""
    import tempfile

    from app.answer.engines import make_engine
    from app.brief.extractive import disagreements_of
    from app.brief.pipeline import brief
    from app.ingest.loaders import load_path
    from app.models import BriefSelection
    from app.settings import Settings
    from app.store.embeddings import make_embeddings
    from app.verify.support import SupportChecker

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp))
        embeddings = make_embeddings(settings)
        checker = SupportChecker(embeddings, threshold=settings.support_threshold)
        engine = engine or make_engine("extractive", settings, embeddings=embeddings)

        def one(articles: list[Any]) -> Briefing:
            return brief(BriefSelection(), store=MemoryStore(articles, settings), retriever=None, engine=engine,
                         checker=checker, settings=settings, length=length, embeddings=embeddings)  # fmt: skip

        rows: dict[str, Any] = {}
        for story in load_corpus(root):
            if split != "all" and story.split != split:
                continue
            articles = {f.stem: a for f in story.files for a in load_path(f, settings)}
            b = one(list(articles.values()))
            right, wrong = speaker_resolution(articles, story.labels)
            det_found, det_all, det_true = detector_scores(disagreements_of(list(articles.values()), embeddings),
                                                           story.labels)  # fmt: skip
            rows[story.name] = {"split": story.split, **score_briefing(b, story.labels), "speakers_resolved": right,
                                "speakers_labelled": sum(x["kind"] == "speaker" for x in story.labels),
                                "speaker_resolution_errors": wrong, "detector_found": det_found,
                                "detector_items": det_all, "detector_true": det_true}  # fmt: skip
        sample_path = Path(__file__).resolve().parents[1] / "data" / "sample"
        sample = [a for f in sorted(sample_path.glob("*.txt")) for a in load_path(f, settings)][:1]
        b = one(sample)
        article_words = len(sample[0].text.split())
        single = {"article_words": article_words, "briefing_words": words(b), "repeated_sentences":
                  repeated_sentences(b), "unattributed": unattributed(b)}  # fmt: skip
    return {"split": split, "length": length, "summary": summarize(list(rows.values())), "stories": rows,
            "one_article": single}  # fmt: skip


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="all", choices=["dev", "heldout", "all"])
    ap.add_argument("--length", default="standard", choices=["short", "standard", "long"])
    args = ap.parse_args()
    print(json.dumps(run(args.split, args.length), indent=2, ensure_ascii=False))
