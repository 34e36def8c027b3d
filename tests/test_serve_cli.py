"""`newsdesk ask` over the shared fake Newsdesk (typer's CliRunner): the answer, its sources and the answer-level verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import cli
from app.models import Answer
from app.settings import Settings
from tests.fakes import FakeDesk

TEXT = "Ukraine must limit the size of its army to 600,000 troops under the plan. The plan has 28 points."


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDesk:
    desk = FakeDesk(Settings(index_dir=tmp_path / "index"))
    desk.ingest_text(TEXT, title="Peace plan")
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    return desk


def run(*args: str) -> str:
    result = CliRunner().invoke(cli.cli, ["ask", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ask_says_the_answer_answers_the_question(desk: FakeDesk) -> None:
    out = run("How large may the army be?")
    assert "600,000 troops" in out and "Sources" in out
    assert "answers the question: yes (number: 600,000)" in out


def test_ask_says_why_a_declined_answer_does_not_answer(desk: FakeDesk) -> None:
    desk.decline = "it is about 2019, not 2021"
    out = run("How large was the army in 2021?")
    assert "The closest passage is about 2019, not 2021" in out
    assert "answers the question: no — it is about 2019, not 2021" in out


def test_ask_json_carries_the_check(desk: FakeDesk) -> None:
    desk.decline = "it is about 2019, not 2021"
    answer = Answer.model_validate(json.loads(run("How large was the army in 2021?", "--json")))
    assert answer.abstained and answer.check is not None
    assert (answer.check.answers_question, answer.check.reason) == (False, "it is about 2019, not 2021")


def test_check_line_names_what_answered() -> None:
    from app.models import AnswerCheck

    assert cli.check_line(AnswerCheck(answers_question=True, answer_type="person", found="Jane Doe")) == (
        "answers the question: yes (person: Jane Doe)"
    )
    assert (
        cli.check_line(AnswerCheck(answers_question=True, answer_type="place")) == "answers the question: yes (place)"
    )


def test_a_declined_answer_prints_as_its_decline_alone(desk: FakeDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft quotes a true sentence about another year; the verified reply declines it. The terminal shows the
    decline and never the draft (it cannot unprint it)."""
    from app.models import AnswerDelta, AnswerDone

    desk.decline = "it is about 2019, not 2021"
    declined = desk._answer("How large was the army in 2021?")

    def stream(question: str, **options: object):  # type: ignore[no-untyped-def]
        yield AnswerDelta(text="In 2019 the army had 600,000 troops [1].")
        yield AnswerDone(answer=declined)

    monkeypatch.setattr(desk, "stream_ask", stream)
    out = run("How large was the army in 2021?")
    assert "In 2019 the army had" not in out and "withdrawn" not in out
    assert out.lstrip().startswith("The indexed articles don't say")
    assert "answers the question: no — it is about 2019, not 2021" in out
