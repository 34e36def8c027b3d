"""Newsdesk: grounded answers and briefings from news articles."""

__version__ = "0.1.0"
