"""Logging setup: structured (key=value or JSON lines), quiet by default (WARNING)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = [f"level={record.levelname.lower()}", f"logger={record.name}", f"msg={record.getMessage()!r}"]
        parts += [f"{k}={v!r}" for k, v in _extras(record).items()]
        if record.exc_info:
            parts.append(f"exc={self.formatException(record.exc_info)!r}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {"level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        data.update(
            {k: v if isinstance(v, str | int | float | bool | None) else repr(v) for k, v in _extras(record).items()}
        )
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: str = "WARNING", as_json: bool = False) -> None:
    """Route Newsdesk's logs to stderr; third-party loggers stay at WARNING unless asked for DEBUG."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else KeyValueFormatter())
    if level.upper() != "DEBUG":
        # Some libraries (bm25s) set their own loggers to DEBUG at import time; keep them quiet regardless.
        handler.addFilter(lambda r: r.levelno >= logging.WARNING or r.name == "app" or r.name.startswith("app."))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if level.upper() != "DEBUG" else logging.DEBUG)
    logging.getLogger("app").setLevel(level.upper())
    for noisy in ("bm25s", "httpx", "chromadb", "sentence_transformers", "urllib3", "gradio", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
