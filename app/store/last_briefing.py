"""When this index was last briefed, kept beside it in `last_briefing.json` (issue 16: "since my last briefing")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.store.jsonfile import read_json, write_json

FILE_NAME = "last_briefing.json"


def last_briefing(index_dir: Path) -> datetime | None:
    value = read_json(Path(index_dir) / FILE_NAME, {}).get("at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def mark_briefing(index_dir: Path, at: datetime) -> None:
    write_json(Path(index_dir) / FILE_NAME, {"at": at.isoformat()})
