"""Issue 20's own reproduction, end to end: an LLM behind the OpenAI-compatible engine (a stub server on loopback,
reached through the real openai SDK and HTTP) keeps every name of its source but says the opposite, citing [1]. The
sample article (embedded Chroma, the real embedding model and spaCy parse) says the plan requires Kyiv to relinquish
the Donbas; the stub says Ukraine would keep it. The sentence is flagged unsupported, and every door says why in words:
the Answer (CLI --json, /api), /v1 (structured `newsdesk` field, and the streamed withdrawal), the web app's marker and
a briefing's point."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import unescape

import httpx
import pytest
from typer.testing import CliRunner

from app import cli
from app.models import BriefSelection
from app.serve.api.app import create_api
from app.serve.web.format import answer_html, briefing_html
from app.services import Newsdesk
from app.settings import Settings
from tests.conftest import SEED_FILE
from tests.fakes import serve_in_thread
from tests.stub_llm import STUB_MODEL, StubChatServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FLIP = "Ukraine would keep all of the Donbas [1]."
WHY = "contrary verb: 'would keep' vs 'to relinquish'"
PARAPHRASE = "The US plan would require Kyiv to give up the entire Donbas region [1]."
QUESTION = "What does the US plan require of Ukraine about the Donbas?"


@pytest.fixture(scope="module")
def stub() -> Iterator[StubChatServer]:
    with StubChatServer(FLIP) as server:
        yield server


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, embeddings, stub: StubChatServer) -> Newsdesk:  # type: ignore[no-untyped-def]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        index_dir=tmp_path_factory.mktemp("flip-index") / "index",
        backend="openai",
        openai_base_url=stub.base_url,
        openai_model=STUB_MODEL,
    )
    desk = Newsdesk(settings, embeddings=embeddings)
    assert len(desk.ingest([SEED_FILE]).added) == 1
    return desk


@pytest.fixture
def reply(stub: StubChatServer) -> Iterator[StubChatServer]:
    """The stub's reply may be changed by a test; it is the flip again afterwards."""
    yield stub
    stub.reply = FLIP


def test_the_flip_is_flagged_with_its_reason(desk: Newsdesk, stub: StubChatServer) -> None:
    answer = desk.ask(QUESTION)
    assert answer.backend == "openai" and answer.model == STUB_MODEL
    shown = stub.requests[-1]["messages"][-1]["content"]
    assert 'passage n="1"' in shown and "relinquish the entire Donbas" in shown  # [1] is the passage it flips
    [sentence] = answer.sentences
    assert sentence.text == "Ukraine would keep all of the Donbas." and sentence.citations == [1]
    assert not sentence.supported and WHY in sentence.reason
    # nothing supported answers the question: declined, and the verdict says what the checker found
    assert answer.abstained and answer.check is not None and not answer.check.answers_question
    assert WHY in answer.check.reason


def test_a_paraphrase_of_the_same_passage_is_accepted(desk: Newsdesk, reply: StubChatServer) -> None:
    """The control: the same path accepts a faithful paraphrase, so the flag above is the flip's, not the path's."""
    reply.reply = PARAPHRASE
    answer = desk.ask(QUESTION)
    [sentence] = answer.sentences
    assert sentence.supported, sentence.reason
    assert not answer.abstained


def test_the_web_marker_shows_the_reason(desk: Newsdesk) -> None:
    html = answer_html(desk.ask(QUESTION), "t")
    assert "nd-unverified" in html
    text = unescape(html)
    assert f'<span class="nd-why">{WHY}</span>' in text  # shown beside the flag, not only in a tooltip
    assert f"Does not answer: no sentence of the answer is supported by its citation ({WHY})" in text


def test_cli_json_and_text_carry_the_reason(desk: Newsdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    result = CliRunner().invoke(cli.cli, ["ask", "--json", QUESTION])
    data = json.loads(result.stdout)
    assert WHY in data["sentences"][0]["reason"] and not data["sentences"][0]["supported"]
    assert WHY in data["check"]["reason"]
    text = CliRunner().invoke(cli.cli, ["ask", QUESTION], env={"COLUMNS": "300"})
    assert f"unverified: Ukraine would keep all of the Donbas. ({WHY}" in text.stderr
    assert WHY in text.stdout  # the answer-level line: "answers the question: no — ... (contrary verb: ...)"


def test_api_and_v1_carry_the_reason(desk: Newsdesk) -> None:
    with serve_in_thread(create_api(desk, desk.settings)) as base, httpx.Client(base_url=base, timeout=120) as http:
        api = http.post("/api/ask", json={"question": QUESTION}).json()
        assert WHY in api["sentences"][0]["reason"] and WHY in api["check"]["reason"]

        chat = {"model": "newsdesk/openai", "messages": [{"role": "user", "content": QUESTION}]}
        v1 = http.post("/v1/chat/completions", json=chat).json()
        [sentence] = v1["newsdesk"]["sentences"]
        assert not sentence["supported"] and WHY in sentence["reason"]
        assert WHY in v1["newsdesk"]["check"]["reason"]

        # streamed: the unsupported sentence is held (it never answers the question) and never sent; the client
        # receives the decline, and the reason rides in the last chunk's verdict (a client cannot unsend text)
        with http.stream("POST", "/v1/chat/completions", json={**chat, "stream": True}) as r:
            lines = [json.loads(ln.removeprefix("data: ")) for ln in r.iter_lines() if ln.startswith("data: {")]
        content = "".join(ln["choices"][0]["delta"].get("content") or "" for ln in lines)
        assert "Donbas [1]" not in content and "withdrawn" not in content
        assert content == v1["choices"][0]["message"]["content"]
        assert WHY in lines[-1]["newsdesk"]["check"]["reason"]


def test_a_briefing_point_carries_the_reason(desk: Newsdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    briefing = desk.brief(BriefSelection(), backend="openai")
    flipped = [p for p in briefing.summary.parts if "keep all of the Donbas" in p.text]
    assert flipped and not flipped[0].supported and WHY in flipped[0].reason
    html = unescape(briefing_html(briefing, {}))
    assert f'title="Not verified: {WHY}"' in html
    monkeypatch.setattr(cli, "_desk", lambda **_: desk)
    data = json.loads(CliRunner().invoke(cli.cli, ["brief", "--json", "--backend", "openai"]).stdout)
    assert any(WHY in p["reason"] for p in data["summary"]["parts"])
    with serve_in_thread(create_api(desk, desk.settings)) as base:
        api = httpx.post(f"{base}/api/brief", json={"backend": "openai"}, timeout=120).json()
    assert any(WHY in p["reason"] for p in api["summary"]["parts"])
