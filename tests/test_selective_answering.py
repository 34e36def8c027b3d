"""The selective-answering measurement (scripts/selective_answering.py): its pure parts, on data made here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

_SPEC = importlib.util.spec_from_file_location(
    "selective_answering", Path(__file__).parents[1] / "scripts" / "selective_answering.py"
)
assert _SPEC is not None and _SPEC.loader is not None
sa = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(sa)


def test_fit_ranks_a_separable_feature_above_noise() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200).astype(float)
    x = np.column_stack([y * 2.0 + rng.normal(0, 0.5, 200), rng.normal(0, 1, 200)])
    p = sa.fit(x, y)(x)
    assert sa.auc(y, p) > 0.95
    assert ((p > 0.5) == (y == 1)).mean() > 0.9


def test_auc_counts_ordered_pairs_and_ties() -> None:
    y = np.array([1, 1, 0, 0])
    assert sa.auc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 1.0
    assert sa.auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 0.0
    assert sa.auc(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5


def _row(answerable: bool, abstained: bool, correct: bool | None) -> dict[str, object]:
    return {"answerable": answerable, "abstained": abstained, "scores": {"answer_correct": correct}}


def test_outcome_counts_declines_like_the_eval() -> None:
    rows = [
        _row(True, False, True),  # right
        _row(True, False, False),  # confidently wrong
        _row(True, True, False),  # answerable declined
        _row(False, False, None),  # unanswerable answered: confidently wrong
        _row(False, True, None),  # unanswerable declined
    ]
    assert sa.outcome(rows, np.zeros(5, dtype=bool)) == (1 / 3, 2 / 5, 1 / 3, 1 / 2)
    # declining the two wrong answers: nothing confidently wrong, one more answerable and unanswerable declined
    assert sa.outcome(rows, np.array([False, True, False, True, False])) == (1 / 3, 0.0, 2 / 3, 1.0)
    # declining the right answer costs accuracy
    assert sa.outcome(rows, np.array([True, False, False, False, False]))[0] == 0.0
