"""Paraphrases of the asked noun, judged by the embedding model retrieval already loads: a passage may name the asked
thing with another word ('a crowd of 44,800' for spectators, 'net income' for earnings).

Word vectors of all-MiniLM-L6-v2 separate paraphrases from related-but-different nouns poorly (jobs ~ workers 0.63,
earnings ~ income 0.65, minister ~ ministry 0.81), so a paraphrase is only looked for where the sentence puts it in the
asked noun's place: the noun the answer's figure measures (attribution.figure_nouns).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

PARAPHRASE_SIMILARITY = 0.64
"""Cosine of two nouns' vectors from which one stands for the other; set on the dev answer pairs only (between
jobs ~ workers, which differ, and earnings ~ income, which do not)."""
WORD_CACHE = 4096  # nouns whose vectors are kept (384 floats each)


class Paraphrases:
    """Whether a noun of a sentence names the asked one in other words; vectors cached per word."""

    def __init__(self, embeddings: Embeddings, threshold: float = PARAPHRASE_SIMILARITY) -> None:
        self.embeddings = embeddings
        self.threshold = threshold
        self._vectors: dict[str, np.ndarray] = {}

    def _vecs(self, words: Sequence[str]) -> list[np.ndarray]:
        new = [w for w in dict.fromkeys(words) if w not in self._vectors]
        if new:
            if len(self._vectors) + len(new) > WORD_CACHE:
                self._vectors.clear()
            for w, v in zip(new, self.embeddings.embed_documents(new), strict=True):
                arr = np.asarray(v, dtype=np.float32)
                self._vectors[w] = arr / (float(np.linalg.norm(arr)) or 1.0)
        return [self._vectors[w] for w in words]

    def similar(self, word: str, candidates: Sequence[str]) -> str | None:
        """The first candidate close enough in meaning to `word`, or None."""
        candidates = [c for c in candidates if c and c != word]
        if not candidates:
            return None
        target, *others = self._vecs([word, *candidates])
        for cand, vec in zip(candidates, others, strict=True):
            if float(target @ vec) >= self.threshold:
                return cand
        return None


@lru_cache(maxsize=4)
def paraphrases_for(embeddings: Embeddings) -> Paraphrases:
    """One word cache per embedding model."""
    return Paraphrases(embeddings)
