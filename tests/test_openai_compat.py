"""OpenAI compatibility: the pure mapping, then the real `openai` SDK against a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from pydantic import SecretStr

from app.models import Answer, AnswerCheck, AnswerDelta, AnswerDone, Citation
from app.serve.api import openai_compat as oc
from app.serve.api.app import create_api
from app.serve.api.schemas import ChatMessage
from app.settings import Settings
from tests.fakes import FakeDesk, serve_in_thread

TEXT = (
    "Ukraine must limit the size of its army to 600,000 troops under the plan. "
    "The plan has 28 points and was drafted in November. Officials in Kyiv said they would study it."
)


def msg(role: str, content: object) -> ChatMessage:
    return ChatMessage.model_validate({"role": role, "content": content})


# ---- pure mapping -------------------------------------------------------------------------
def test_last_user_message_is_the_question_and_earlier_turns_the_history() -> None:
    messages = [
        msg("system", "be brief"),
        msg("user", "Who drafted the plan?"),
        msg("assistant", "The US did [1]."),
        msg(
            "user",
            [{"type": "text", "text": "And how many "}, {"type": "image_url"}, {"type": "text", "text": "points?"}],
        ),
    ]
    question, history = oc.to_question(messages)
    assert question == "And how many points?"
    assert [(t.role, t.content) for t in history] == [
        ("user", "Who drafted the plan?"),
        ("assistant", "The US did [1]."),
    ]


def test_trailing_assistant_turn_is_ignored_and_no_user_is_an_error() -> None:
    question, history = oc.to_question([msg("user", "Q1"), msg("assistant", "prefill")])
    assert (question, history) == ("Q1", [])
    with pytest.raises(oc.NoQuestion):
        oc.to_question([msg("system", "hi")])
    with pytest.raises(oc.NoQuestion):
        oc.to_question([msg("user", "   ")])


def test_model_names() -> None:
    assert oc.backend_for_model("newsdesk") is None
    assert oc.backend_for_model("newsdesk/extractive") == "extractive"
    for bad in ("gpt-4o", "newsdesk/gpt", "newsdesk/"):
        with pytest.raises(oc.UnknownModel):
            oc.backend_for_model(bad)
    assert "newsdesk" in oc.model_ids()


def answer(text: str = "The army is capped at 600,000 troops [1].") -> Answer:
    c = Citation(
        n=1, article_id="a" * 16, chunk_id="a" * 16 + ":0", quote="600,000 troops", start=10, end=24, title="Plan"
    )
    return Answer(question="How big?", answer=text, citations=[c], backend="extractive", model="m")


def test_chunks_stream_text_then_citations_and_extra() -> None:
    final = answer()
    events: list[AnswerDelta | AnswerDone] = [
        AnswerDelta(text="The army is capped "),
        AnswerDelta(text="at 600,000 troops [1]."),
        AnswerDone(answer=final),
    ]
    chunks = list(oc.chunks(events, model="newsdesk"))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == final.answer
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.choices[0].delta.citations == final.citations
    assert last.newsdesk is not None and last.newsdesk.answer == final.answer
    assert len({c.id for c in chunks}) == 1


def test_chunks_carry_the_verified_text_even_when_live_deltas_differ() -> None:
    final = answer("Capped at 600,000 troops [1].")
    events = [
        AnswerDelta(text="Unsupported claim. "),
        AnswerDelta(text="Capped at 600,000 troops. [4]"),
        AnswerDone(answer=final),
    ]
    chunks = list(oc.chunks(events, model="newsdesk"))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == final.answer
    assert len(chunks) >= 3 and chunks[-1].newsdesk.answer == final.answer  # type: ignore[union-attr]
    assert oc._pieces("a b  c\nd") and "".join(oc._pieces("a b  c\nd e f g h")) == "a b  c\nd e f g h"


def test_completion_shape() -> None:
    done = oc.completion(answer(), model="newsdesk")
    assert done.object == "chat.completion" and done.choices[0].message.content.endswith("[1].")
    assert done.choices[0].message.citations[0].quote == "600,000 troops"
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens > 0


def test_the_answer_check_rides_in_the_newsdesk_extra() -> None:
    check = AnswerCheck(
        answers_question=False, answer_type="date", anchors=["2021"], reason="it is about 2019, not 2021"
    )
    declined = answer(
        "The indexed articles don't say. The closest passage is about 2019, not 2021: “600,000 troops” [1]"
    )
    declined.abstained, declined.check = True, check
    done = oc.completion(declined, model="newsdesk")
    assert done.newsdesk.check == check and done.newsdesk.abstained  # type: ignore[union-attr]
    last = list(oc.chunks([AnswerDone(answer=declined)], model="newsdesk"))[-1]
    assert last.newsdesk is not None and last.newsdesk.check == check
    assert '"check":{"answers_question":false' in oc.sse_data(last)
    assert "check" not in oc.sse_data(list(oc.chunks([AnswerDone(answer=answer())], model="newsdesk"))[-1])  # unchecked


# ---- the real SDK over HTTP ---------------------------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    settings = Settings(index_dir=tmp_path / "index")
    desk = FakeDesk(settings)
    desk.ingest_text(TEXT, title="Peace plan", source="wire")
    with serve_in_thread(create_api(desk, settings)) as url:
        yield url


def test_sdk_non_stream(server: str) -> None:
    client = openai.OpenAI(base_url=f"{server}/v1", api_key="unused-on-loopback", max_retries=0)
    done = client.chat.completions.create(
        model="newsdesk",
        messages=[{"role": "system", "content": "x"}, {"role": "user", "content": "How large may the army be?"}],
    )
    content = done.choices[0].message.content or ""
    assert "600,000 troops" in content and "[1]" in content
    citations = done.choices[0].message.model_extra["citations"]  # type: ignore[index]
    assert citations[0]["n"] == 1 and citations[0]["quote"] in TEXT
    extra = done.model_extra["newsdesk"]  # type: ignore[index]
    assert extra["abstained"] is False and extra["sentences"][0]["supported"] is True
    assert extra["check"]["answers_question"] is True
    assert done.usage is not None and done.usage.completion_tokens > 0


def test_sdk_stream_carries_citations(server: str) -> None:
    client = openai.OpenAI(base_url=f"{server}/v1", api_key="k", max_retries=0)
    stream = client.chat.completions.create(
        model="newsdesk", stream=True, messages=[{"role": "user", "content": "How large may the army be?"}]
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "600,000 troops" in text and text.endswith("[1]")
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.choices[0].delta.model_extra["citations"][0]["quote"] in TEXT  # type: ignore[index]
    assert last.model_extra["newsdesk"]["answer"] == text  # type: ignore[index]
    assert last.model_extra["newsdesk"]["check"]["answers_question"] is True  # type: ignore[index]


def test_sdk_models_and_errors(server: str) -> None:
    client = openai.OpenAI(base_url=f"{server}/v1", api_key="k", max_retries=0)
    assert "newsdesk" in [m.id for m in client.models.list()]
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert "does not exist" in info.value.message
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="newsdesk", messages=[{"role": "system", "content": "only system"}])
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="newsdesk", messages=[])


def test_sdk_api_key_is_the_token_on_a_guarded_server(tmp_path: Path) -> None:
    # Bound to loopback here, but settings.host says public: every route then needs the token.
    settings = Settings(index_dir=tmp_path / "index", host="0.0.0.0", api_token=SecretStr("tok-123"))
    with serve_in_thread(create_api(FakeDesk(settings), settings)) as url:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()
        ok = openai.OpenAI(base_url=f"{url}/v1", api_key="tok-123", max_retries=0)
        assert next(m.id for m in ok.models.list()) == "newsdesk"
