"""The package as users install it: a wheel built from the checkout, installed (not editable) into a fresh virtualenv,
used from a folder outside the checkout. Prompts, web assets, the sample and eval data must ship inside the wheel."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.procs import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return next(out.glob("newsdesk-*.whl"))


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A new venv holding only the wheel; its dependencies come from the test venv's site-packages as a plain path
    (a .pth line), so the checkout's editable install is not visible there."""
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True, timeout=300
    )
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "newsdesk_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def _env(index: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_") and k != "PYTHONPATH"}
    env.update({"NEWSDESK_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"})  # fmt: skip
    return env


def test_wheel_ships_prompts_static_files_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in (ROOT / "app" / "prompts").glob("*.md"):
        assert f"app/prompts/{prompt.name}" in names
    assert {"app/serve/web/static/newsdesk.css", "app/serve/web/static/newsdesk.js"} <= names
    assert {"app/evaluation/data/sample_qa.jsonl", "app/evaluation/data/support_pairs.jsonl"} <= names
    assert any(n.startswith("app/data/sample/") for n in names)
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_installed_wheel_ingests_answers_and_serves(fresh_venv: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"  # not the checkout: nothing may be read from the source tree
    work.mkdir()
    env = _env(tmp_path / "index")
    bin_ = fresh_venv / "bin"
    where = subprocess.run([str(bin_ / "python"), "-c", "import app; print(app.__file__)"], cwd=work, env=env,
                           check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert str(fresh_venv) in where and str(ROOT) not in where

    article = work / "story.md"
    article.write_text("---\ntitle: Harbour bridge reopens\nsource: Test Wire\npublished: 2026-03-02\n---\n"
                       "The Harbour bridge reopened on Monday after eight months of repairs. The works cost 41 million "
                       "euros, the city council said. Mayor Ilse Brandt called the reopening a relief for commuters.\n")  # fmt: skip
    ingest = subprocess.run([str(bin_ / "newsdesk"), "ingest", str(article)], cwd=work, env=env,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr
    ask = subprocess.run([str(bin_ / "newsdesk"), "ask", "How much did the bridge repairs cost?", "--json"], cwd=work,
                         env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert not answer["abstained"] and "41 million" in answer["answer"]
    assert answer["citations"] and "41 million" in answer["citations"][0]["quote"]

    port = free_port()
    server = start_server([str(bin_ / "newsdesk"), "serve", "--port", str(port)], f"http://127.0.0.1:{port}/healthz",
                          tmp_path / "serve.log", timeout=300, env=env, cwd=work)  # fmt: skip
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30, follow_redirects=True)
        assert page.status_code == 200
        config = httpx.get(f"http://127.0.0.1:{port}/config", timeout=30).json()
        css = (ROOT / "app" / "serve" / "web" / "static" / "newsdesk.css").read_text(encoding="utf-8")
        first_rule = next(line for line in css.splitlines() if line.strip().endswith("{")).strip()
        assert first_rule in (config.get("css") or "")  # the stylesheet shipped in the wheel is served
    finally:
        stop_server(server)
