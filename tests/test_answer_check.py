"""The answer-level check through the real chain (embedded Chroma, the bundled embeddings, spaCy): a true, supported
quote about another year or another person is declined, for the extractive engine and a chat-model engine alike."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.answer.engine import ChatEngine
from app.models import ABSTAIN_PREFIX, ChatTurn, Passage
from app.services import Newsdesk
from app.settings import Settings

pytestmark = pytest.mark.slow

CUP_2019 = """---
title: Lissaro Athletic take the Velarian Cup
source: Test Wire
published: 2019-05-12
---
LISSARO — Lissaro Athletic won the 2019 Velarian Cup final on Saturday, beating Corvenna Rovers 3-0 at the National Stadium.

Athletic's captain, Bruno Sandoval-Kett, scored all three goals. "This is for the city," Sandoval-Kett said.
"""
CUP_2021 = """---
title: Rovers end 31-year wait for the Velarian Cup
source: Test Wire
published: 2021-05-16
---
LISSARO — Corvenna Rovers won the 2021 Velarian Cup final on Saturday, beating Port Anselm United 2-1 after extra time.

Mateus Okonjo-Reyes scored both of Rovers' goals. The final was watched by 41,500 spectators.
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Newsdesk:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("cup")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "cup_2019.md").write_text(CUP_2019, encoding="utf-8")
    (corpus / "cup_2021.md").write_text(CUP_2021, encoding="utf-8")
    d = Newsdesk(Settings(index_dir=root / "index"), embeddings=embeddings)
    assert len(d.ingest([corpus]).added) == 2
    return d


def test_the_asked_year_is_answered(desk: Newsdesk) -> None:
    answer = desk.ask("Who won the 2021 Velarian Cup final?")
    assert not answer.abstained and "Corvenna Rovers" in answer.answer
    assert answer.check is not None and answer.check.answers_question and answer.check.answer_type == "person"
    assert "2021" in answer.check.anchors


def test_an_unreported_year_is_declined_with_the_closest_passage(desk: Newsdesk) -> None:
    answer = desk.ask("Who won the 2020 Velarian Cup final?")
    assert answer.abstained and answer.answer.startswith(ABSTAIN_PREFIX)
    assert answer.check is not None and not answer.check.answers_question and answer.check.reason
    assert "The closest passage" in answer.answer and "[1]" in answer.answer
    (citation,) = answer.citations
    article = desk.get_article(citation.article_id)
    assert article is not None and article.text[citation.start : citation.end] == citation.quote


def test_another_fact_of_the_same_article_is_declined(desk: Newsdesk) -> None:
    answer = desk.ask("How many spectators watched the 2019 Velarian Cup final?")
    assert answer.abstained, answer.answer  # the 41,500 were at the 2021 final


@dataclass
class ScriptedEngine:
    """The Engine protocol's fields for a scripted engine (subclasses write `draft`)."""

    name: str = "scripted"
    model: str = "scripted"
    label: str = "scripted"
    passage_budget: int | None = None
    chat_model: None = None
    max_concurrency: int = 1
    max_tokens: int | None = None
    shared_window: bool = False

    def rewrite(self, question: str, history: Sequence[ChatTurn]) -> str | None:
        return None

    @staticmethod
    def lead(year: str, passages: Sequence[Passage]) -> str:
        """The first sentence of the report of that year's final, cited with its passage number."""
        n = next(i for i, p in enumerate(passages, start=1) if f"{year} Velarian Cup final" in p.text)
        return re.split(r"(?<=\.)\s", passages[n - 1].text.split("\n")[0])[0] + f" [{n}]"


@dataclass
class QuotesTheOtherYear(ScriptedEngine):
    """Answers with the first sentence of the passage about 2019, cited: a true, supported quote that answers a
    question about 2021 wrongly (what an LLM does when it grabs the nearest fact)."""

    def draft(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        yield self.lead("2019", passages)


def test_every_engine_goes_through_the_check(desk: Newsdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(desk._engines, "scripted", QuotesTheOtherYear())
    answer = desk.ask("Who won the 2021 Velarian Cup final?", backend="scripted")
    assert answer.abstained and answer.check is not None and not answer.check.answers_question
    assert "2019, not 2021" in answer.check.reason and "2019" in answer.citations[0].quote

    chat = ChatEngine(name="fake-llm", model="fake", label="fake",
                      chat_model=FakeListChatModel(responses=["Lissaro Athletic won the final, beating Rovers 3-0 [2]."]))  # fmt: skip
    monkeypatch.setitem(desk._engines, "fake-llm", chat)
    passages = desk.search("Who won the 2021 Velarian Cup final?")
    if "2019" not in passages[1].text:  # keep the scripted [2] pointing at the 2019 report
        pytest.skip("retrieval order differs: the fake reply would cite another passage")
    answer = desk.ask("Who won the 2021 Velarian Cup final?", backend="fake-llm")
    assert answer.sentences and answer.abstained and answer.check is not None and not answer.check.answers_question


def test_the_check_can_be_switched_off(desk: Newsdesk, embeddings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    off = Newsdesk(desk.settings.model_copy(update={"answer_check": False}), embeddings=embeddings)
    answer = off.ask("Who won the 2020 Velarian Cup final?")
    assert answer.check is None and not answer.abstained  # the old behaviour: a true quote about another year


FLOOD_CORPUS = Path(__file__).parent / "data" / "flood"
"""An invented story from three outlets: the Kessel River flood in Marrowfield (figures that differ, the mayor on the
evacuation, a repair bill, and one sentence giving the cause)."""


@pytest.fixture(scope="module")
def flood_desk(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Newsdesk:  # type: ignore[no-untyped-def]
    d = Newsdesk(Settings(index_dir=tmp_path_factory.mktemp("flood") / "index"), embeddings=embeddings)
    assert len(d.ingest([FLOOD_CORPUS]).added) == 3
    return d


def test_a_yes_no_question_about_an_unreported_event_is_declined(flood_desk: Newsdesk) -> None:
    """No article says the mayor resigned: the sentences about the mayor and the repair bill do not answer whether."""
    answer = flood_desk.ask("Did the mayor of Marrowfield resign?")
    assert answer.abstained and answer.answer.startswith(ABSTAIN_PREFIX), answer.answer
    assert answer.check is not None and not answer.check.answers_question
    assert answer.check.answer_type == "polar" and "resign" in answer.check.reason


def test_a_yes_no_question_about_a_reported_event_is_answered(flood_desk: Newsdesk) -> None:
    answer = flood_desk.ask("Did Mayor Varnhagen thank the volunteers?")
    assert not answer.abstained and "thanked the volunteers" in answer.answer
    assert answer.check is not None and answer.check.answers_question and answer.check.answer_type == "polar"


def test_what_caused_is_answered_with_the_cause_or_declined(flood_desk: Newsdesk) -> None:
    """The repair bill is about the flood but gives no cause: the answer is the rain sentence, or a decline."""
    answer = flood_desk.ask("What caused the Marrowfield flood?")
    assert "6 million euros" not in answer.answer and "4 million euros" not in answer.answer
    if not answer.abstained:
        assert "heavy rain upstream" in answer.answer
        assert answer.check is not None and answer.check.answer_type == "reason" and answer.check.answers_question


@dataclass
class OtherYearThenAsked(ScriptedEngine):
    """Drafts the 2019 report's lead (true, cited, about the wrong year), then the 2021 report's lead; records how
    many sentences the reader had received when each sentence began, to show what the stream held back."""

    seen: list[int] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    name: str = "scripted-two"

    def draft(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        first, second = (self.lead(year, passages) + " " for year in ("2019", "2021"))
        yield first
        yield second[:10]  # the second sentence has begun: the first has settled
        self.seen.append(len(self.received))
        yield second[10:]
        self.seen.append(len(self.received))


def test_streamed_sentences_wait_until_the_answer_answers(desk: Newsdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sentence about 2019 is verified (a true quote) but is not streamed until the one about 2021, which answers,
    has settled; then both go out, in order, numbered as the final answer. Asked about 2020, nothing answers: no
    sentence is streamed at all, and the stream closes with the decline."""
    from app.models import AnswerDone, AnswerSentenceVerified

    engine = OtherYearThenAsked()
    received = engine.received
    monkeypatch.setitem(desk._engines, engine.name, engine)
    final = None
    for event in desk.stream_ask("Who won the 2021 Velarian Cup final?", backend=engine.name, sentences=True):
        if isinstance(event, AnswerSentenceVerified):
            received.append(event.text)
        elif isinstance(event, AnswerDone):
            final = event.answer
    assert final is not None and not final.abstained and final.check is not None and final.check.answers_question
    # The 2019 sentence had settled once the 2021 one began, but was held (the 2021 one settles as the draft ends).
    assert engine.seen == [0, 0]
    assert "".join(received) == final.answer and "2019" in received[0] and "2021" in received[1]

    received.clear()
    events = list(desk.stream_ask("Who won the 2020 Velarian Cup final?", backend=engine.name, sentences=True))
    assert not [e for e in events if isinstance(e, AnswerSentenceVerified)]
    done = events[-1]
    assert isinstance(done, AnswerDone) and done.answer.abstained

    # Control: with the answer check off there is no verdict to wait for, and the 2019 sentence goes out as it settles.
    off = Newsdesk(desk.settings.model_copy(update={"answer_check": False}), embeddings=desk.embeddings)
    received.clear()
    engine.seen.clear()
    monkeypatch.setitem(off._engines, engine.name, engine)
    for event in off.stream_ask("Who won the 2021 Velarian Cup final?", backend=engine.name, sentences=True):
        if isinstance(event, AnswerSentenceVerified):
            received.append(event.text)
    assert engine.seen == [1, 1]
