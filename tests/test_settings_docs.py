"""Settings: the standard OPENAI_* fallbacks, embeddings against compatible servers, and the documents generated from
the settings object (.env.example, the README table) kept in sync with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import Settings, env_example, settings_table
from app.store.embeddings import make_embeddings

ROOT = Path(__file__).resolve().parents[1]


def test_openai_variables_are_the_fallback_of_the_newsdesk_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-standard")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_MODEL", "llama3")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.openai_api_key is not None and s.openai_api_key.get_secret_value() == "sk-standard"
    assert (s.openai_base_url, s.openai_model) == ("http://127.0.0.1:11434/v1", "llama3")
    monkeypatch.setenv("NEWSDESK_OPENAI_MODEL", "qwen")  # the Newsdesk variable wins
    assert Settings(_env_file=None).openai_model == "qwen"  # type: ignore[call-arg]
    assert Settings(_env_file=None, openai_model="by-name").openai_model == "by-name"  # type: ignore[call-arg]


def test_openai_fallback_is_read_from_a_dotenv_file_too(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-file\nNEWSDESK_K=9\n", encoding="utf-8")
    s = Settings(_env_file=env)  # type: ignore[call-arg]
    assert s.openai_api_key is not None and s.openai_api_key.get_secret_value() == "sk-file" and s.k == 9


def test_custom_embeddings_server_gets_text_not_token_ids() -> None:
    compatible = make_embeddings(
        Settings(_env_file=None, embedding_provider="openai", openai_base_url="http://127.0.0.1:9/v1")
    )  # type: ignore[call-arg]
    assert compatible.check_embedding_ctx_length is False  # type: ignore[attr-defined]
    hosted = make_embeddings(Settings(_env_file=None, embedding_provider="openai", openai_api_key="sk-x"))  # type: ignore[call-arg]
    assert hosted.check_embedding_ctx_length is True  # type: ignore[attr-defined]


def test_embeddings_server_named_by_the_standard_variable_gets_text_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")  # Ollama's, through the OPENAI_* fallback
    monkeypatch.setenv("NEWSDESK_EMBEDDING_PROVIDER", "openai")
    assert make_embeddings(Settings(_env_file=None)).check_embedding_ctx_length is False  # type: ignore[attr-defined,call-arg]


def test_env_example_is_generated_from_the_settings_and_in_sync() -> None:
    text = env_example()
    for name in Settings.model_fields:
        assert f"# NEWSDESK_{name.upper()}=" in text
    assert "# NEWSDESK_K=6\n" in text and "# NEWSDESK_URL_ALLOWLIST=[]\n" in text
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == text, (
        "run: newsdesk settings --env-example > .env.example"
    )
    result = CliRunner().invoke(cli, ["settings", "--env-example"])
    assert result.exit_code == 0 and result.stdout == text


def test_readme_table_covers_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "run: newsdesk settings --markdown, and paste it into README's Configuration"
    for name, field in Settings.model_fields.items():
        assert f"`NEWSDESK_{name.upper()}`" in readme and field.description


def test_settings_command_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_API_TOKEN", "very-secret")
    result = CliRunner().invoke(cli, ["settings"])
    assert result.exit_code == 0 and "very-secret" not in result.stdout and "NEWSDESK_API_TOKEN=**" in result.stdout
