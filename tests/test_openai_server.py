"""The `openai` backend end to end: the real openai SDK (through ChatOpenAI) against `python -m llama_cpp.server`
serving the bundled SmolLM2 GGUF on loopback. The tiny model's answers are not asserted to be right — only that
streaming works, [n] markers are parsed, unsupported sentences are flagged and the Answer is well formed."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import httpx
import pytest
from langchain_core.messages import HumanMessage

from app.answer.engines import make_engine
from app.answer.engines.llamacpp import bundled_gguf_path
from app.models import ABSTAIN_PREFIX, AnswerDelta, AnswerDone
from app.verify.citations import verify
from tests.procs import free_port, start_server, stop_server

pytestmark = [pytest.mark.server, pytest.mark.e2e, pytest.mark.llm, pytest.mark.slow]

MODEL_ALIAS = "smollm2-135m"
STARTUP_SECONDS = 180


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` with the bundled GGUF on a free loopback port; yields its /v1 base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf_path()), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--seed", "0",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    proc = start_server(cmd, f"{base}/models", log_path, timeout=STARTUP_SECONDS, env={**os.environ})
    try:
        yield base
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def server_settings(sample_desk, llama_server):  # type: ignore[no-untyped-def]
    return sample_desk.settings.model_copy(
        update={
            "openai_base_url": llama_server,
            "openai_model": MODEL_ALIAS,
            "max_answer_tokens": 60,
            "openai_timeout": 600,
        }
    )


def test_server_lists_the_model(llama_server: str) -> None:
    ids = [m["id"] for m in httpx.get(f"{llama_server}/models", timeout=10).json()["data"]]
    assert MODEL_ALIAS in ids


def test_chatopenai_streams_tokens_from_the_server(server_settings) -> None:  # type: ignore[no-untyped-def]
    backend = make_engine("openai", server_settings)
    assert backend.label == f"{MODEL_ALIAS} via OpenAI-compatible server at {server_settings.openai_base_url}"
    chunks = [c.text for c in backend.chat_model.stream([HumanMessage(content="Count from one to five.")])]  # type: ignore[union-attr]
    assert len([c for c in chunks if c]) > 1
    assert "".join(chunks).strip()


def test_markers_in_real_server_output_are_parsed_and_checked(sample_desk, server_settings) -> None:  # type: ignore[no-untyped-def]
    """The model copies a line with a valid and an out-of-range marker; verification parses both from its output."""
    backend = make_engine("openai", server_settings)
    line = "EU foreign ministers met in Brussels [1]. Paris hosted them [7]."
    prompt = f"Repeat this text exactly, with nothing before or after it:\n{line}"
    text = backend.chat_model.invoke([HumanMessage(content=prompt)]).text  # type: ignore[union-attr]
    assert "[1]" in text and "[7]" in text, text
    passages = sample_desk.search("Where did EU foreign ministers meet?", k=3)
    passages = sorted(passages, key=lambda p: "meeting in Brussels" not in p.text)  # the Brussels passage is [1]
    v = verify(text, passages, sample_desk.checker)
    by_text = {s.text: s for s in v.sentences}
    brussels = next(s for t, s in by_text.items() if "Brussels" in t)
    paris = next(s for t, s in by_text.items() if "Paris" in t)
    assert brussels.supported and brussels.citations == [1]
    assert not paris.supported and "[7]" in paris.reason


@pytest.mark.parametrize("question", ["Who is the Kremlin spokesman?", "Where did EU foreign ministers meet?"])
def test_openai_backend_answers_through_the_chain(sample_desk, server_settings, question: str) -> None:  # type: ignore[no-untyped-def]
    from app.verify.grounded import stream_answer

    backend = make_engine("openai", server_settings)
    events = list(
        stream_answer(
            question,
            [],
            retriever=sample_desk.retriever,
            engine=backend,
            checker=sample_desk.checker,
            settings=server_settings,
            k=4,
        )
    )
    deltas = [e.text for e in events if isinstance(e, AnswerDelta)]
    [done] = [e for e in events if isinstance(e, AnswerDone)]
    answer = done.answer
    assert answer.backend == "openai" and answer.model == MODEL_ALIAS and answer.question == question
    assert answer.timings.generate_ms > 0 and answer.timings.total_ms > 0
    if answer.abstained:  # declined by the model, or by the answer-level check (then with the closest passage)
        assert answer.answer.startswith(ABSTAIN_PREFIX)
        assert not answer.citations or (answer.check is not None and not answer.check.answers_question)
        return
    assert len(deltas) > 1  # streamed, not one blob
    assert answer.sentences and answer.check is not None and answer.check.answers_question
    article = sample_desk.get_article(sample_desk.articles()[0].id)
    numbers = {c.n for c in answer.citations}
    for s in answer.sentences:
        assert set(s.citations) <= numbers
        if not s.citations:
            assert not s.supported  # a sentence without a citation never counts as supported
        assert 0.0 <= s.score <= 1.0 and s.reason
    for c in answer.citations:
        assert article.text[c.start : c.end] == c.quote
