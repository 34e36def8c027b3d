"""Whether a sentence denies what the question asks about: 'The Oryx 7 is *not affected*' names the asked verb but
says the opposite, so it does not answer 'which phones were affected' (a yes/no question is the exception: a denial
answers it, app.retrieve.polar). Pure text rules, no parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NEGATORS = re.compile(r"\b(?:not|never|no longer|n[o']t|cannot)\b|n[’']t\b", re.I)
"""Words that deny the verb after them ('is *not* affected', '*never* won', 'was*n't* sold')."""
NEGATION_REACH = 2  # words between the negator and its verb ('has not yet been affected' -> 'yet been')
_WORD = re.compile(r"[^\W_][\w’'-]*")


def asks_negated(question: str) -> bool:
    """Whether the question itself asks about a denial ('which phones were *not* affected')."""
    return bool(NEGATORS.search(question))


def only_denied(sentence: str, is_form: Callable[[str], bool]) -> str:
    """The denied phrase ('not affected') when every mention of the asked verb (`is_form` says which words are its
    forms) follows a negator within a few words; '' when the verb is affirmed somewhere, or never named."""
    words = list(_WORD.finditer(sentence))
    denied = ""
    for i, word in enumerate(words):
        if not is_form(word.group(0)):
            continue
        start = words[max(0, i - NEGATION_REACH - 1)].start()
        negator = NEGATORS.search(sentence, start, word.start())
        if negator is None:
            return ""  # affirmed here
        denied = denied or sentence[negator.start() : word.end()]
    return denied
