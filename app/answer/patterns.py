"""Word lists and patterns the extractive scorer reads sentences with: stopwords, speech verbs, titles, numbers,
times, places, reasons, and the answer types it scores for."""

from __future__ import annotations

import re

from app.retrieve.lexicon import NUMBER_WORDS

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where
    which while who whom whose why will with would you your yours according much many long big large may might
    must shall""".split()  # noqa: SIM905
)  # fmt: skip
QUESTION_WORDS = frozenset(
    """who whom whose what which where when why how""".split()  # noqa: SIM905
)  # fmt: skip
SPEECH_VERBS = re.compile(
    r"\b(?:said|says|say|stated|states|told|tells|wrote|writes|announced|announces|confirmed|confirms|noted|notes|"
    r"added|adding|declared|argued|claimed|warned|insisted|explained|commented|replied|responded|reported|according to)\b",
    re.I,
)
SPEECH_QUESTION = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|was|is)\s+(?P<who>.+?)\s+(?:say|said|write|wrote|tell|told|announce|state|"
    r"claim|argue|warn|note|report|confirm)\b|\bhow (?:did|does|do|has|have)\s+(?P<who2>.+?)\s+(?:react|respond)",
    re.I,
)
TITLE_WORDS = frozenset(
    """president minister secretary spokesman spokeswoman spokesperson envoy chief chancellor premier king queen
    prince general admiral senator governor mayor ambassador director chairman chair ceo official officer
    commander judge pope prime foreign defence defense press special deputy vice head leader mr mrs ms dr sir lord
    lady house office staff army state white""".split()  # noqa: SIM905
)  # fmt: skip
NUMBER = re.compile(rf"\b(?:\d[\d,.]*%?|{NUMBER_WORDS})\b", re.I)
MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
TIME = re.compile(
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+(?:{MONTHS})|(?:19|20)\d\d|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|today|tonight|yesterday|tomorrow|this (?:week|month|year|morning|afternoon|evening)|"
    r"(?:last|next|coming|previous|past) (?:few )?(?:days?|weeks?|months?|years?|decades?)|"
    r"\d{1,2}:\d\d|(?:a|an|one|two|three|four|five|six|\d+) (?:days?|weeks?|months?|years?) (?:ago|earlier|later)|"
    r"in the (?:coming|next|past|last) (?:days?|weeks?|months?|years?|hours?))\b",
    re.I,
)
TIME_WEAK = re.compile(r"\b(?:earlier|later|soon|recently|since|until|after|before|during|when)\b", re.I)
PLACE = re.compile(
    r"\b(?:in|at|from|near|into|on|across|outside|inside|to|of the city of)\s+(?:the\s+)?([A-Z][\w’'\-]+)"
)
CONNECTIVES = re.compile(
    r"^(?:at the same time|meanwhile|in turn|specifically|however|in addition|moreover|furthermore|still|also|"
    r"in contrast(?: to [^,]{1,60})?|on the other hand|as a result|by contrast|for its part|separately)\s*,\s*",
    re.I,
)
LEADING_PREPOSITIONAL = re.compile(
    r"^(?:on|in|at|after|before|during|despite|with|while|amid|for)\s[^,\"“]{1,60},\s*", re.I
)
TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
WORD = re.compile(r"[^\W_][\w’'\-]*")
TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][\w’'\-]*")
QUOTES = re.compile(r"[\"“”]")
PRONOUN_START = re.compile(r"^(?:[\"“]|.*\b(?:he|she|they|his|her|their)\b)", re.I)


class AnswerType:
    PERSON, PLACE, TIME, DURATION, NUMBER, SPEECH, REASON, ENTITY, OTHER = (
        "person", "place", "time", "duration", "number", "speech", "reason", "entity", "other"
    )  # fmt: skip
