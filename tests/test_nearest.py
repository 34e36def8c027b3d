"""The verdict names the answer item next to the asked year or name (app.retrieve.nearest), not the first one: the
trial's 'answers the question: yes (number: 410)' for a sentence giving 410 for 2025 and 380 for the asked 2024."""

from __future__ import annotations

import pytest

from app.retrieve.constraints import fit
from app.retrieve.question import analyse


@pytest.mark.parametrize(
    ("question", "sentence", "found"),
    [
        ("How many seasonal pickers did Ashdown hire in 2024?", "Ashdown hired 410 seasonal pickers in 2025 and 380 in 2024.", "380"),
        ("How many seasonal pickers did Ashdown hire in 2025?", "Ashdown hired 410 seasonal pickers in 2025 and 380 in 2024.", "410"),
        ("How much cider did Ashdown press in 2024?", "Ashdown pressed 4.6 million litres of cider in 2025, up from 3.9 million litres in 2024.", "3.9 million"),
        ("How much does the Tavel Ridge weigh?", "The Tavel Glide weighs 19 kilograms and the Tavel Ridge 24 kilograms.", "24 kilograms"),
        ("Who won the women's race in 2024?", "Anna Berg won the men's race in 2023 and Lina Holt won the women's race in 2024.", "Lina Holt"),
        # one item, or no cue in the sentence: the first, as before
        ("How many troops may Orvia keep?", "Orvia must limit its army to 600,000 troops under the plan.", "600,000"),
    ],
)  # fmt: skip
def test_the_item_named_is_the_one_next_to_the_asked_year_or_name(question: str, sentence: str, found: str) -> None:
    verdict = fit(analyse(question), sentence)
    assert verdict.ok and verdict.found == found
