"""What a count counts: the plural noun after a figure ('1,240 *adults*') and the one 'how many' asks for ('how many
*phones*'). Pure text rules, no parse: question analysis (`question.analyse`) finds the asked noun with them once, and
the figures of every candidate sentence are read with them (`measures.measured`).
"""

from __future__ import annotations

import re

from app import nlp

IRREGULAR_PLURALS = frozenset(
    ["people", "men", "women", "children", "feet", "teeth", "mice", "geese", "staff", "personnel", "police", "cattle"]
)
"""Plurals without an -s: a count of them names what it counts as '1,240 adults' does."""
COUNTED_WORDS = 3  # a count's noun follows within a few words ('9.6 migraine *days*', '1,240 adult *patients*')
ASKED_WORDS = 5  # 'how many Oryx 5 Pro *phones*': the counted noun follows the names that say which ones
NOT_COUNTED = frozenset("""
    a an the this that these those its their his her our your my of at in on by for from to with within into over under
    and or but than as per each every who which that whose where when while is are was were be been being has have had
    do does did will would can could may might shall should must not no up down about around nearly almost some
""".split())  # fmt: skip  # noqa: SIM905
"""Words that end the run of words a figure counts ('1,240 adults *at* 64 clinics', '23 million phones *were*')."""
_HOW_MANY_OF = re.compile(r"\bhow\s+many\s+(?:of\s+(?:the\s+|its\s+|their\s+)?)?", re.I)


def plural_noun(word: str) -> bool:
    """'adults', 'branches', 'people': a noun in the plural, as a count of more than one names what it counts."""
    if word in IRREGULAR_PLURALS:
        return True
    if not word.endswith("s") or word.endswith("ss"):
        return False
    singulars = {word[:-1], word[:-2] if word.endswith("es") else "", word[:-3] + "y" if word.endswith("ies") else ""}
    return bool(singulars & nlp.common_nouns())


def counted_noun(after: str) -> str:
    """The noun a count counts, from the words right after it: the first plural noun among them ('1,240 adults at 64
    clinics' -> 'adults', '9.6 migraine days a month' -> 'days', '41 patients stopped treatment' -> 'patients'). Empty
    when none follows ('a crowd of 44,800', '146, up from 97', '40 of its 310 branches', '41 stopped treatment'), which
    leaves the figure to the other rules."""
    for w in re.findall(r"[^\s,.;:!?()\"“”]+|[,.;:!?()\"“”]", after)[:COUNTED_WORDS]:
        if not re.fullmatch(r"[a-z][a-z'’-]*", w) or w in NOT_COUNTED:
            break
        if plural_noun(w):
            return w
    return ""


def asked_count(question: str) -> tuple[str, int]:
    """The noun 'how many' asks to count and where it starts: 'how many *phones*', 'how many Velarian *users*', 'how
    many of Harbor City's *wards*'. Names, possessives and numbers before it are skipped; ('', -1) when none is found."""
    m = _HOW_MANY_OF.search(question)
    if m is None:
        return "", -1
    for word in list(re.finditer(r"[^\s,.;:!?()\"“”]+", question[m.end() :]))[:ASKED_WORDS]:
        w = word.group(0)
        if w[:1].isupper() or w[:1].isdigit() or re.search(r"[’']s?$", w):
            continue  # 'Oryx 5', "Irigoyen's": which ones, not what is counted
        low = w.lower()
        if low in NOT_COUNTED:
            return "", -1
        if plural_noun(low):
            return low, m.end() + word.start()
    return "", -1
