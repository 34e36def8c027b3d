"""OpenAI compatibility: the pure mapping, then the real `openai` SDK against a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from pydantic import SecretStr

from app.models import Answer, AnswerCheck, AnswerDelta, AnswerDone, AnswerEvent, AnswerSentenceVerified, Citation
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


def test_chunks_stream_each_verified_sentence_then_citations_and_extra() -> None:
    final = answer("The army is capped at 600,000 troops [1]. It has 28 points [1].")
    first = AnswerSentenceVerified(text="The army is capped at 600,000 troops [1].", citations=final.citations)
    events: list[AnswerEvent] = [
        AnswerDelta(text="The army is capped "),  # draft text is never sent: it may still change
        first,
        AnswerDelta(text="It has 28 points. [4]"),
        AnswerSentenceVerified(text=" It has 28 points [1]."),
        AnswerDone(answer=final),
    ]
    chunks = list(oc.chunks(events, model="newsdesk"))
    assert chunks[0].choices[0].delta.role == "assistant"
    contents = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert contents == ["The army is capped at 600,000 troops [1].", " It has 28 points [1]."]
    assert chunks[1].citations == [f"newsdesk://article/{'a' * 16}#10-24"]  # the sentence brings its citation
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.choices[0].delta.citations == final.citations
    assert last.citations == chunks[1].citations
    assert last.newsdesk is not None and last.newsdesk.answer == final.answer
    assert len({c.id for c in chunks}) == 1


def test_a_decline_after_streamed_sentences_is_sent_as_a_withdrawal() -> None:
    declined = answer("The indexed articles don't say. The closest passage is about 2019: “600,000 troops” [1]")
    declined.abstained = True
    declined.check = AnswerCheck(
        answers_question=False, answer_type="date", anchors=["2021"], reason="it is about 2019"
    )
    events = [AnswerSentenceVerified(text="Capped at 600,000 troops [1]."), AnswerDone(answer=declined)]
    text = "".join(c.choices[0].delta.content or "" for c in oc.chunks(events, model="newsdesk"))
    assert text.startswith("Capped at 600,000 troops [1].") and text.endswith(declined.answer)
    assert f"{oc.WITHDRAWN} (it is about 2019)" in text
    # Nothing streamed (an abstention before any sentence): the verified text is sent whole, once.
    only = "".join(c.choices[0].delta.content or "" for c in oc.chunks([AnswerDone(answer=declined)], model="m"))
    assert only == declined.answer


def test_citation_refs_use_http_urls_only_else_a_stable_newsdesk_reference() -> None:
    base = answer().citations[0]
    web = base.model_copy(update={"n": 2, "url": "https://news.example/plan"})
    unsafe = base.model_copy(update={"n": 3, "url": "javascript:alert(1)", "article_id": "x/y"})
    assert oc.citation_refs([unsafe, web, base]) == [
        f"newsdesk://article/{'a' * 16}#10-24",
        "https://news.example/plan",
        "newsdesk://article/x%2Fy#10-24",
    ]
    footer = oc.sources_footer([base, web])
    assert footer.startswith("\n\n**Sources**") and "2. [Plan](https://news.example/plan)" in footer
    done = oc.completion(answer(), model="newsdesk", footer=True)
    assert done.choices[0].message.content.endswith(f"1. [Plan](newsdesk://article/{'a' * 16}#10-24)")
    assert done.citations == [f"newsdesk://article/{'a' * 16}#10-24"]
    assert oc.sources_footer([]) == ""


def test_models_say_which_parameters_each_backend_ignores() -> None:
    cards = {m.id: m for m in oc.model_list("openai").data}
    assert cards["newsdesk"].backend == "openai" and "temperature" not in cards["newsdesk"].ignored_parameters
    assert {"temperature", "max_tokens"} <= set(cards["newsdesk/extractive"].ignored_parameters)
    assert "top_p" in cards["newsdesk/openai"].ignored_parameters


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


# ---- D5: HTML in titles and sources reaches the Markdown footer as text, never as markup ------------------------
HOSTILE_TITLE = "<img src=x onerror=alert(1)><script>alert(2)</script>[click](javascript:alert(3))"
HOSTILE_SOURCE = "<svg onload=alert(4)>"


def test_v1_sources_footer_escapes_html_in_titles_and_sources(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    desk = FakeDesk(settings)
    desk.ingest_text(TEXT, title=HOSTILE_TITLE, source=HOSTILE_SOURCE)
    with serve_in_thread(create_api(desk, settings)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="k", max_retries=0)
        done = client.chat.completions.create(
            model="newsdesk",
            messages=[{"role": "user", "content": "How large may the army be?"}],
            extra_body={"newsdesk": {"sources_footer": True}},
        )
    content = done.choices[0].message.content or ""
    footer = content.split("**Sources**", 1)[1]
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in footer and "&lt;svg onload=alert(4)&gt;" in footer
    assert "<" not in footer.replace("newsdesk://", "") and ">" not in footer
    assert "\\[click\\](javascript" in footer  # escaped brackets: text, not a link


def test_layout_tidied_by_verification_is_not_a_withdrawal() -> None:
    """Verification tidies a draft's layout (list marks, two spaces after a period, trailing spaces): a client that
    streamed the sentences has the answer already, and nothing is sent again. A changed word still is."""
    final = answer("EU ministers met in Brussels [1].\n Ukraine must cap its army at 600,000 troops [2].")
    for streamed in (
        "1. EU ministers met in Brussels [1].\n2. Ukraine must cap its army at 600,000 troops [2].",
        "EU ministers met in Brussels [1].  Ukraine must cap its army at 600,000 troops [2]. ",
        "- EU ministers met in Brussels [1]. \n- Ukraine must cap its army at 600,000 troops [2].",
    ):
        assert oc.closing_text(streamed, final) == "", streamed
    changed = oc.closing_text("EU ministers met in Vienna [1]. Ukraine must cap its army at 600,000 troops [2].", final)
    assert changed.startswith(f"\n\n_{oc.WITHDRAWN}") and changed.endswith(final.answer)
    assert oc.closing_text("", final) == final.answer
