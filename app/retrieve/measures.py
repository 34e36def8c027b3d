"""What a sentence's figures measure: whether a number answers 'how many X' (a count *of X*, not of something else, not
a sum of money, not a length), 'how heavy' (a mass) or 'how far' (a length). Pure text rules, no parse: the extractive
engine asks this of every candidate sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app import nlp
from app.retrieve.counting import counted_noun
from app.retrieve.lexicon import DIMENSION_UNITS, GENERIC_TYPE_NOUNS, NUMBER_WORDS
from app.retrieve.nearest import nearest_item
from app.retrieve.question import QuestionAnalysis, model_names, name_key, number_keys, stem, year_keys

CURRENCY_WORDS = frozenset(
    ["dollars", "euros", "pounds", "yen", "francs", "crowns", "kronor", "rupees", "usd", "eur", "gbp"]
)
"""Currency nouns CLDR's English names lack ('crowns' for koruna, kronor's English 'crowns') and ISO codes."""
NOT_CURRENCY = frozenset(
    [
        "mark",
        "marks",
        "won",
        "real",
        "reals",
        "rights",
        "unit",
        "units",
        "account",
        "gold",
        "silver",
        "code",
        "currency",
    ]
)
"""Last words of CLDR currency names that are everyday English words first ('scored 85 marks', 'the 3 units')."""


TIME_SPAN = re.compile(
    rf"\b(?:(?:a|an)\s+(?:minute|hour|day|week|month|year|decade)|(?:several|few|\d[\d,.]*|{NUMBER_WORDS})\s+"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?))\b|\bsince\b",
    re.I,
)
"""What 'how long' asks for, in an entity (constraints) or a sentence (the extractive engine): a span of time ('for 18
months', 'four seconds') or its start ('since 2019'), where 'in July' is a date; 'a second' is left out, as it is
mostly an ordinal ('for a second year', 'a second-round vote')."""


@lru_cache(maxsize=1)
def currency_nouns() -> frozenset[str]:
    """Unit nouns of the world's currencies, singular and plural ('zloty', 'zlotys', 'pesos', 'lira'), from CLDR's
    English currency names as Babel ships them; funds, metals and test codes (X..) left out."""
    from babel import Locale
    from babel.numbers import get_currency_name

    words = set(CURRENCY_WORDS)
    for code in map(str, Locale("en").currencies):
        if code.startswith("X"):
            continue
        for count in (1, 2):
            name = re.sub(r"\s*\(.*\)", "", get_currency_name(code, count=count, locale="en")).strip()
            if name and name.split()[-1].isalpha():
                words.add(name.split()[-1].lower())
    words |= {f"{w}s" for w in words if not w.endswith("s")}  # CLDR's plural is often the singular ('Aruban florin')
    return frozenset(words - NOT_CURRENCY)


@lru_cache(maxsize=1)
def money_pattern() -> re.Pattern[str]:
    """A sum of money ('$45,000', '2.5 million crowns', '3.1 million florins', '12,000 zlotys')."""
    nouns = "|".join(sorted(map(re.escape, currency_nouns()), key=len, reverse=True))
    return re.compile(
        rf"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:(?:thousand|million|billion|trillion|m|bn)\s)?(?:{nouns})\b", re.I
    )


VALUE = re.compile(
    r"(?P<cur>[$€£¥]\s?)?(?P<num>\d[\d,.]*\d|\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred|a dozen|dozens|hundreds|thousands))(?:\s*-?\s*(?:million|billion|"
    r"thousand|m|bn)\b)?(?P<unit>\s*(?:%|per\s?cent\b)|[\s-]*[A-Za-z]+)?",
    re.I,
)
"""A figure and the word right after it (its unit, or the first word of what it counts)."""
_MULTIPLIER = re.compile(r"^\s*-?\s*(?:million|billion|thousand|m|bn)\b", re.I)
MEASUREMENT_UNITS = frozenset().union(*DIMENSION_UNITS.values())
"""Units of length and mass: '10 metres', 'a 61-millimetre animal' measure, they do not count."""
_LABEL = re.compile(
    r"\b(?:phase|stage|round|season|series|edition|week|game|leg|chapter|volume|section|article|grade|level|category|"
    r"tier|version|number|no\.?)\s*$",
    re.I,
)
"""A number after these labels names which one ('the phase *3* trial', 'stage 5'), it does not count anything."""


def _lemma(word: str) -> str:
    low = name_key(word)
    return nlp.irregular_forms().get(low, low[:-1] if low.endswith("s") and not low.endswith("ss") else low)


def _same_noun(word: str, asked: str) -> bool:
    """'phones' for 'phones', 'phone' for 'phones': the same noun in any form."""
    return _lemma(word) == _lemma(asked) or stem(word) == stem(asked)


def measured(analysis: QuestionAnalysis, sentence: str) -> tuple[bool, str]:
    """A number of the asked dimension, new to the question: a count for 'how many' (not a percentage, a sum of money or
    a length), a mass for 'how heavy', a length for 'how far'. A count of another noun than the asked one ('1,240
    *adults*' for 'how many patients') does not answer; a count of the asked noun ('600,000 troops') is the one shown,
    before a bare figure."""
    asked_values = {a.key for a in analysis.anchors if a.kind in {"year", "number", "ordinal"}}
    asked = analysis.counted
    # 'the Oryx *6* phones': a model's number is part of its name, not a count ('About 300 people' opens a sentence)
    model_numbers = {num for name, num in model_names(sentence) if not sentence.lstrip().startswith(name)}
    named: list[nlp.Entity] = []
    bare: list[nlp.Entity] = []
    dimensioned: list[nlp.Entity] = []
    for m in VALUE.finditer(sentence):
        value = m.group(0).strip()
        unit = (m.group("unit") or "").strip(" -").lower()
        if (number_keys(value) and number_keys(value) <= asked_values) or year_keys(m.group("num")):
            continue
        if analysis.dimension != "count":
            if unit in DIMENSION_UNITS.get(analysis.dimension, frozenset()):
                dimensioned.append(nlp.Entity(m.start(), m.start() + len(value), "QUANTITY", value))
            continue
        if m.group("cur") or unit == "%" or re.fullmatch(r"per\s?cent", unit) or money_pattern().match(value):
            continue
        if m.group("num").lower() in model_numbers or _LABEL.search(sentence[: m.start()]):
            continue
        number = value[: m.end("num") - m.start()].strip()
        item = nlp.Entity(m.start(), m.start() + len(number), "CARDINAL", number)
        noun = counted_noun(_MULTIPLIER.sub("", sentence[m.end("num") :]).lstrip(" -"))
        if noun and asked and _same_noun(noun, asked):
            named.append(item)
        elif noun in MEASUREMENT_UNITS or unit in MEASUREMENT_UNITS:
            continue  # '10 metres', 'a 61-millimetre animal': a length, not a count
        elif not (noun and asked and asked not in GENERIC_TYPE_NOUNS):
            bare.append(item)  # a count of another noun ('1,240 adults' for 'how many patients') is left out
    found = dimensioned or named + bare  # a count of the asked noun first, unless a bare one stands by the asked year
    if found:  # of two, the one next to the asked year or name ('410 in 2025 and *380* in 2024')
        return True, nearest_item(sentence, found, analysis.anchors)
    return False, ""


_HOW_LONG_IS = re.compile(r"^\s*how\s+long\s+(?:is|was|are|were|will\s+be)\b", re.I)


def asks_extent(question: str) -> bool:
    """'How long *is* the frog': with a copula, 'how long' asks how long a thing is, which a length answers as well as
    a span of time ('how long was the meeting'); with another verb ('how long did the strike last') it asks a span."""
    return bool(_HOW_LONG_IS.match(question))


_LONG = re.compile(r"\s*(?:long|in length)\b", re.I)


def has_length(text: str) -> bool:
    """A length measured by the asked adjective itself ('24 millimetres *long*', '3 km in length'): a length elsewhere
    in the sentence ('a 2-kilometre stretch') measures something else."""
    return any(
        (m.group("unit") or "").strip(" -").lower() in DIMENSION_UNITS["length"] and _LONG.match(text, m.end())
        for m in VALUE.finditer(text)
    )
