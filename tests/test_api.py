"""The HTTP API over a fake Newsdesk: routes, error shapes, limits, auth, SSE and the OpenAPI spec."""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from app.models import Answer, Article, ArticleInfo, Briefing, IngestReport, Passage
from app.serve import security
from app.serve.api.app import create_api
from app.serve.api.errors import classify
from app.serve.api.locks import ReadWriteLock
from app.serve.api.schemas import ErrorResponse, Health
from app.serve.evaluate import UnknownDataset, dataset_path
from app.settings import Settings
from tests.fakes import FakeDesk

TEXT = (
    "Ukraine must limit the size of its army to 600,000 troops under the plan. "
    "The plan has 28 points and was drafted in November. Officials in Kyiv said they would study it."
)


def make_client(tmp_path: Path, **overrides: Any) -> tuple[TestClient, FakeDesk]:
    settings = Settings(index_dir=tmp_path / "index", **overrides)
    desk = FakeDesk(settings)
    return TestClient(create_api(desk, settings), raise_server_exceptions=False), desk


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)[0]


def assert_error(response: Any, status: int, type_: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = ErrorResponse.model_validate(response.json()).error
    assert body.status == status
    if type_:
        assert body.type == type_
    assert "Traceback" not in response.text
    return body.model_dump()


def add_text(client: TestClient, text: str = TEXT, **kw: Any) -> Any:
    return client.post("/api/articles", json={"text": text, "title": "Peace plan", **kw})


# ---- articles -----------------------------------------------------------------------------
def test_article_lifecycle(client: TestClient) -> None:
    r = add_text(client)
    assert r.status_code == 201
    report = IngestReport.model_validate(r.json())
    [info] = report.added
    assert info.title == "Peace plan"

    again = add_text(client)
    assert again.status_code == 200
    assert [a.id for a in IngestReport.model_validate(again.json()).unchanged] == [info.id]

    listed = [ArticleInfo.model_validate(a) for a in client.get("/api/articles").json()["items"]]
    assert [a.id for a in listed] == [info.id]
    article = Article.model_validate(client.get(f"/api/articles/{info.id}").json())
    assert "600,000 troops" in article.text

    assert client.delete(f"/api/articles/{info.id}").json() == {"id": info.id, "removed": True}
    assert client.get("/api/articles").json()["items"] == []
    assert_error(client.delete(f"/api/articles/{info.id}"), 404, "not_found")
    assert_error(client.get(f"/api/articles/{info.id}"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "   \n\t "}, 400),
        ({}, 422),
        ({"text": "x", "url": "https://example.com"}, 422),
        ({"text": "x", "extra": 1}, 422),
        ({"text": 12}, 422),
        ([1, 2], 422),
    ],
)
def test_bad_json_articles_are_4xx_and_change_nothing(client: TestClient, body: Any, status: int) -> None:
    add_text(client)
    before = client.get("/api/articles").json()["items"]
    assert_error(client.post("/api/articles", json=body), status)
    assert client.get("/api/articles").json()["items"] == before


def test_malformed_json_and_wrong_content_type(client: TestClient) -> None:
    assert_error(
        client.post("/api/articles", content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "bad_request",
    )
    assert_error(
        client.post("/api/articles", content=b"hello", headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert_error(
        client.post("/api/articles", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}), 400
    )
    assert_error(client.post("/api/search", content=b"[", headers={"content-type": "application/json"}), 400)


def test_json_body_limit_by_length_and_by_stream(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path, api_max_json_bytes=10_000)
    big = {"text": "word " * 5000}
    assert_error(client.post("/api/articles", json=big), 413, "payload_too_large")

    def chunks() -> Any:  # no Content-Length: the limit is enforced while reading
        for _ in range(30):
            yield b" " * 1000
        yield json.dumps({"text": TEXT}).encode()

    assert_error(client.post("/api/articles", content=chunks(), headers={"content-type": "application/json"}), 413)
    assert desk.docs == {}
    assert add_text(client).status_code == 201  # the server is still fine


def test_article_text_limit(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path, api_max_article_chars=100)
    assert_error(add_text(client, "Long sentence here. " * 10), 413, "payload_too_large")
    assert desk.docs == {}


# ---- uploads --------------------------------------------------------------------------------
def test_upload_files_with_hostile_names(client: TestClient, tmp_path: Path) -> None:
    files = [
        ("file", ("../../../../tmp/evil.txt", TEXT.encode(), "text/plain")),
        (
            "file",
            (
                "C:\\Windows\\system32\\notes.md",
                b"# Notes\n\nThe summit was held in Geneva on Monday.",
                "text/markdown",
            ),
        ),
    ]
    r = client.post("/api/articles", files=files)
    assert r.status_code == 201, r.text
    report = IngestReport.model_validate(r.json())
    assert len(report.added) == 2
    assert not Path("/tmp/evil.txt").exists() or Path("/tmp/evil.txt").read_bytes() != TEXT.encode()


def test_upload_limits(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path, max_file_bytes=1000, max_upload_files=2)
    assert_error(
        client.post("/api/articles", files=[("file", ("a.exe", b"MZ\x90\x00", "application/octet-stream"))]), 415
    )
    assert_error(client.post("/api/articles", files=[("file", ("a.txt", b"x" * 1500, "text/plain"))]), 413)
    three = [("file", (f"{i}.txt", f"Story number {i} is here.".encode(), "text/plain")) for i in range(3)]
    assert_error(client.post("/api/articles", files=three), 413)
    assert_error(client.post("/api/articles", files=[("other", ("a.txt", b"Hello there.", "text/plain"))]), 400)
    assert_error(client.post("/api/articles", files=[("file", ("bin.txt", bytes(range(256)) * 3, "text/plain"))]), 400)
    # One bad file rejects the whole request: nothing is ingested.
    mixed = [("file", ("good.txt", TEXT.encode(), "text/plain")), ("file", ("bad.txt", b"", "text/plain"))]
    assert_error(client.post("/api/articles", files=mixed), 400)
    assert desk.docs == {}


def test_url_ingest_reads_the_url_through_the_service(tmp_path: Path) -> None:
    from app.ingest.formats import LoadError
    from app.text import build_article

    client, desk = make_client(tmp_path)
    desk.pages = {
        "https://example.com/a": [
            build_article("From the web", TEXT, source="example.com", url="https://example.com/a")
        ],
        "http://private.test/": LoadError("http://private.test/", "refusing a private address"),
        "http://huge.test/": LoadError("http://huge.test/", "response is over the 10-byte limit (max_url_bytes)"),
    }
    assert client.post("/api/articles", json={"url": "https://example.com/a"}).status_code == 201
    assert_error(client.post("/api/articles", json={"url": "http://private.test/"}), 400, "bad_input")
    assert_error(client.post("/api/articles", json={"url": "http://huge.test/"}), 413)
    assert desk.fetched == ["https://example.com/a", "http://private.test/", "http://huge.test/"]
    assert len(desk.docs) == 1


def test_uploads_are_parsed_in_memory_and_errors_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def no_temp_files(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temp_files)
    monkeypatch.setattr(tempfile, "mkdtemp", no_temp_files)
    client, desk = make_client(tmp_path)
    ok = client.post(
        "/api/articles",
        files=[("file", ("notes.md", b"# Notes\n\nThe summit was held in Geneva on Monday.", "text/markdown"))],
    )
    assert ok.status_code == 201, ok.text
    [info] = IngestReport.model_validate(ok.json()).added
    assert (info.title, info.source) == ("Notes", "notes")
    err = assert_error(
        client.post("/api/articles", files=[("file", ("../x/empty.txt", b"  ", "text/plain"))]), 400, "bad_input"
    )
    assert err["message"] == "empty.txt: empty"  # the client's file name, not a server path
    assert [a.title for a in desk.docs.values()] == ["Notes"]


# ---- questions ------------------------------------------------------------------------------
def test_search_ask_brief(client: TestClient) -> None:
    add_text(client)
    passages = [
        Passage.model_validate(p) for p in client.post("/api/search", json={"query": "army troops", "k": 2}).json()
    ]
    assert passages and "army" in passages[0].text
    answer = Answer.model_validate(client.post("/api/ask", json={"question": "How large may the army be?"}).json())
    assert "[1]" in answer.answer and answer.citations[0].quote in TEXT
    assert answer.check is not None and answer.check.answers_question  # the answer-level verdict rides along
    briefing = Briefing.model_validate(client.post("/api/brief", json={"length": "short"}).json())
    assert briefing.length == "short" and briefing.headline == "Peace plan"
    assert_error(client.post("/api/search", json={"query": ""}), 422, "invalid_request")
    assert_error(client.post("/api/ask", json={"question": "x", "backend": "gpt-99"}), 422)
    assert_error(client.post("/api/brief", json={"length": "epic"}), 422)
    empty = assert_error(client.post("/api/brief", json={"selection": {"article_ids": []}}), 422, "invalid_request")
    assert "article_ids is empty" in json.dumps(empty)  # an empty selection is refused, not read as "every article"
    for loose in ("false", 1, "yes"):  # request booleans are JSON booleans only
        assert_error(client.post("/api/ask", json={"question": "Who?", "strict": loose}), 422)
        assert_error(client.post("/api/brief", json={"strict": loose}), 422)
        assert_error(client.post("/api/brief", json={"selection": {"since_last_briefing": loose}}), 422)


def parse_sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_stream_sends_deltas_then_the_verified_answer(client: TestClient) -> None:
    add_text(client)
    with client.stream("POST", "/api/ask", json={"question": "How large may the army be?", "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(r.read().decode())
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta", "sentence"} and len(kinds) > 2
    final = Answer.model_validate(events[-1][1])
    deltas = [d for k, d in events if k == "delta"]
    assert "".join(d["text"] for d in deltas) == final.answer and all(d["draft"] is True for d in deltas)
    assert "".join(d["text"] for k, d in events if k == "sentence") == final.answer  # verified pieces
    assert final.citations and final.citations[0].n == 1


def test_stream_errors_before_first_event_are_http_errors(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path)
    desk.store.client.down = True
    assert_error(client.post("/api/ask", json={"question": "army?", "stream": True}), 503, "unavailable")


# ---- health and errors ----------------------------------------------------------------------
def test_healthz_reports_counts_and_503_when_store_down(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path)
    add_text(client)
    health = Health.model_validate(client.get("/healthz").json())
    assert (health.status, health.articles, health.backend, health.store) == ("ok", 1, "extractive", "embedded")
    desk.store.client.down = True
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
    assert_error(client.get("/api/articles"), 503, "unavailable")


def test_unexpected_errors_are_500_without_details(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path)
    desk.fail_with = RuntimeError("secret-internal-detail at /srv/x.py")
    err = assert_error(client.get("/api/articles"), 500, "internal_error")
    assert "secret" not in err["message"] and "/srv" not in err["message"]


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_error(client.get("/api/nope"), 404, "not_found")
    assert_error(client.put("/api/articles"), 405)


def test_classify_maps_loader_and_store_errors() -> None:
    from app.ingest.loaders import LoadError
    from app.store.chroma import StoreUnavailable

    assert classify(LoadError("a.txt", "binary file, not text")).status == 400  # type: ignore[union-attr]
    assert classify(LoadError("a.txt", "file is 9 bytes, over the 1-byte limit (max_file_bytes)")).status == 413  # type: ignore[union-attr]
    assert classify(LoadError("a.xyz", "unsupported file type '.xyz'")).status == 415  # type: ignore[union-attr]
    assert classify(StoreUnavailable("down")).status == 503  # type: ignore[union-attr]
    assert classify(KeyError("x")) is None


# ---- auth -----------------------------------------------------------------------------------
def test_token_guards_writes_on_loopback(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path, api_token=SecretStr("s3cret"))
    r = add_text(client)
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/api/articles", json={"text": TEXT}, headers={"Authorization": "Bearer wrong"}), 401)
    assert (
        client.post("/api/articles", json={"text": TEXT}, headers={"Authorization": "Bearer s3cret"}).status_code == 201
    )
    assert client.get("/api/articles").status_code == 200  # reads stay open on loopback
    assert client.post("/api/ask", json={"question": "army?"}).status_code == 200
    [a] = client.get("/api/articles").json()["items"]
    assert_error(client.delete(f"/api/articles/{a['id']}"), 401)


def test_non_loopback_bind_guards_everything_but_healthz(tmp_path: Path) -> None:
    client, _ = make_client(
        tmp_path, host="0.0.0.0", api_token=SecretStr("tok"), auth_user="ed", auth_password=SecretStr("pw")
    )
    assert client.get("/healthz").status_code == 200
    for method, path in [
        ("GET", "/api/articles"),
        ("POST", "/api/ask"),
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
    ]:
        assert_error(client.request(method, path, json={}), 401)
    assert client.get("/api/articles", headers={"Authorization": "Bearer tok"}).status_code == 200
    basic = base64.b64encode(b"ed:pw").decode()
    assert client.get("/v1/models", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    wrong = base64.b64encode(b"ed:nope").decode()
    assert_error(client.get("/v1/models", headers={"Authorization": f"Basic {wrong}"}), 401)


def test_check_bind_rules() -> None:
    security.check_bind(Settings(host="127.0.0.1"))
    security.check_bind(Settings(host="localhost"))
    security.check_bind(Settings(host="::1"))
    security.check_bind(Settings(host="0.0.0.0", api_token=SecretStr("t")))
    security.check_bind(Settings(host="0.0.0.0", auth_user="u", auth_password=SecretStr("p")))
    for host in ("0.0.0.0", "::", "192.168.1.4", "example.com"):
        with pytest.raises(security.UnsafeBindError, match="NEWSDESK_API_TOKEN"):
            security.check_bind(Settings(host=host))
    with pytest.raises(security.UnsafeBindError):
        security.check_bind(Settings(host="0.0.0.0", api_token=SecretStr("")))


def test_serve_refuses_public_bind_without_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import EXIT_ERROR, main

    monkeypatch.setenv("NEWSDESK_HOST", "0.0.0.0")
    monkeypatch.setattr("sys.argv", ["newsdesk", "serve", "--api-only", "--no-sample"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == EXIT_ERROR
    assert "refusing to serve on '0.0.0.0'" in capsys.readouterr().err


@given(st.text(max_size=300))
def test_safe_filename_never_escapes(name: str) -> None:
    safe = security.safe_filename(name)
    assert safe and len(safe) <= 120
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith(".") and safe not in ("..", ".")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y\\report.pdf", "report.pdf"),
        (".bashrc", "bashrc"),
        ("", "upload"),
        ("a b/../c d.txt", "c d.txt"),
        ("naïve café.md", "naive cafe.md"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_filename_examples(raw: str, expected: str) -> None:
    assert security.safe_filename(raw) == expected


# ---- concurrency ----------------------------------------------------------------------------
def test_read_write_lock_excludes_writers_from_readers() -> None:
    lock, log = ReadWriteLock(), []

    def reader() -> None:
        with lock.read():
            log.append("r+")
            time.sleep(0.05)
            log.append("r-")

    def writer() -> None:
        with lock.write():
            log.append("w+")
            time.sleep(0.02)
            log.append("w-")

    threads = [threading.Thread(target=f) for f in (reader, reader, writer, reader)]
    for t in threads:
        t.start()
        time.sleep(0.005)
    for t in threads:
        t.join(5)
    w = log.index("w+")
    assert log[w + 1] == "w-"  # nothing interleaves a write
    assert log.count("r+") == 3


# ---- eval -----------------------------------------------------------------------------------
def test_eval_route_runs_the_injected_runner(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from app.evaluation.metrics import aggregate
    from app.evaluation.results import EvalReport, RetrievalScores

    settings = Settings(index_dir=tmp_path / "index")
    calls: list[Any] = []

    def evaluate(desk: Any, datasets: list[Path], backends: list[str], **kw: Any) -> EvalReport:
        calls.append((desk, datasets, backends, kw))
        return EvalReport(
            created_at=datetime.now(UTC),
            run_seconds=0.0,
            config={"k": 3},
            versions={},
            datasets=[],
            retrieval=RetrievalScores(k=3, evidence_recall_at_k=aggregate([]), mrr=aggregate([])),
            backends={},
        )

    desk = FakeDesk(settings)
    client = TestClient(create_api(desk, settings, evaluate=evaluate), raise_server_exceptions=False)
    r = client.post("/api/eval", json={"dataset": "sample_qa", "limit": 2})
    assert r.status_code == 200, r.text
    assert r.json()["retrieval"]["k"] == 3
    [(seen_desk, datasets, backends, kw)] = calls
    assert seen_desk is desk and [p.name for p in datasets] == ["sample_qa.jsonl"] and backends == ["extractive"]
    assert kw == {"k": None, "corpus": "sample", "limit": 2}
    assert_error(client.post("/api/eval", json={"dataset": "../secrets"}), 422)
    assert_error(client.post("/api/eval", json={"dataset": "nope"}), 404, "not_found")


def test_dataset_path_stays_in_evals() -> None:
    assert dataset_path("sample_qa").name == "sample_qa.jsonl"
    for bad in ("nope", "..", "../pyproject"):
        with pytest.raises(UnknownDataset):
            dataset_path(bad)


# ---- OpenAPI --------------------------------------------------------------------------------
EXPECTED_ROUTES = {
    ("/api/articles", "get"),
    ("/api/articles", "post"),
    ("/api/articles/{article_id}", "get"),
    ("/api/articles/{article_id}", "delete"),
    ("/api/articles/remove", "post"),
    ("/api/sources", "get"),
    ("/api/search", "post"),
    ("/api/ask", "post"),
    ("/api/brief", "post"),
    ("/api/eval", "post"),
    ("/api/feeds", "get"),
    ("/api/feeds", "post"),
    ("/api/feeds", "delete"),
    ("/api/feeds/refresh", "post"),
    ("/healthz", "get"),
    ("/v1/chat/completions", "post"),
    ("/v1/models", "get"),
}


def _ref(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list[{_ref(schema['items'])}]"
    return json.dumps(schema, sort_keys=True)


def test_openapi_lists_every_route_with_its_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert routes == EXPECTED_ROUTES
    ok = {
        ("/api/articles", "get", "200"): "ArticlePage",
        ("/api/articles/remove", "post", "200"): "Removal",
        ("/api/sources", "get", "200"): "list[SourceFacet]",
        ("/api/articles", "post", "201"): "IngestReport",
        ("/api/articles/{article_id}", "get", "200"): "Article",
        ("/api/search", "post", "200"): "list[Passage]",
        ("/api/ask", "post", "200"): "Answer",
        ("/api/brief", "post", "200"): "Briefing",
        ("/api/eval", "post", "200"): "EvalReport",
        ("/api/feeds", "get", "200"): "list[FeedInfo]",
        ("/api/feeds", "post", "201"): "FeedInfo",
        ("/api/feeds/refresh", "post", "200"): "list[FeedRefresh]",
        ("/healthz", "get", "200"): "Health",
        ("/v1/chat/completions", "post", "200"): "ChatCompletion",
        ("/v1/models", "get", "200"): "ModelList",
    }
    for (path, method, code), model in ok.items():
        schema = spec["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
        assert _ref(schema) == model, (path, method)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if path != "/healthz":
                assert _ref(op["responses"]["422"]["content"]["application/json"]["schema"]) == "ErrorResponse", (
                    path,
                    method,
                )
    body = spec["paths"]["/api/articles"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_an_unconfigured_backend_is_the_callers_error(tmp_path: Path) -> None:
    client, desk = make_client(tmp_path)
    add_text(client)
    desk.unavailable = {"openai"}
    assert_error(client.post("/api/ask", json={"question": "army?", "backend": "openai"}), 400, "backend_unavailable")
    assert_error(client.post("/api/ask", json={"question": "army?", "backend": "openai", "stream": True}), 400)
    assert_error(client.post("/api/brief", json={"backend": "openai"}), 400, "backend_unavailable")
    chat = {"model": "newsdesk/openai", "messages": [{"role": "user", "content": "army?"}]}
    assert_error(client.post("/v1/chat/completions", json=chat), 404, "model_not_found")
    assert client.post("/api/ask", json={"question": "army?", "backend": "extractive"}).status_code == 200


@pytest.mark.slow
def test_build_app_serves_the_api_and_the_web_app_together(tmp_path: Path) -> None:
    from app.serve.server import build_app

    settings = Settings(index_dir=tmp_path / "index")
    desk = FakeDesk(settings)
    app = build_app(settings, desk=desk, ensure_sample=False)
    client = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)  # a name it answers (hosts)
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.post("/api/articles", json={"text": TEXT}).status_code == 201
    assert client.get("/v1/models").json()["data"][0]["id"] == "newsdesk"
    page = client.get("/")
    assert page.status_code == 200 and "gradio" in page.text.lower()
    assert_error(client.get("/api/nope"), 404)  # API paths never fall through to the web app
    assert {r["id"] for r in client.get("/api/articles").json()["items"]} == set(desk.docs)
