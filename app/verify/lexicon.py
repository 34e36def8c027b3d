"""Word lists the support checker reasons with (plain data; stemmed lazily by app.verify.support)."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _words(
    """
    a about above across after afterwards again against all almost alone along already also although always am among
    an and another any anyhow anyone anything anyway anywhere are around as at be became because become becomes been
    before beforehand behind being below beside besides between beyond both but by can could did do does doing done
    down during each either else elsewhere enough etc even ever every everyone everything everywhere except few for
    former formerly from further had has have having he hence her here hereby herein hers herself him himself his how
    however i ie if in indeed into is it its itself just last latter least less let like many may me meanwhile might
    mine more moreover most mostly much must my myself namely neither never nevertheless no nobody none noone nor not
    nothing now nowhere of off often on once only onto or other others otherwise our ours ourselves out over own per
    perhaps rather re same seem seemed seeming seems several she should since so some somehow someone something
    sometime sometimes somewhere still such than that the their theirs them themselves then thence there thereafter
    thereby therefore therein thereupon these they this those though through throughout thru thus to together too
    toward towards under until up upon us very via was we well were what whatever when whence whenever where whereas
    whereby wherein whether which while who whoever whole whom whose why will with within without would yet you your
    yours yourself yourselves s t ll ve d m o re said says say saying told tell tells stated states state according
    also reportedly currently
    """
)
# "us" stays a stopword: the US is caught as a name because acronyms are written in capitals.

NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "nowhere"})
"""Explicit negation cues (after "n't" is expanded to " not")."""

IMPLICIT_NEGATIONS = ("reject", "deny", "denies", "denied", "refuse", "oppose", "decline", "dismiss", "fail", "halt")
"""Verbs that negate their object; they excuse a claim that rephrases 'would not accept X' as 'rejected X'."""

SCOPE_BREAKS = frozenset(
    {"but", "although", "though", "however", "while", "whereas", "yet", "and", "which", "who", "that", "by"}
)
"""Words that end what a negation governs ('cannot be questioned by future aggression' does not negate 'future')."""

NUMBER_WORDS: dict[str, float] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1e3, "million": 1e6,
    "billion": 1e9, "trillion": 1e12, "dozen": 12,
}  # fmt: skip
NUMBER_SCALES: dict[str, float] = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}

TIME_UNITS = ("minute", "hour", "day", "night", "week", "weekend", "month", "year", "decade", "century")
TEMPORAL_WORDS = frozenset(
    {"today", "yesterday", "tomorrow", "tonight", "morning", "afternoon", "evening", "overnight"}
)
"""Time words a claim may not add; weekdays and month names are capitalized and checked as names."""

DISCOURSE = _words(
    """
    overall additionally furthermore finally first second third lastly specifically notably importantly instead
    according based regarding unlike similarly likewise separately earlier later meanwhile however moreover yes
    here sources source passages passage article articles reports report in on at after before despite during
    while although though when where both each all some many most several other another such this that these those
    """
)
"""Words that start sentences without being names."""

TITLE_WORDS = _words(
    """
    president minister secretary spokesman spokeswoman spokesperson prime foreign chief envoy special press senior
    deputy vice head leader commander general official officials mr mrs ms dr
    """
)
"""Capitalized titles: content words, not names ('President Zelenskyy' may be cited as 'Zelenskyy')."""

ALIASES: dict[str, tuple[str, ...]] = {
    "us": ("united states", "america", "american", "usa"),
    "usa": ("united states", "america", "american", "us"),
    "america": ("us", "united states"),
    "american": ("us", "united states", "america"),
    "uk": ("united kingdom", "britain", "british"),
    "britain": ("uk", "british"),
    "british": ("uk", "britain"),
    "eu": ("european union", "europe", "european"),
    "european": ("eu", "europe"),
    "un": ("united nations",),
    "france": ("french",),
    "french": ("france",),
    "netherlands": ("dutch",),
    "dutch": ("netherlands",),
    "china": ("chinese",),
    "chinese": ("china",),
    "kyiv": ("kiev",),
    "kiev": ("kyiv",),
}
"""Spellings of the same entity; a passage with the key also 'contains' these words."""

_ANTONYM_PAIRS = """
confirm:deny confirmed:denied confirms:denies accept:reject accept:refuse support:oppose agree:disagree agree:refuse
approve:reject allow:ban allow:forbid allow:prohibit include:exclude increase:decrease increase:reduce increase:cut
raise:lower rise:fall expand:reduce expand:shrink expand:limit strengthen:weaken strengthened:weakened strong:weak
win:lose victory:defeat gain:lose advance:retreat offensive:defensive open:close openly:secretly publicly:secretly
public:secret harsh:mild harsh:soft harsher:milder harsher:softer slow:fast slow:rapid slowly:quickly legal:illegal
true:false high:low highest:lowest large:small larger:smaller success:failure succeed:fail buy:sell lift:impose
start:stop continue:stop continue:halt downplay:emphasize downplay:stress downplay:highlight minor:major
permanent:temporary lasting:temporary full:partial cautious:reckless cautious:eager caution:enthusiasm
higher:lower more:less better:worse stronger:weaker earlier:later
"""
ANTONYM_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (a, b) for a, b in (p.split(":") for p in _ANTONYM_PAIRS.split())
)  # fmt: skip
"""Opposites (symmetric): a claim saying one where the source says the other flips its meaning."""

FILLER_WORDS = _words(
    """
    here answer answers passage passages source sources context article articles provided based summary summarize
    summarized hope helps help sure certainly question information following found find let know below above key
    points overview details need anything else great okay ok yes response reply given text excerpts excerpt
    """
)
"""With stopwords, all an answer sentence that makes no claim is made of ('Here is the answer:', 'Sources:')."""
