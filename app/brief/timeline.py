"""When things happened: the day a sentence dates its event, read against the article's publication date.

'on 3 March', '3 March 2026', 'March 3', 'Tue 17 Nov', 'on Tuesday' or 'last Friday' (the last such weekday up to
the publication day; a weekday right before a date is that date's day, so the date is read). A sentence without
such a date, or an article without a publication date for a bare weekday or a date without a year, has none.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")]
    )
    for m in names
}  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
FUTURE_DAYS = (
    270  # a day-month more than this far after publication is last year's ('on 28 December' in a January piece)
)
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH = re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:\s+(?P<year>\d{4}))?\b", re.I)
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?\b", re.I)
_WEEKDAY = re.compile(
    r"\b(?:on|last|since|by|until|from|early|late)\s+(?P<weekday>" + "|".join(WEEKDAYS) + r")\b", re.I
)
"""'on Tuesday', 'last Friday', 'late Sunday' ('Tue 17 Nov' is read by its date)."""
_NAMED_DAY_GAP = 4  # a weekday this close before an explicit date only names that date's day ('Tuesday, 17 November')


def _day(year: int | None, month: int, day: int, published: date | None) -> date | None:
    if year is None:
        if published is None:
            return None
        year = published.year
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        return found.replace(year=year - 1) if (found - published).days > FUTURE_DAYS else found
    try:
        return date(year, month, day)
    except ValueError:
        return None


def event_day(text: str, published: datetime | None) -> date | None:
    """The first day the text names, or None."""
    pub = published.date() if published else None
    found: list[tuple[int, date]] = []
    for rx in (_DAY_MONTH, _MONTH_DAY):
        for m in rx.finditer(text):
            if rx is _MONTH_DAY and m.group("month").lower() == "may" and not m.group(0)[0].isupper():
                continue  # 'may 3' is 'may' the verb
            d = _day(int(m.group("year")) if m.group("year") else None, MONTHS[m.group("month").lower()],
                     int(m.group("day")), pub)  # fmt: skip
            if d is not None:
                found.append((m.start(), d))
    starts = [at for at, _ in found]
    for w in _WEEKDAY.finditer(text):
        if any(0 <= at - w.end() <= _NAMED_DAY_GAP for at in starts) or pub is None:
            continue  # the explicit date right after it says which day; a weekday alone needs the publication date
        back = (pub.weekday() - WEEKDAYS.index(w.group("weekday").lower())) % 7
        found.append((w.start(), pub - timedelta(days=back)))
        break
    return min(found)[1] if found else None


def day_label(d: date) -> str:
    """'3 Mar 2026'."""
    return f"{d.day} {d.strftime('%b')} {d.year}"
