"""Graph ranking of a briefing's sentence units: continuous LexRank (Erkan & Radev 2004) over their cosine graph, and
maximal marginal relevance (Carbonell & Goldstein 1998) to pick a diverse few. Pure numpy, no model."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

DUPLICATE_SIM = 0.85  # units at least this similar are the same point
MMR_LAMBDA = 0.7  # relevance vs novelty in MMR: mostly relevance, as a briefing's points should be the central ones
DAMPING = 0.85  # PageRank's usual damping: the share of rank that follows edges rather than the teleport prior
EDGE_MIN = 0.1  # cosine similarities below this are not graph edges


def lexrank(sim: np.ndarray, personalization: np.ndarray | None = None, damping: float = DAMPING,
            edge_min: float = EDGE_MIN, iters: int = 200, tol: float = 1e-8) -> np.ndarray:  # fmt: skip
    """Continuous LexRank: PageRank over the cosine graph (edges >= edge_min), personalized teleport, power iteration."""
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    w = np.where(sim >= edge_min, sim, 0.0).astype(np.float64)
    np.fill_diagonal(w, 0.0)
    p = np.full(n, 1.0 / n) if personalization is None else personalization / personalization.sum()
    rows = w.sum(axis=1, keepdims=True)
    trans = np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)
    dangling = rows[:, 0] == 0
    r = p.copy()
    for _ in range(iters):
        nxt = damping * (r @ trans + r[dangling].sum() * p) + (1 - damping) * p
        if np.abs(nxt - r).sum() < tol:
            return nxt
        r = nxt
    return r


def mmr(candidates: Sequence[int], scores: np.ndarray, sim: np.ndarray, k: int, lam: float = MMR_LAMBDA,
        blocked: set[int] | None = None, dup: float = DUPLICATE_SIM) -> list[int]:  # fmt: skip
    """Maximal marginal relevance over `candidates`; near-duplicates (sim >= dup) of picked or blocked units are skipped."""
    picked: list[int] = []
    avoid = list(blocked or ())
    pool = [c for c in candidates if not avoid or sim[c, avoid].max() < dup]
    top = scores.max() if scores.size and scores.max() > 0 else 1.0
    while pool and len(picked) < k:
        ref = picked + avoid
        best, best_val = None, -math.inf
        for c in pool:
            red = float(sim[c, ref].max()) if ref else 0.0
            val = lam * scores[c] / top - (1 - lam) * red
            if val > best_val:
                best, best_val = c, val
        assert best is not None
        picked.append(best)
        pool = [c for c in pool if c != best and sim[c, best] < dup]
    return picked
