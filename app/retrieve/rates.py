"""Rates: a question asking how much *each year* (per month, a day, annually) is answered by a figure per period,
not by a total over a span ('has retreated 2.1 kilometres over the same period') or a count at one time ('employs 260
people'). Pure text rules over the question and the answer sentence.
"""

from __future__ import annotations

import re

_PERIOD = r"(?:year|month|week|day|hour|season|quarter|night)"
ASKED_RATE = re.compile(
    rf"\b(?:each|every|per|a|an)\s+{_PERIOD}\b(?!\s+(?:ago|earlier|later|before|after|on)\b)"
    r"|\b(?:annual(?:ly)?|yearly|monthly|weekly|daily|nightly|a\s+head|per\s+capita)\b",
    re.I,
)
"""How a question asks for a figure per period ('each year', 'a day', 'annually'); not 'a year ago' (a time)."""
GIVEN_RATE = re.compile(
    rf"\b(?:each|every|per|a|an)\s+{_PERIOD}\b|\b{_PERIOD}s?\s+(?:on|after)\s+{_PERIOD}\b|/\s?{_PERIOD}\b"
    r"|\b(?:annual(?:ly)?|yearly|monthly|weekly|daily|nightly|a\s+head|per\s+capita|a-year|a-day|a-month)\b",
    re.I,
)
"""How a sentence gives a figure per period (the same forms, and 'year on year', '/day', '$5-a-day')."""


def missing_rate(question: str, sentence: str) -> str | None:
    """The question's rate phrase ('each year') when it asks for a figure per period and the sentence gives none."""
    asked = ASKED_RATE.search(question)
    if asked is None or GIVEN_RATE.search(sentence):
        return None
    return asked.group(0)
