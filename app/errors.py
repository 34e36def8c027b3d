"""The base of every error Newsdesk reports to people (CLI, web, API) as one clear line."""

from __future__ import annotations


class NewsdeskError(Exception):
    """An expected failure with a message fit for users (bad input, unavailable backend, mismatched index)."""
