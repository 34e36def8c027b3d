"""Word lists the question analysis reasons with (plain data). Each list says what it is for; a word missing from
a list makes a question less constrained, never wrongly constrained."""

from __future__ import annotations

from typing import Literal

AnswerType = Literal[
    "person", "organisation", "place", "date", "money", "number", "quantity", "quote", "reason", "polar", "other"
]
"""'polar': a yes/no question ('Did the mayor resign?'), answered by a sentence that affirms or denies its predicate."""

NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|trillion|dozen|dozens|hundreds|thousands|millions|half"
)
"""Numbers written as words, as a regex alternation ('two weeks', 'hundreds of homes')."""

# Nouns after 'which/what' (or the asked noun of 'who is the X') and the answer type they ask for. A noun spaCy's
# parser marks as the head of the asked phrase is looked up here; unknown nouns ask for 'other' (anchors still apply).
TYPE_NOUNS: dict[AnswerType, frozenset[str]] = {
    "person": frozenset("""
        actor actress ambassador analyst architect artist astronaut athlete author boxer candidate captain ceo cfo chair
        chairman chairwoman champion chancellor chief coach commander composer conductor curator cyclist designer
        director doctor driver economist editor engineer envoy executive founder general goalkeeper golfer governor head
        journalist judge lawmaker lawyer leader man manager mayor minister musician novelist nurse officer official
        people person pilot player poet politician premier president professor reporter researcher rider runner
        scientist secretary senator singer skier spokesman spokesperson spokeswoman striker student suspect swimmer
        teacher victim winner witness woman writer
    """.split()),  # noqa: SIM905
    "organisation": frozenset("""
        agency airline authority automaker band bank bidder brand broadcaster business buyer carrier charity club
        college committee company council court department developer firm fund government group hospital institute
        insurer investor lab label laboratory lender maker manufacturer ministry network newspaper operator organisation
        organization outlet parliament partner party publisher regulator retailer rival school sponsor startup studio
        supplier team union university
    """.split()),  # noqa: SIM905
    "place": frozenset("""
        area arena border capital city country country's county district island location nation neighborhood
        neighbourhood place port province region site stadium state street town venue village
    """.split()),  # noqa: SIM905
    "date": frozenset("""
        century date day decade month season time week year
    """.split()),  # noqa: SIM905
    "money": frozenset("""
        bill bonus budget cash cost deal debt dividend earnings fare fee fine funding grant income investment loss
        losses money pay payout price prize profit profits rent revenue revenues salary sales spending subsidy sum
        tariff tax valuation value wage wages worth
    """.split()),  # noqa: SIM905
    "number": frozenset("""
        attendance count majority margin number percent percentage population rank ranking rate score seats share tally
        total turnout votes
    """.split()),  # noqa: SIM905
    "quantity": frozenset("""
        age area capacity distance duration height length magnitude output size speed temperature volume weight
    """.split()),  # noqa: SIM905
    "reason": frozenset("""
        cause explanation motive rationale reason trigger
    """.split()),  # noqa: SIM905
}  # fmt: skip

# Asked nouns that only say what kind of answer is wanted, and words about the articles themselves ('quoted in the
# *article*'): the answer need not repeat them.
GENERIC_TYPE_NOUNS = frozenset("""
    amount company date day edition figure firm group idea kind location name number one organisation organization outcome
    people percentage person place plan point position rate reaction response result role share situation stance
    state status sum thing time total type value view way year
    article report story piece text passage source
    cause explanation motive rationale reason
""".split())  # fmt: skip  # noqa: SIM905

MONEY_VERBS = frozenset("""
    bid bought buy charge charged cost costs earn earned fetch fetched fine fined offer offered paid pay raise raised
    sell sold spend spent
""".split())  # fmt: skip  # noqa: SIM905

SPEECH_LEMMAS = frozenset("""
    add admit announce argue call claim comment declare deny describe explain insist note react reply respond say
    state tell warn write
""".split())  # fmt: skip  # noqa: SIM905

ORDINAL_WORDS = {w: i for i, w in enumerate("""
    first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth
    fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
""".split(), start=1)}  # fmt: skip  # noqa: SIM905

# Modifiers that do not narrow down which fact is meant.
GENERIC_MODIFIERS = frozenset("""
    annual big certain current exact few final full key large last latest less main major many minor more most much
    new next official old other overall own previous recent same several small such top total whole
""".split())  # fmt: skip  # noqa: SIM905

# Verbs that carry no content of their own ('who *is* the mayor', 'what *did* X say', 'what *happened*').
LIGHT_VERBS = frozenset("""
    be become call come do find get give go happen have include keep know make mean put say see seem take tell think
    use want
""".split())  # fmt: skip  # noqa: SIM905

# Entity labels that name something an answer must be about (values are handled as years/quarters/numbers).
NAME_LABELS = frozenset(["EVENT", "FAC", "GPE", "LAW", "LOC", "NORP", "ORG", "PERSON", "PRODUCT", "WORK_OF_ART"])

# What a 'how ...' question measures, by its words, and the units that measure it: 'how much does it *weigh*' wants a
# mass, which '74 million crowns' is not. Physical dimensions of everyday English, not a fit to any article.
DIMENSION_CUES: dict[str, frozenset[str]] = {
    "mass": frozenset(["weigh", "weighs", "weighed", "weight", "heavy", "heavier", "mass"]),
    "length": frozenset(
        [
            "tall",
            "high",
            "height",
            "altitude",
            "far",
            "distance",
            "deep",
            "depth",
            "thick",
            "thickness",
            "wide",
            "width",
            "length",
            "long-distance",
        ]
    ),
}
DIMENSION_UNITS: dict[str, frozenset[str]] = {
    "mass": frozenset(
        [
            "kg",
            "kilogram",
            "kilograms",
            "kilo",
            "kilos",
            "gram",
            "grams",
            "g",
            "tonne",
            "tonnes",
            "ton",
            "tons",
            "pound",
            "pounds",
            "lb",
            "lbs",
        ]
    ),
    "length": frozenset(
        [
            "m",
            "metre",
            "metres",
            "meter",
            "meters",
            "km",
            "kilometre",
            "kilometres",
            "kilometer",
            "kilometers",
            "cm",
            "centimetre",
            "centimetres",
            "mm",
            "millimetre",
            "millimetres",
            "mile",
            "miles",
            "foot",
            "feet",
            "ft",
            "inch",
            "inches",
            "yard",
            "yards",
        ]
    ),
}

# Verbs of 'what *caused* X' / 'what *led to* X' / 'what *prompted* X': the question asks for a reason, like 'why'.
CAUSE_VERBS = frozenset("""
    cause drive lead prompt provoke spark trigger
""".split())  # fmt: skip  # noqa: SIM905

# Wordings of a yes/no question's predicate other than its own forms (which the stemmer already joins: 'resign' ~
# 'resigned' ~ 'resignation'). Small on purpose: a predicate missing here makes an answer decline, never wrongly pass.
PREDICATE_FORMS: dict[str, frozenset[str]] = {
    "resign": frozenset({"quit", "step", "stand"}),  # 'stepped down', 'stood down'
    "quit": frozenset({"resign", "step", "stand"}),
    "step": frozenset({"resign", "quit", "stand"}),
    "die": frozenset({"dead", "death", "killed"}),
    "win": frozenset({"won", "victory", "victor"}),
    "lose": frozenset({"lost", "defeat", "defeated"}),
    "approve": frozenset({"approval", "passed", "backed"}),
    "reject": frozenset({"rejection", "refused", "declined"}),
    "cancel": frozenset({"cancellation", "scrapped", "axed"}),
    "close": frozenset({"closure", "shut"}),
}
