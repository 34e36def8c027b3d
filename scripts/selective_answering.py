"""Could a learned confidence decline the wrong answers? A measurement over `newsdesk eval` results (issue 13).

Each answered question gets five features that any engine's answer has (the question, the cited quote and its title):
the question-quote cosine (MiniLM), the share of the question's content stems in the quote, the same counting the
title, the number of content stems, the number of anchors. A logistic regression (numpy, L2) is fitted on one set's
answered questions (label: not confidently wrong) and applied to another: an answer scoring under a threshold would
be declined. Printed: AUC on the other set and its accuracy / confidently wrong / answerable declined at thresholds
chosen on the training set, so what it would do on unseen data is read off, never tuned on.

    python scripts/selective_answering.py --train A/results.jsonl [...] --test B/results.jsonl [...]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = ("similarity", "stem_cover", "stem_cover_title", "question_stems", "anchors")
L2 = 1.0  # ridge on standardised weights: five features, a few hundred answers
DECLINE_SHARES = (0.0, 0.1, 0.2, 0.3, 0.5)  # of the training set's answers, lowest-scoring first


def load(paths: Sequence[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths for line in Path(p).read_text().splitlines() if line.strip()]


def featurize(rows: list[dict[str, Any]]) -> np.ndarray:
    """One row of FEATURES per answered question (zeros for a declined one, which is never scored)."""
    from app.answer.extractive import ExtractiveEngine
    from app.retrieve.question import analyse
    from app.settings import Settings
    from app.store.embeddings import make_embeddings

    settings = Settings()
    embeddings = make_embeddings(settings)
    stems = ExtractiveEngine(embeddings, settings).stems
    out = np.zeros((len(rows), len(FEATURES)))
    for i, r in enumerate(rows):
        if r["abstained"] or not r["citations"]:
            continue
        quote, title = r["citations"][0]["quote"], r["citations"][0]["title"] or ""
        qv, sv = (np.asarray(v) for v in embeddings.embed_documents([r["question"], quote]))
        asked, said, titled = set(stems(r["question"])), set(stems(quote)), set(stems(title))
        out[i] = (
            float(qv @ sv / (np.linalg.norm(qv) * np.linalg.norm(sv))),
            len(asked & said) / max(1, len(asked)),
            len(asked & (said | titled)) / max(1, len(asked)),
            len(asked),
            len(analyse(r["question"]).anchors),
        )
    return out


def fit(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """L2 logistic regression by Newton's method on standardised features."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    ridge = L2 * np.eye(len(w))
    ridge[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + ridge @ w
        hess = (z * (p * (1 - p))[:, None]).T @ z + ridge
        w -= np.linalg.solve(hess, grad)
    return lambda xs: 1 / (1 + np.exp(-np.hstack([(xs - mu) / sd, np.ones((len(xs), 1))]) @ w))


def auc(y: np.ndarray, p: np.ndarray) -> float:
    pos, neg = p[y == 1], p[y == 0]
    return float(
        ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg))
    )


def outcome(rows: list[dict[str, Any]], declined: np.ndarray) -> tuple[float, float, float, float]:
    """(accuracy, confidently wrong, answerable declined, unanswerable declined) as `newsdesk eval` counts them."""
    right = wrong = answerable = answerable_declined = unanswerable_declined = 0
    for r, extra in zip(rows, declined, strict=True):
        no = r["abstained"] or bool(extra)
        correct = r["answerable"] and bool(r["scores"]["answer_correct"])
        answerable += r["answerable"]
        answerable_declined += no and r["answerable"]
        unanswerable_declined += no and not r["answerable"]
        right += (not no) and correct
        wrong += (not no) and not correct
    unanswerable = len(rows) - answerable
    return (right / max(1, answerable), wrong / len(rows), answerable_declined / max(1, answerable),
            unanswerable_declined / max(1, unanswerable))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--test", nargs="+", required=True)
    args = ap.parse_args()
    train, test = load(args.train), load(args.test)
    xt, xs = featurize(train), featurize(test)
    answered_t = np.array([not r["abstained"] for r in train])
    answered_s = np.array([not r["abstained"] for r in test])
    good = lambda rows: np.array([not r["scores"]["confidently_wrong"] for r in rows], dtype=float)  # noqa: E731
    model = fit(xt[answered_t], good(train)[answered_t])
    pt, ps = model(xt), model(xs)
    print(f"train {len(train)} questions ({answered_t.sum()} answered), test {len(test)} ({answered_s.sum()} answered)")
    print(f"AUC of the confidence on the test set's answers: {auc(good(test)[answered_s], ps[answered_s]):.3f}")
    print(
        "| declined share (train) | threshold | accuracy | confidently wrong | answerable declined | unanswerable declined |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for share in DECLINE_SHARES:
        threshold = float(np.quantile(pt[answered_t], share)) if share else 0.0
        acc, wrong, declined, unanswerable = outcome(test, answered_s & (ps < threshold))
        print(f"| {share:.0%} | {threshold:.3f} | {acc:.3f} | {wrong:.3f} | {declined:.3f} | {unanswerable:.3f} |")


if __name__ == "__main__":
    main()
