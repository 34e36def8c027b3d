"""Measures the support checker itself on labelled (claim, passage) pairs (evals/support_pairs.jsonl, and the meaning-flip
pairs of issue 20: flip_pairs.jsonl), with accuracy per kind for every split."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from app.resources import shipped_datasets_dir
from app.verify.support import SupportChecker

DEFAULT_PAIRS = shipped_datasets_dir() / "support_pairs.jsonl"
FLIP_PAIRS = shipped_datasets_dir() / "flip_pairs.jsonl"
"""Claims that keep every name and number but flip the meaning, and paraphrases of the same passages (issue 20)."""


class Pair(BaseModel):
    """One labelled example: is `claim` supported by `passage`?"""

    id: str
    claim: str
    passage: str
    label: bool = Field(description="True when the passage supports the claim.")
    kind: str = Field(description="verbatim, paraphrase, name_swap, number_swap, date_swap, place_swap, negation, ...")
    held_out: bool = Field(False, description="Written after the checker's rules were tuned; never tuned on.")
    split: str = Field("", description="'dev' (tuned on) or 'heldout' (never looked at while tuning); '' = unsplit.")
    domain: str = Field("", description="politics, sports, business, technology, culture, science, ... ('' = news).")

    @model_validator(mode="after")
    def _split_and_held_out_agree(self) -> Pair:
        if self.split == "heldout":
            self.held_out = True
        elif not self.split:
            self.split = "heldout" if self.held_out else "dev"
        elif self.held_out:
            raise ValueError(f"pair {self.id}: held_out but split is {self.split!r}")
        return self


class KindScore(BaseModel):
    n: int
    correct: int
    accuracy: float


class JudgeReport(BaseModel):
    """How well the checker agrees with the labels; positives are supported claims."""

    n: int
    accuracy: float
    precision: float = Field(description="Of the claims the checker accepted, the share truly supported.")
    recall: float = Field(description="Of the truly supported claims, the share the checker accepted.")
    f1: float
    per_kind: dict[str, KindScore] = Field(default_factory=dict)
    per_split_kind: dict[str, dict[str, KindScore]] = Field(
        default_factory=dict, description="split ('dev', 'heldout') -> kind -> score."
    )
    per_split_label: dict[str, dict[str, KindScore]] = Field(
        default_factory=dict,
        description="split -> 'supported' (share accepted) / 'unsupported' (share flagged) -> score.",
    )
    false_accepts: list[str] = Field(default_factory=list, description="Ids of unsupported claims it accepted.")
    false_rejects: list[str] = Field(default_factory=list, description="Ids of supported claims it rejected.")
    held_out_n: int = 0
    held_out_accuracy: float | None = Field(None, description="Accuracy on the held-out pairs only.")
    mode: str = Field("", description="'embeddings' or 'lexical'.")
    threshold: float = 0.5

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {v.accuracy:.2f} ({v.correct}/{v.n})" for k, v in sorted(self.per_kind.items()))
        return (
            f"support judge ({self.mode}, n={self.n}): accuracy {self.accuracy:.3f}, precision {self.precision:.3f}, "
            f"recall {self.recall:.3f}, f1 {self.f1:.3f}"
            + (
                ""
                if self.held_out_accuracy is None
                else f", held-out {self.held_out_accuracy:.3f} (n={self.held_out_n})"
            )
            + f"; {kinds}; false accepts: {', '.join(self.false_accepts) or '-'}"
        )


def load_pairs(path: str | Path = DEFAULT_PAIRS) -> list[Pair]:
    """Read a JSONL file of pairs; errors name the file and line."""
    path = Path(path)
    pairs: list[Pair] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pairs.append(Pair.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as e:
            raise ValueError(f"{path}:{lineno}: not a support pair: {e}") from e
    return pairs


def measure_checker(checker: SupportChecker, pairs: Sequence[Pair]) -> JudgeReport:
    """Run the checker on every pair (one batch) and compare with the labels."""
    results = checker.check_many([p.claim for p in pairs], [[p.passage] for p in pairs])
    tp = fp = fn = tn = 0
    kinds: dict[str, list[int]] = {}
    false_accepts: list[str] = []
    false_rejects: list[str] = []
    held_out: list[bool] = []
    split_kinds: dict[str, dict[str, list[int]]] = {}
    split_labels: dict[str, dict[str, list[int]]] = {}
    for pair, result in zip(pairs, results, strict=True):
        correct = result.supported == pair.label
        if pair.held_out:
            held_out.append(correct)
        label = "supported" if pair.label else "unsupported"
        for stats in (
            kinds.setdefault(pair.kind, [0, 0]),
            split_kinds.setdefault(pair.split, {}).setdefault(pair.kind, [0, 0]),
            split_labels.setdefault(pair.split, {}).setdefault(label, [0, 0]),
        ):
            stats[0] += 1
            stats[1] += int(correct)
        if pair.label and result.supported:
            tp += 1
        elif pair.label:
            fn += 1
            false_rejects.append(pair.id)
        elif result.supported:
            fp += 1
            false_accepts.append(pair.id)
        else:
            tn += 1
    n = len(pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return JudgeReport(
        n=n,
        accuracy=(tp + tn) / n if n else 0.0,
        precision=precision,
        recall=recall,
        f1=f1,
        per_kind=_scores(kinds),
        per_split_kind={s: _scores(v) for s, v in sorted(split_kinds.items())},
        per_split_label={s: _scores(v) for s, v in sorted(split_labels.items())},
        false_accepts=false_accepts,
        false_rejects=false_rejects,
        held_out_n=len(held_out),
        held_out_accuracy=sum(held_out) / len(held_out) if held_out else None,
        mode="lexical" if checker.embeddings is None else "embeddings",
        threshold=checker.threshold,
    )


def _scores(counts: dict[str, list[int]]) -> dict[str, KindScore]:
    return {k: KindScore(n=n, correct=c, accuracy=c / n) for k, (n, c) in sorted(counts.items())}


def kind_table(report: JudgeReport) -> str:
    """Markdown: accuracy per kind, one column per split (the eval report's per-kind view of the checker)."""
    splits = list(report.per_split_kind)
    kinds = sorted({k for v in report.per_split_kind.values() for k in v})
    rows = ["| kind | " + " | ".join(splits) + " |", "| --- |" + " --- |" * len(splits)]
    for kind in kinds:
        cells = [
            f"{s.accuracy:.2f} ({s.correct}/{s.n})" if (s := report.per_split_kind[sp].get(kind)) else "-"
            for sp in splits
        ]
        rows.append(f"| {kind} | " + " | ".join(cells) + " |")
    for label in ("supported", "unsupported"):
        cells = [
            f"**{s.accuracy:.2f}** ({s.correct}/{s.n})" if (s := report.per_split_label[sp].get(label)) else "-"
            for sp in splits
        ]
        rows.append(
            f"| all {label} ({'accepted' if label == 'supported' else 'flagged'}) | " + " | ".join(cells) + " |"
        )
    return "\n".join(rows)


def flip_summary(checker: SupportChecker, path: str | Path = FLIP_PAIRS) -> dict[str, Any]:
    """The checker on the meaning-flip pairs, for the eval report: accuracy per kind and per split, and the table."""
    report = measure_checker(checker, load_pairs(path))
    data = report.model_dump(mode="json", include={"n", "accuracy", "per_split_kind", "per_split_label", "mode"})
    data["pairs"] = Path(path).name
    data["table"] = kind_table(report)
    return data
