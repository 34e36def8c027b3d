"""Words that give a reason: the answer type of a 'why' question, read the same way by the extractive scorer and the
answer-level verdict (app.retrieve.constraints)."""

from __future__ import annotations

import re

REASON_CUES = re.compile(
    r"\b(?:because|due to|owing to|as a result|thanks to|since|after|amid|following|citing|cited|blamed|blaming|over|"
    r"caused by|led to|leading to|triggered by|resulted from|result of|attributed to|brought on by|blamed on|"
    r"ruled out|rules out|ruling out|prevented|prevents|preventing|made it impossible|"
    r"so that|in order to|in a bid to|aimed at|to (?:avoid|protect|reduce|cut|meet|fund|cover|ease|boost|make)|"
    r"for \w+ing)\b",
    re.I,
)
"""Words that give a reason ("because", "citing", "to cut costs"; "a windy morning that *ruled out* an attack" says why
there was none): the answer type of a 'why' question, read the same way by the extractive scorer and the verdict."""
