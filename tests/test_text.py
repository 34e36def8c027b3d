"""Pure text utilities: sentence/paragraph spans, ids, and the raw formats the loaders parse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.text import (
    article_id,
    build_article,
    clean_question,
    detect_site_name,
    is_boilerplate_line,
    markdown_to_text,
    parse_dateline,
    parse_news_text,
    split_front_matter,
    split_paragraphs,
    split_sentences,
    split_title,
    strip_boilerplate,
    unwrap_lines,
    unwrap_pdf_text,
)

SEED = Path(__file__).resolve().parents[1] / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. Army said no. He left.", ["The U.S. Army said no.", "He left."]),
        ("U.S. officials said so. Others disagreed.", ["U.S. officials said so.", "Others disagreed."]),
        (
            "The plan was imposed by the U.S. The move angered Kyiv.",
            ["The plan was imposed by the U.S.", "The move angered Kyiv."],
        ),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("Gen. Milley and Sen. Warren spoke.", ["Gen. Milley and Sen. Warren spoke."]),
        ('He said "Stop." She left.', ['He said "Stop."', "She left."]),
        ('"Is it over?" he asked. Nobody answered.', ['"Is it over?" he asked.', "Nobody answered."]),
        ("“We are ready,” he wrote. Talks begin.", ["“We are ready,” he wrote.", "Talks begin."]),
        ("See No. 10 Downing St. for details.", ["See No. 10 Downing St. for details."]),
        ("The answer is no. He left.", ["The answer is no.", "He left."]),
        ("It grew 3.5 percent. Then it fell.", ["It grew 3.5 percent.", "Then it fell."]),
        ("At 10 p.m. The crowd left.", ["At 10 p.m.", "The crowd left."]),
        ("At 10 p.m. local time it ended.", ["At 10 p.m. local time it ended."]),
        ("J. K. Rowling wrote it. Fans cheered.", ["J. K. Rowling wrote it.", "Fans cheered."]),
        ("Wait... What happened? Nothing!", ["Wait...", "What happened?", "Nothing!"]),
        ("He works at Apple Inc. The company grew.", ["He works at Apple Inc.", "The company grew."]),
        ("In Jan. 2024 it began.", ["In Jan. 2024 it began."]),
        (
            "According to the 28-point plan, Ukraine must act. 28-point plans are rare.",
            ["According to the 28-point plan, Ukraine must act.", "28-point plans are rare."],
        ),
        ("No final punctuation here", ["No final punctuation here"]),
    ],
)
def test_sentence_edge_cases(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentences_never_cross_paragraphs() -> None:
    text = "First para ends here\nSecond para. Two sentences."
    paras = split_paragraphs(text)
    assert [text[p.start : p.end] for p in paras] == ["First para ends here", "Second para. Two sentences."]
    assert sentences(text) == ["First para ends here", "Second para.", "Two sentences."]


def test_paragraph_spans_are_trimmed() -> None:
    text = "  one  \n\n\t two\n   \n"
    assert [text[p.start : p.end] for p in split_paragraphs(text)] == ["one", "two"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\"'\n U.S.Mr 3,”“")), max_size=120))
def test_spans_are_exact_ordered_and_trimmed(text: str) -> None:
    paras = split_paragraphs(text)
    sents = split_sentences(text, paras)
    last = 0
    for s in sents:
        assert last <= s.start < s.end <= len(text)
        piece = text[s.start : s.end]
        assert piece == piece.strip() and "\n" not in piece
        assert any(p.start <= s.start and s.end <= p.end for p in paras)
        last = s.end
    # Every non-space character of a paragraph is in some sentence.
    covered = sum(len(text[s.start : s.end].replace(" ", "")) for s in sents)
    assert covered == sum(len(text[p.start : p.end].replace(" ", "")) for p in paras)


def test_article_id_ignores_case_and_whitespace() -> None:
    assert article_id("Hello   World\n") == article_id("hello world")
    assert article_id("Hello World") != article_id("Hello World!")
    assert len(article_id("x")) == 16


def test_build_article_spans_refer_to_clean_text() -> None:
    a = build_article("  A   title ", "Line one. Line two.\r\n\r\n\r\n\x07Second para!")
    assert a.title == "A title"
    assert a.text == "Line one. Line two.\n\nSecond para!"
    assert [a.text[s.start : s.end] for s in a.sentences] == ["Line one.", "Line two.", "Second para!"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "The dam, completed in 1931,[3] reached 212 metres, engineers said.[4]",
            "The dam, completed in 1931, reached 212 metres, engineers said.",
        ),
        ('She called it "a precaution"[12][13] on Monday.', 'She called it "a precaution" on Monday.'),
        ("Turnout rose.[citation needed] Results follow.[note 2]", "Turnout rose. Results follow."),
        # spaced marks, encyclopedia tags and lettered marks after a stop (trial 15)
        (
            "It carries 7,100 vehicles a day [6] after the reopening.[clarification needed] It [when?] fell.[a] So",
            "It carries 7,100 vehicles a day after the reopening. It fell. So",
        ),
        # editorial brackets are words; so are years and a bracket opening a line
        ('"The plan[s] [sic] suit [the council]," she said.', '"The plan[s] [sic] suit [the council]," she said.'),
        ("[1] A numbered line. Year [2024]. See item [2] below.", "[1] A numbered line. Year [2024]. See item below."),
    ],
)
def test_footnote_marks_are_removed_from_the_body(raw: str, clean: str) -> None:
    """From every format's text, and from Markdown before its link rules read "[1][2]" as a reference link (trial
    15: "opened in 1907.[1][2]" became "opened in 1907.1")."""
    a = build_article("Title", raw)
    assert a.text == clean and a.id == article_id(clean)
    assert markdown_to_text(raw.replace("[2024]", "2024"))[1] == clean.replace("[2024]", "2024")
    assert markdown_to_text("Opened in 1907.[1][2][3] Built by Fray[5][6] and see[^4].")[1] == (
        "Opened in 1907. Built by Fray and see."
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("21 NOV 2025 10:22", datetime(2025, 11, 21, 10, 22)),
        ("3 March 2024", datetime(2024, 3, 3)),
        ("1 Sept 2023 7:05", datetime(2023, 9, 1, 7, 5)),
        ("31 FEB 2025 10:00", None),
        ("21 NOVX 2025", None),
        ("Zelenskyy Cautious on US Plan", None),
    ],
)
def test_parse_dateline(line: str, expected: datetime | None) -> None:
    assert parse_dateline(line) == expected


def test_parse_news_text_on_the_seed() -> None:
    news = parse_news_text(SEED.read_text(encoding="utf-8"))
    assert news is not None
    assert news.title == "Zelenskyy Cautious on US Plan, EU Rejects Concessions"
    assert news.published == datetime(2025, 11, 21, 10, 22)
    assert news.site == "ReOpen Media"
    assert news.body.startswith("Ukrainian President Zelenskyy")
    assert news.body.endswith("which, however, the Ukrainian side denies.")
    assert "Related Reads" not in news.body and "Sign in" not in news.body
    assert "21 NOV 2025" not in news.body


def test_parse_news_text_rejects_other_text() -> None:
    assert parse_news_text("Just a title\nAnd a body line.") is None
    assert parse_news_text("") is None


@pytest.mark.parametrize("gap", ["\n", "\n\n", "\n  \n\n"])
def test_a_dateline_may_stand_after_blank_lines_under_the_title(gap: str) -> None:
    """Trial 16 D10: 'Title, blank line, dateline' lost its date and indexed the dateline as text."""
    news = parse_news_text(f"Court clears harbour pilot{gap}3 DEC 2026 09:15\n\nThe pilot was cleared on Tuesday.\n")
    assert news is not None and news.published == datetime(2026, 12, 3, 9, 15)
    assert news.title == "Court clears harbour pilot" and news.body == "The pilot was cleared on Tuesday."
    # a date-looking line that is not alone on its line is body text, as before
    assert parse_news_text(f"Court clears harbour pilot{gap}On 3 DEC 2026 the pilot was cleared.\n") is None


@pytest.mark.parametrize(
    "line",
    [
        "Related Reads",
        "Read more",
        "Read more: Ferry fares rise",
        "Share this article",
        "Share on Facebook",
        "Sign in or create a free ReOpen Media account to post comments",
        "Log in to comment",
        "Subscribe to our newsletter",
        "We use cookies to improve your experience. By continuing you accept our cookie policy.",
        "Accept all cookies",
        "© 2025 The Coastal Gazette. All rights reserved.",
        "Tags: politics, Ukraine",
        "12 comments",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Officials said the plan would be shared with allies.",
        "Readers were asked to share their views at town-hall meetings held across the region last week.",
        "The committee will subscribe to the treaty, a spokesman said.",
        "She baked cookies for the troops.",
        "The newsletter, founded in 1990, was sold last year.",
        "Copyright lawyers said the ruling was narrow.",
        "Users must create a free account to vote, officials said.",
        "Popular support for the plan fell.",
        "More than 200 people were evacuated.",
    ],
)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


def test_strip_boilerplate_removes_related_block_with_headlines() -> None:
    lines = [
        "Body paragraph one.",
        "Body paragraph two ends here.",
        "Related Reads",
        "Ferry fares rise again",
        "New bike lanes open downtown",
        "",
        "Sign in or create a free Harbor News account to post comments",
    ]
    kept, removed = strip_boilerplate(lines)
    assert kept == lines[:2]
    assert detect_site_name(removed) == "Harbor News"


@pytest.mark.parametrize(
    "lines",
    [
        ["Para one.", "The minister said more talks were planned for next week. Both sides agreed."],
        ["Para one.", "Popular support fell.", "The vote is on Monday."],
        ["Para one.", "Related", "Talks resume on Monday."],
    ],
)
def test_strip_boilerplate_keeps_real_last_paragraphs(lines: list[str]) -> None:
    assert strip_boilerplate(lines) == (lines, [])


def test_strip_boilerplate_leading_cookie_notice() -> None:
    lines = ["We use cookies to improve your experience.", "", "Real first paragraph.", "Share this article"]
    assert strip_boilerplate(lines) == (["Real first paragraph."], [lines[0], "", "Share this article"])


def test_split_title() -> None:
    assert split_title("Short Title\nBody text.") == ("Short Title", "Body text.")
    assert split_title("A sentence ends here.\nBody.") == (None, "A sentence ends here.\nBody.")
    assert split_title("Only one line") == (None, "Only one line")
    assert split_title("x" * 250 + "\nbody")[0] is None


def test_unwrap_hard_wrapped_text() -> None:
    wrapped = (
        "The council voted on Tuesday to approve the new budget, which\n"
        "includes funding for schools, roads and a long-delayed upgrade of\n"
        "the water system.\n"
        "\n"
        "Opposition members said the plan relied on optimistic revenue fore-\n"
        "casts and would leave the city exposed if the economy slowed down.\n"
    )
    assert unwrap_lines(wrapped) == (
        "The council voted on Tuesday to approve the new budget, which includes funding for schools, roads and a "
        "long-delayed upgrade of the water system.\n\n"
        "Opposition members said the plan relied on optimistic revenue forecasts and would leave the city exposed "
        "if the economy slowed down."
    )


def test_unwrap_leaves_one_paragraph_per_line_alone() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert unwrap_lines(text) == text
    short = "Item one\nItem two\nItem three"
    assert unwrap_lines(short) == short


def test_unwrap_pdf_text() -> None:
    pdf = (
        "Annual Harbor Report\n"
        "The port handled a record number of containers this year, driven by\n"
        "strong exports of machinery and a recovery in tourism traffic along\n"
        "the coast.\n"
        "Costs rose sharply because of higher energy prices and new safety\n"
        "rules.\n"
    )
    assert unwrap_pdf_text(pdf).split("\n") == [
        "Annual Harbor Report",
        "The port handled a record number of containers this year, driven by strong exports of machinery and a "
        "recovery in tourism traffic along the coast.",
        "Costs rose sharply because of higher energy prices and new safety rules.",
    ]


def test_front_matter() -> None:
    meta, rest = split_front_matter('---\ntitle: "Quoted: Title"\ndate: 2025-01-02\n---\nBody\n')
    assert meta == {"title": "Quoted: Title", "date": "2025-01-02"}
    assert rest == "Body\n"
    assert split_front_matter("No front matter\n---\n") == ({}, "No front matter\n---\n")


def test_markdown_to_text() -> None:
    md = (
        "# The Title\n\n"
        "Some *emphasis*, **bold** and a [link](https://x.test/a) with `code`,\n"
        "continued on a second line.\n\n"
        "## A Section\n\n"
        "- first item\n"
        "* second item\n\n"
        "> quoted words\n\n"
        "![chart](img.png)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "Setext Heading\n--------------\n"
        "snake_case_name stays.\n"
    )
    title, text = markdown_to_text(md)
    assert title == "The Title"
    assert text.split("\n") == [
        "Some emphasis, bold and a link with code, continued on a second line.",
        "A Section",
        "first item",
        "second item",
        "quoted words",
        "a | b",
        "1 | 2",
        "Setext Heading",
        "snake_case_name stays.",
    ]


def test_markdown_title_not_first_stays_in_text() -> None:
    title, text = markdown_to_text("Intro line.\n\n# Late Title\n\nBody.")
    assert title == "Late Title"
    assert text == "Intro line.\nLate Title\nBody."


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Who won in ２０２２?", "Who won in 2022?"),  # full-width digits
        ("Ｗｈｏ won in 2022?", "Who won in 2022?"),  # full-width letters
        ("Who\u200b won in 20\u200d22?", "Who won in 2022?"),  # zero-width space and joiner
        ("Who won\u00ad in 2022?\u2060", "Who won in 2022?"),  # soft hyphen, word joiner
        ("Who  won\tin\u00a02022?\n", "Who won in 2022?"),  # tabs, no-break space, newline
        ("Who won in Zürich?", "Who won in Zürich?"),  # letters outside ASCII stay as they are
    ],
)
def test_clean_question_reads_a_question_as_articles_are_read(typed: str, read: str) -> None:
    """Trial 16 D9: zero-width spaces and full-width characters made a question abstain or decline."""
    assert clean_question(typed) == read
