"""The embedding model's own window, in its tokenizer's word pieces: chunks must fit it or the model truncates them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


def max_wordpieces(embeddings: Embeddings) -> int | None:
    """The model's input window in word pieces (all-MiniLM-L6-v2: 256), if known."""
    client = getattr(embeddings, "_client", None)
    return getattr(client, "max_seq_length", None)


def wordpiece_counter(embeddings: Embeddings) -> Callable[[str], int] | None:
    """A function counting the model tokenizer's pieces (incl. [CLS]/[SEP]) of a text, if the model is local."""
    client = getattr(embeddings, "_client", None)
    tokenizer = getattr(client, "tokenizer", None)
    if tokenizer is None:
        return None

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    return count
