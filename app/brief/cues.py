"""Pure text cues for extractive briefings: who says/does what, facts, disputes, open questions, dangling starts.

Rules are deliberately small and explainable (regexes over one sentence or a few), tuned on news prose such as the
sample article; nothing here loads a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---- sentence shape -------------------------------------------------------------------------------------------------

# A point must not open with words that lean on the sentence before it.
_DANGLING = re.compile(
    r"""^\W*(?:he|she|it|they|this|that|these|those|his|her|its|their|them|him|such|there(?!\s+(?:is|are|was|were)\b)
    |however|meanwhile|moreover|furthermore|nevertheless|nonetheless|still|yet|thus|therefore|hence|also|instead
    |but|and|or|so|then|besides|additionally|similarly|likewise|specifically|consequently|accordingly|otherwise
    |in\s+contrast\s*,|by\s+contrast\s*,|in\s+turn\s*,|at\s+the\s+same\s+time|on\s+the\s+other\s+hand|as\s+a\s+result
    |in\s+addition|for\s+(?:his|her|their|its)\s+part|the\s+latter|the\s+former|according\s+to\s+(?:him|her|them|it)
    |other\s+than\s+that|even\s+so|after\s+that|before\s+that)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_PRONOUN_SPEAKER = re.compile(
    r"""[,!?]["”]?\s+(?:he|she|they)\s+(?:\w+ly\s+)?(?:said|says|added|wrote|told|stated|noted|continued|explained|insisted|argued|warned)\b""",
    re.I,
)
_TERMINAL = re.compile(r"""[.!?…]["'”’)\]]*$""")


def starts_dangling(text: str) -> bool:
    """True when the text opens with a pronoun or connective that needs the previous sentence.

    A sentence opening a quotation is exempt: 'This plan ...' inside quotes is the speaker's own reference.
    """
    return not text.lstrip().startswith(('"', "“")) and bool(_DANGLING.match(text))


def needs_context(text: str) -> bool:
    """Dangling start, or a quote attributed only to a pronoun ('..., he said')."""
    return starts_dangling(text) or bool(_PRONOUN_SPEAKER.search(text))


def open_quote(text: str) -> bool:
    """True when the text leaves a quotation open (it continues in the next sentence)."""
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def is_prose(text: str, min_words: int = 5) -> bool:
    """A real sentence (not a headline, dateline or 'Related Reads' line): enough words and final punctuation."""
    return len(text.split()) >= min_words and bool(_TERMINAL.search(text.strip()))


# ---- entities and speakers ------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SPEECH_VERBS = _words(
    "said says say stated states told tells announced announces confirmed confirms wrote writes reported reports denied "
    "denies deny rejected rejects claimed claims added adds noted notes warned warns insisted insists argued argues "
    "urged urges accused accuses admitted admits acknowledged acknowledges explained explains declared declares "
    "stressed stresses emphasized emphasised agreed agrees opposed opposes presented presents proposed proposes "
    "outlined outlines downplayed downplays dismissed dismisses criticized criticised welcomed welcomes praised "
    "threatened threatens promised promises pledged pledges vowed vows signed signs refused refuses declined "
    "declines revealed reveals disclosed estimated predicted commented comment replied responded disputed disputes "
    "expects expected demanded demands called calls"
)
_VERB = re.compile(r"\b(?:made it clear|" + "|".join(sorted(SPEECH_VERBS, key=len, reverse=True)) + r")\b")
_AUX = _words(
    "has have had was were is are will would also not did does do directly sharply currently reportedly later then "
    "previously repeatedly publicly firmly quickly again already formally officially strongly never could can may "
    "might should must been swiftly flatly angrily initially"
)
ROLE_WORDS = _words(
    "spokesman spokeswoman spokesperson spokespeople official officials minister ministers allies ally forces troops "
    "side government office administration leaders leader authorities military army diplomats diplomat negotiators "
    "delegation envoy president lawmakers prosecutors police commander commanders sources representative "
    "representatives aide aides adviser advisers secretary chief team officers ministry parliament agency court "
    "party campaign residents protesters analysts experts union council committee governor mayor chancellor "
    "regulator investigators officers senators ambassador"
)
_ROLE_MODIFIERS = _words(
    "foreign defence defense prime deputy senior press special top former military chief interior finance"
)
TITLE_WORDS = _words(
    "president minister secretary spokesman spokeswoman spokesperson prime foreign chief envoy special press senior "
    "deputy vice head leader commander general mr mrs ms dr sir gov sen rep chancellor king queen pope ambassador "
    "director governor mayor judge justice defence defense interior finance state army navy staff of the"
)
_ORG_TAILS = _words(
    "house ministry office council party union department agency bank court parliament commission "
    "government forces army staff committee times post news kremlin"
)
STOP_CAPS = _words(
    "the a an at in on as according but and meanwhile however specifically these this that those it he she they we i "
    "our his her their its after before while when if although despite during for from with without by to of there "
    "here what who why how yes no some many most all any both each one two three moreover furthermore instead still "
    "yet thus also earlier later separately last next under over between since until unlike like amid"
)
_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday")  # fmt: skip
DATE_WORDS = _words(_MONTHS)
_WIRES = {"reuters", "associated press", "ap", "afp", "bloomberg", "dpa", "tass", "interfax", "ria novosti", "xinhua"}
_TOKEN = re.compile(r"[^\W\d_](?:[\w'’.-]*\w)?|\d[\d,.]*\w*|[^\w\s]")
_PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "they": "group", "them": "group"}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ActorHit:
    """An actor found in a sentence; `key` merges aliases (same surname: 'Zelenskyy' / 'President Zelenskyy')."""

    key: str
    name: str
    role: str
    person: bool
    pronoun: str | None = None  # 'person'/'group' when the speaker is a pronoun still to be resolved


def _strip_possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def _is_cap(tok: str) -> bool:
    low = _strip_possessive(tok).lower()
    return tok[:1].isupper() and low not in STOP_CAPS and low not in DATE_WORDS


def mentions(text: str) -> list[Mention]:
    """Runs of capitalized words with titles and role words: 'Kremlin spokesman Dmitry Peskov', 'EU foreign ministers'."""
    toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    out: list[Mention] = []
    i = 0
    while i < len(toks):
        if not _is_cap(toks[i][2]):
            i += 1
            continue
        j = i
        while j + 1 < len(toks):
            nxt = toks[j + 1][2]
            low = nxt.lower()
            continues_name = _is_cap(nxt) and not toks[j][2].endswith(("'s", "’s"))
            role = low in ROLE_WORDS or (
                low in _ROLE_MODIFIERS and j + 2 < len(toks) and toks[j + 2][2].lower() in ROLE_WORDS
            )
            if continues_name or role:
                j += 1
            elif low == "of" and j + 2 < len(toks):
                k = j + 2 + (toks[j + 2][2].lower() == "the")
                if k < len(toks) and _is_cap(toks[k][2]) and not toks[j][2][:1].islower():
                    j = k
                else:
                    break
            else:
                break
        out.append(Mention(toks[i][0], toks[j][1], text[toks[i][0] : toks[j][1]]))
        i = j + 1
    return out


def parse_name(phrase: str) -> ActorHit | None:
    """Split a mention into a name and a role; groups ('EU foreign ministers') keep the whole phrase as name."""
    phrase = re.sub(r"^(?:the|a|an|one)\s+", "", phrase.strip(" ,"), flags=re.I)
    words = phrase.split()
    if not words:
        return None
    words[-1] = _strip_possessive(words[-1])
    if words[-1][:1].isupper():
        k = len(words)
        while k > 0 and words[k - 1][:1].isupper() and words[k - 1].lower() not in TITLE_WORDS:
            k -= 1
        personal = words[k:]
        if personal:
            name, role = " ".join(personal), " ".join(words[:k])
            if name.lower() in _WIRES:
                return None
            last = personal[-1].lower()
            key = last if len(personal) == 1 or last not in _ORG_TAILS else name.lower()
            titled = any(w.lower() in TITLE_WORDS - {"of", "the", "state", "army", "navy", "staff"} for w in words[:k])
            person = (len(personal) >= 2 or titled) and last not in _ORG_TAILS
            return ActorHit(key=key, name=name, role=role, person=person)
    name = " ".join(words)
    if len(words) > 6 or (not any(w[:1].isupper() for w in words) and words[-1].lower() not in ROLE_WORDS):
        return None
    return ActorHit(key=name.lower(), name=name[:1].upper() + name[1:], role="", person=False)


_ORG_LINKS = _words("of for and on")
"""Small words inside an organisation's name ('Office for Product Safety', 'Bank of England')."""


def speaker_actor(speaker: str) -> ActorHit | None:
    """The actor a resolved speaker names, whole: 'Ruth Kell'; 'Trust director Ines Moor' -> Ines Moor (role 'Trust
    director'); 'Office for Product Safety' kept whole (parse_name would keep only the words after 'for'). None for a
    common noun ('company') or a pronoun."""
    words = re.sub(r"^(?:the|a|an)\s+", "", speaker.strip(" ,"), flags=re.I).split()
    if not words or not words[0][:1].isupper():
        return None
    links = [k for k, w in enumerate(words) if w in _ORG_LINKS]
    org = links and 0 < links[0] < len(words) - 1 and words[links[0] - 1].lower() not in TITLE_WORDS
    if org and all(w[:1].isupper() or w in _ORG_LINKS or w == "the" for w in words):
        name = " ".join(words)
        return ActorHit(key=name.lower(), name=name, role="", person=False)
    return parse_name(" ".join(words))


def _quote_regions(text: str) -> list[tuple[int, int]]:
    regions: list[tuple[int, int]] = []
    for m in re.finditer(r'"[^"]*"|“[^”]*”', text):
        regions.append((m.start(), m.end()))
    return regions


def _inside(pos: int, regions: list[tuple[int, int]]) -> bool:
    return any(a < pos < b for a, b in regions)


def _main_subject(text: str, ments: list[Mention]) -> ActorHit | None:
    """The mention that opens the main clause, after a leading adverbial ('At the same time, European allies ...')."""
    start = 0
    lead = re.match(r"\W*(?:at|in|on|as|according|after|before|while|meanwhile|however|earlier|later|separately|"
                    r"by|during|despite|for|under|with|without|amid)\b[^,]{0,80},\s*", text, re.I)  # fmt: skip
    if lead:
        start = lead.end()
        acc = re.match(r"\W*according to\s+(.+?),", text, re.I)
        if acc:
            hit = _pronoun_hit(acc.group(1)) or next(
                (parse_name(m.text) for m in ments if m.start >= acc.start(1) and m.end <= acc.end(1)), None
            )
            if hit:
                return hit
    rest = text[start:]
    art = re.match(r"\W*(?:the\s+|a\s+|an\s+)?", rest, re.I)
    first = start + (art.end() if art else 0)
    m1 = next((m for m in ments if m.start == first), None)
    if m1 is None:
        return _pronoun_hit(text[start:].split(" ", 1)[0]) if start == 0 else None
    # Appositive: 'The Chief of the Russian General Staff, Valery Gerasimov, reported ...'
    after = text[m1.end :]
    if after.startswith(", "):
        m2 = next((m for m in ments if m.start == m1.end + 2), None)
        if m2 and text[m2.end : m2.end + 1] == "," and m1.text.split()[0].lower() in TITLE_WORDS | ROLE_WORDS:
            hit = parse_name(m2.text)
            if hit and hit.person:
                return ActorHit(hit.key, hit.name, m1.text, True)
    return parse_name(m1.text)


def _pronoun_hit(word: str) -> ActorHit | None:
    kind = _PRONOUNS.get(word.strip(" ,").lower())
    return ActorHit(key="", name="", role="", person=kind == "person", pronoun=kind) if kind else None


def find_actors(text: str) -> list[ActorHit]:
    """Who says or does something in this text (one or more sentences): subjects of speech/action verbs."""
    regions = _quote_regions(text)
    hits: list[ActorHit] = []
    for sentence in _sentences(text):
        offset = text.find(sentence)
        ments = mentions(sentence)
        main: ActorHit | None = None
        main_done = False  # the main-clause subject is computed once, when a verb needs it
        for v in _VERB.finditer(sentence):
            if _inside(offset + v.start(), regions) or re.match(r"\s+by\b", sentence[v.end() :]):
                continue
            before = sentence[: v.start()]
            hit: ActorHit | None = None
            quoted = re.search(r"""[,?!…]["”]\s*(?P<subj>[^"”,;]{0,60}?)\s*$""", before)
            if quoted:  # '"...," a senior US official told Reuters' / '"...," stated French Foreign Minister X'
                subj = quoted.group("subj").strip()
                if subj:
                    hit = _pronoun_hit(subj) or parse_name(subj)
                else:
                    m = next((m for m in ments if m.start == v.end() + 1), None)
                    hit = parse_name(m.text) if m else None
            if hit is None and not quoted:
                hit = _adjacent_subject(before, ments)
            if hit is None and not quoted and not before.rstrip().endswith(("that", '"', "”")):
                if not main_done:
                    main, main_done = _main_subject(sentence, ments), True
                hit = main
            if hit is not None and all(h.key != hit.key or h.pronoun != hit.pronoun for h in hits):
                hits.append(hit)
    return hits


def _adjacent_subject(before: str, ments: list[Mention]) -> ActorHit | None:
    """The mention right before the verb, skipping auxiliaries and adverbs ('the Ukrainian side denies')."""
    words = before.rstrip().split(" ")
    while words and words[-1].lower() in _AUX:
        words.pop()
    end = len(" ".join(words).rstrip())
    m = next((m for m in ments if m.end == end), None)
    if m is not None:
        group = re.search(r"\b([A-Za-z]+)\s+(?:in|from|at)\s+$", before[: m.start])
        if group and group.group(1).lower() in ROLE_WORDS:  # 'Officials in Brussels said'
            phrase = f"{group.group(1)} {before[group.end(1) : m.end].strip()}"
            return _group_hit(phrase)
        return parse_name(m.text)
    last = words[-1] if words else ""
    return _pronoun_hit(last) if last.lower() in ("he", "she", "they") else None


def _group_hit(phrase: str) -> ActorHit:
    name = phrase[:1].upper() + phrase[1:]
    return ActorHit(key=name.lower(), name=name, role="", person=False)


def _sentences(text: str) -> list[str]:
    from app.text import split_sentences

    return [text[s.start : s.end] for s in split_sentences(text)] or [text]


# ---- facts, disputes, quantities ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:-[a-z]+)?\b")
_TIME_EXPR = re.compile(
    r"\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|\d+)\s+(?:day|week|month|year|decade)s?\b|"
    r"\b(?:(?:19|20)\d{2})\b|\b(?:" + "|".join(_MONTHS.split()) + r")\b|\bin the coming (?:days|weeks|months)\b",
    re.I,
)
_PLACE = re.compile(
    r"\b(?:in|from|to|at|near|into|outside|across|of the (?:city|region|town|village|province) of)\s+(?:the\s+)?([A-Z][\w'’-]+)"
)
_QUANTITY = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(?P<scale>thousand|million|billion))?(?:-|\s+)(?P<unit>[a-z]+)"
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_UNIT_SKIP = {"of", "and", "to", "in", "the", "a", "or", "on", "at", "by", "for", "from", "with", "as", "more", "than"}
_DISPUTE = re.compile(
    r"\b(?:den(?:y|ies|ied|ial)|disput\w*|claim(?:s|ed)?|unconfirmed|unverified|could not (?:be )?(?:independently )?"
    r"(?:verif\w+|confirm\w*)|reject\w*|refut\w*|contradict\w*|dismiss\w*|alleged(?:ly)?|contested|baseless|unfounded)\b",
    re.I,
)


@dataclass(frozen=True)
class FactInfo:
    numbers: int
    times: int
    places: int
    names: int

    @property
    def score(self) -> float:
        return min(6.0, 2.0 * self.numbers + 1.0 * self.times + 0.75 * self.places + 0.25 * min(self.names, 4))


def fact_info(text: str) -> FactInfo:
    places = {
        m.group(1)
        for m in _PLACE.finditer(text)
        if m.group(1).lower() not in STOP_CAPS | DATE_WORDS and not re.search(r"(?:ean|ian|ese|ish)$", m.group(1))
    }
    names = {m.text for m in mentions(text) if m.start > 0}
    return FactInfo(
        numbers=len(_NUMBER.findall(text)), times=len(_TIME_EXPR.findall(text)), places=len(places), names=len(names)
    )


def dispute_score(text: str) -> int:
    return len(_DISPUTE.findall(text))


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str
    surface: str


def quantities(text: str) -> list[Quantity]:
    """Numbers with the noun they count: '600,000 troops', '28-point'. Used to spot conflicting figures."""
    out: list[Quantity] = []
    for m in _QUANTITY.finditer(text):
        unit = m.group("unit").lower()
        if unit in _UNIT_SKIP:
            continue
        value = float(m.group("num").replace(",", "")) * _SCALES.get(m.group("scale") or "", 1.0)
        out.append(Quantity(value, unit[:-1] if unit.endswith("s") and len(unit) > 3 else unit, m.group(0)))
    return out


# ---- open questions ---------------------------------------------------------------------------------------------------

_WITHOUT_DETAIL = re.compile(
    r"""["“]?(?P<thing>[\w][\w\s'’-]{2,60}?)[,"”]*\s+without (?:detailing|specifying|explaining|saying) (?:their|its|the|his|her|how|what|when) ?(?P<aspect>\w+)?""",
    re.I,
)
_NO_COMMENT = re.compile(
    r"\b(?:did not|didn't|declined to|refused to|would not)\s+(?:directly\s+)?(?:comment|elaborate|respond)\s+on\s+(?P<what>the [^,.;\"]+?)(?=\s+but\b|[,.;]|\s+and\b)",
    re.I,
)
_EXPECTS = re.compile(
    r"\bexpects? to (?P<verb>discuss|meet|sign|present|announce|decide|review|finalize|finalise|hold talks on|talk about) (?P<what>[^,.;\"]+?)(?P<when> in the coming (?:days|weeks|months)| next (?:week|month))?(?=[,.;]|$)",
    re.I,
)
_DENIAL = re.compile(
    r"(?P<claim>the [\w\s'’-]{3,80}?),?\s+which,?\s+(?:however,?\s+)?(?P<who>(?:the\s+)?[\w\s'’-]{2,40}?)\s+(?:denies|denied|disputes|disputed|rejects|rejected)\b",
    re.I,
)
_DENIES_THAT = re.compile(
    r"(?P<who>[A-Z][\w\s'’-]{1,40}?)\s+(?:denied|denies|rejected|rejects|disputed|disputes)\s+(?:claims|reports|allegations|suggestions)?\s*that\s+(?P<claim>[^,.;]+)",
    re.I,
)
_UNCONFIRMED = re.compile(
    r"^(?P<claim>[^,;]{10,120}?),?\s+(?:but|which|although)?\s*(?:this |it )?(?:could not be (?:independently )?(?:verified|confirmed)|(?:is|was|remains) unconfirmed)",
    re.I,
)


def open_questions(text: str, subject: str | None = None) -> list[str]:
    """Questions a text leaves open, phrased deterministically from cue patterns."""
    qs: list[str] = []
    m = _WITHOUT_DETAIL.search(text)
    if m:
        thing = re.sub(r"^(?:.*\b(?:receive|get|offer|provide|promise)s?\s+)", "", m.group("thing").strip(), flags=re.I)
        aspect = (m.group("aspect") or "details").lower()
        thing = thing.strip(' "“”')
        qs.append(f"What is the {aspect} of the {thing}?")
    m = _NO_COMMENT.search(text)
    if m:
        who = _clean_subject(subject) if subject else "they"
        qs.append(f"What does {who} say about {m.group('what').strip()}?")
    m = _EXPECTS.search(text)
    if m:
        when = m.group("when") or ""
        qs.append(f"What will come of the plan to {m.group('verb').lower()} {m.group('what').strip()}{when}?")
    m = _DENIAL.search(text)
    if m:
        claim = re.sub(r"^the\s+", "", m.group("claim").strip(), flags=re.I)
        qs.append(f"Is the reported {claim} real, given that {m.group('who').strip()} denies it?")
    else:
        m = _DENIES_THAT.search(text)
        if m:
            qs.append(f"Is it true that {m.group('claim').strip()}, as {m.group('who').strip()} denies?")
    m = _UNCONFIRMED.search(text)
    if m:
        claim = m.group("claim").strip()
        qs.append(f"Can it be confirmed that {claim[:1].lower() + claim[1:]}?")
    return qs


def _clean_subject(subject: str) -> str:
    return (
        subject
        if subject[:1].isupper() and not subject.lower().startswith(("president's", "prime minister's"))
        else f"the {subject}"
    )


# ---- headline ---------------------------------------------------------------------------------------------------------

_PARENTHETICAL = re.compile(
    r",\s+(?:after|before|during|citing|meeting|according|which|who|in|with|while|following|speaking|adding)\b[^,]*,",
    re.I,
)


_BOUNDARY = _words("and but or to with on in for of that which who while after before by from at as")
_DATELINE = re.compile(r"^\W*[A-Z][A-Z.'’ -]{1,40}(?:\s*\([^)]{1,40}\))?\s+[—–-]\s+")
"""A wire story's dateline ('PORT ANSELM — ', 'LONDON (Reuters) - '): where the story was filed, not what it says."""


_ATTRIBUTION = re.compile(r",\s+(?:[\w'’.-]+\s+){0,5}?(?:said|says|told|reported|announced|confirmed)\b[^,]*$")
HEADLINE_MAX_WORDS = 25  # a clause without a clean cut is kept whole up to this; longer, it is cut and marked '…'


def key_phrase(text: str, max_words: int = 12) -> str:
    """A headline-like phrase from a sentence: leading adverbials and asides removed, cut at a clause boundary.

    Only the first sentence is read (a unit may hold two: 'Her predecessor' must not end a headline), and a phrase
    never ends on a fragment: with no clause boundary to cut at, the clause is kept whole or cut visibly ('…')."""
    sentences = _sentences(text.strip())
    s = _DATELINE.sub("", sentences[0].strip() if sentences else text.strip())  # else the cut leaves 'PORT ANSELM'
    lead = re.compile(r"^\W*(?:at|in|on|as|after|meanwhile|however|according to|\w+ing)\b[^,]{0,60},\s*", re.I)
    while (m := lead.match(s)) and len(s) - m.end() > 30:  # 'As reported by Reuters, citing a document, the plan ...'
        s = s[m.end() :]
    s = _PARENTHETICAL.sub("", s)
    s = re.sub(r"[\"“”]", "", s)
    s = re.split(r";|\s[—–-]\s|, (?:and|but|while|which|who|as|adding)\b", s)[0].strip()
    s = _ATTRIBUTION.sub("", s)  # '..., the company said on Monday': who reported it is not the news
    words = s.rstrip(".!?").split()
    if len(words) > max_words + 3:
        # Cut before a conjunction or preposition near the limit, so the phrase ends on a whole constituent.
        cuts = [i for i in range(6, max_words + 4) if words[i].lower() in _BOUNDARY]
        commas = [i + 1 for i in range(5, HEADLINE_MAX_WORDS) if i < len(words) and words[i].endswith(",")]
        cut = max(cuts) if cuts else max(commas) if commas else None
        clipped = cut is None and len(words) > HEADLINE_MAX_WORDS
        words = words[:cut] if cut is not None else words[:HEADLINE_MAX_WORDS]
        while words and words[-1].lower().rstrip(",") in _UNIT_SKIP | _BOUNDARY | {"is", "be", "an", "its", "their"}:
            words.pop()
        if clipped:
            words[-1] = words[-1].rstrip(",:") + "…"
    phrase = " ".join(words).rstrip(",:")
    return phrase[:1].upper() + phrase[1:]
