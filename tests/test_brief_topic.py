"""Topic briefings (`brief --query`) draw only on articles about the topic (app.brief.topic): the rule on invented
passages, then end to end through a real index, the CLI and the HTTP API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.brief.topic import TOPIC_FLOOR, TOPIC_RELATIVE, on_topic
from app.errors import NewsdeskError
from app.models import BriefSelection, Passage
from app.retrieve.lexical import Bm25Tokenizer

tokenize = Bm25Tokenizer()


def _p(article: str, dense: float | None, text: str = "Filler words.", title: str = "") -> Passage:
    return Passage(chunk_id=f"{article}:0", article_id=article, text=text, start=0, end=len(text),
                   title=title or article, dense_score=dense)  # fmt: skip


def test_articles_nearly_as_close_as_the_best_are_kept_the_rest_dropped() -> None:
    best = 0.6
    passages = [
        _p("a", best),
        _p("b", best * TOPIC_RELATIVE + 0.01),
        _p("c", best * TOPIC_RELATIVE - 0.01),
        _p("a", 0.1),  # a second, weaker passage of a kept article stays with it
    ]
    kept = on_topic("ferry strike talks", passages, tokenize)
    assert [p.article_id for p in kept] == ["a", "b", "a"]


def test_a_topic_nothing_is_close_to_keeps_nothing() -> None:
    passages = [_p("a", TOPIC_FLOOR - 0.02), _p("b", TOPIC_FLOOR - 0.05)]
    assert on_topic("volcano eruption", passages, tokenize) == []
    assert on_topic("volcano eruption", [], tokenize) == []


def test_an_article_holding_every_word_of_the_topic_is_kept_whatever_its_similarity() -> None:
    """A name the embedding model barely places ("Tavernier") is still found by its words, in the text or title;
    an article holding only some of the words is not."""
    passages = [
        _p("a", 0.30, "Tavernier won the sprint stage on Sunday."),
        _p("b", 0.12, "The rider Tavernier crashed.", title="Stage six"),
        _p("c", 0.31, "A sprint on Sunday ended in a crash."),
        _p("d", 0.05, "Results", title="Tavernier signs for a new team"),
    ]
    assert {p.article_id for p in on_topic("Tavernier", passages, tokenize)} == {"a", "b", "d"}
    assert on_topic("Tavernier crash stats", passages, tokenize) == []  # below the floor, and no article has all


@pytest.fixture(scope="module")
def topic_desk(tmp_path_factory: pytest.TempPathFactory, embeddings):  # type: ignore[no-untyped-def]
    from app.services import Newsdesk
    from app.settings import Settings

    corpus = Path(__file__).resolve().parents[1] / "evals" / "news" / "corpus"
    files = [corpus / f"{name}.md" for name in (
        "science_01_orsova_glacier_retreat", "sports_03_velarian_cup_final_2021", "sports_04_velarian_cup_final_2023",
        "culture_08_ostrova_painting_auction", "business_07_quillfeather_ipo", "science_05_brennick_earthquake",
        "technology_05_nimbuswright_outage", "politics_07_marrowgate_autonomy_referendum",
    )]  # fmt: skip
    index = tmp_path_factory.mktemp("topic") / "index"
    desk = Newsdesk(Settings(_env_file=None, index_dir=index), embeddings=embeddings)  # type: ignore[call-arg]
    assert len(desk.ingest([str(f) for f in files]).added) == len(files)
    return desk


def test_a_topic_briefing_draws_only_on_the_articles_about_it(topic_desk) -> None:  # type: ignore[no-untyped-def]
    """Before, the briefing on the cup finals also briefed the six unrelated articles retrieval returned."""
    briefing = topic_desk.brief(BriefSelection(query="Velarian Cup football finals"), backend="extractive")
    assert {a.title for a in briefing.sources} == {
        "Rovers end long wait with Velarian Cup win over Port Anselm",
        "Athletic edge Rovers on penalties to reclaim Velarian Cup",
    }
    assert {c.article_id for c in briefing.citations} <= {a.id for a in briefing.sources}


def test_a_topic_no_article_covers_is_refused_with_the_reason(topic_desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NewsdeskError, match="no indexed article is about the topic 'hurricane damage'"):
        topic_desk.brief(BriefSelection(query="hurricane damage"), backend="extractive")


def test_every_door_refuses_an_off_topic_briefing(topic_desk, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The CLI, the HTTP API and the web app's handler share the rule (one service)."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from app import cli
    from app.serve.api.app import create_api

    monkeypatch.setattr(cli, "_desk", lambda **_: topic_desk)
    result = CliRunner().invoke(cli.cli, ["brief", "--query", "volcano eruption", "--json"])
    assert result.exit_code == cli.EXIT_ERROR and "no indexed article is about the topic" in str(result.exception)
    ok = CliRunner().invoke(cli.cli, ["brief", "--query", "Quillfeather", "--json"])
    assert ok.exit_code == 0, ok.output
    assert [a["title"] for a in json.loads(ok.stdout)["sources"]] == [
        "Quillfeather shares jump 31 percent on Lissaro debut"
    ]
    import gradio as gr

    from app.serve.web.handlers import Handlers

    with pytest.raises(gr.Error, match="no indexed article is about the topic"):  # the web app's Briefing tab
        Handlers(topic_desk, topic_desk.settings).brief(None, "volcano eruption", None, None, "short", None)
    client = TestClient(create_api(topic_desk, topic_desk.settings))
    refused = client.post("/api/brief", json={"selection": {"query": "volcano eruption"}})
    assert refused.status_code == 400 and "no indexed article is about the topic" in refused.text


def test_a_topic_has_the_questions_length_limit_and_errors_echo_it_short(
    topic_desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trial 15: /api/brief took a 100,000-character topic and echoed it twice in a 200 KB error. The limit holds at
    every door that briefs: the service, the CLI, the web app's handler and /api/brief (413)."""
    import gradio as gr
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from app import cli
    from app.limits import TopicTooLong
    from app.serve.api.app import create_api
    from app.serve.web.handlers import Handlers

    limit = topic_desk.settings.max_question_chars
    monkeypatch.setattr(cli, "_desk", lambda **_: topic_desk)
    result = CliRunner().invoke(cli.cli, ["brief", "--query", "x" * (limit + 1), "--json"])
    assert result.exit_code == cli.EXIT_ERROR and f"over the limit of {limit} characters" in str(result.exception)
    with pytest.raises(gr.Error, match=f"over the limit of {limit} characters"):
        Handlers(topic_desk, topic_desk.settings).brief(None, "x" * (limit + 1), None, None, "short", None)
    with pytest.raises(TopicTooLong, match=f"over the limit of {limit} characters"):
        topic_desk.brief(BriefSelection(query="x" * (limit + 1)), backend="extractive")
    response = TestClient(create_api(topic_desk, topic_desk.settings)).post(
        "/api/brief", json={"selection": {"query": "x" * (limit + 1)}}
    )
    assert response.status_code == 413 and len(response.text) < 1000
    with pytest.raises(NewsdeskError) as refused:
        topic_desk.brief(BriefSelection(query="volcanic ash " * 200), backend="extractive")
    assert len(str(refused.value)) < 500 and "more specific" in str(refused.value)
