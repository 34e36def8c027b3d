"""Real servers as subprocesses for end-to-end tests: free loopback ports, bounded readiness waits, clean stops."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx


def server_env(folder: Path, port: int, **newsdesk: str) -> dict[str, str]:
    """The environment of a `newsdesk serve` under test: this process's, minus every NEWSDESK_ setting, plus a fresh
    index in folder, loopback on port, offline models and gradio files kept in folder; newsdesk adds NEWSDESK_ settings
    (`url_allowlist='["127.0.0.1"]'` sets NEWSDESK_URL_ALLOWLIST)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update({
        "NEWSDESK_INDEX_DIR": str(folder / "index"), "NEWSDESK_HOST": "127.0.0.1", "NEWSDESK_PORT": str(port),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False", "GRADIO_TEMP_DIR": str(folder / "gradio"),
        **{f"NEWSDESK_{k.upper()}": v for k, v in newsdesk.items()},
    })  # fmt: skip
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(log: Path, n: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def start_server(
    cmd: list[str],
    ready_url: str,
    log: Path,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start `cmd` (output to `log`) and wait until `ready_url` answers 200; raise with the log's tail if it never does."""
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}: {_tail(log)}")
        try:
            if httpx.get(ready_url, timeout=2.0).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"{ready_url} not up within {timeout:.0f} s: {_tail(log)}")
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate, then kill after a bounded wait."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
