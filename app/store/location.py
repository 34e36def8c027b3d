"""Whether an index folder holds an index: commands that only read must not create an empty one where a typo in
`--index` or NEWSDESK_INDEX_DIR points (they would then answer "the articles don't say" from nothing)."""

from __future__ import annotations

from pathlib import Path

from app.errors import NewsdeskError
from app.settings import Settings

CHROMA_FILE = "chroma.sqlite3"  # what Chroma's PersistentClient writes first in the folder it is given


class IndexMissing(NewsdeskError):
    """A command that reads the index was pointed at a folder that holds none."""


def holds_index(path: Path) -> bool:
    return (Path(path) / CHROMA_FILE).is_file()


def require_index(settings: Settings) -> None:
    """Raise IndexMissing when the settings name a local index folder with no index in it (a server store is always
    there: its own errors say when it is not)."""
    if settings.chroma_url or holds_index(settings.index_dir):
        return
    where = settings.index_dir
    state = "does not exist" if not where.exists() else "holds no index"
    raise IndexMissing(
        f"no index at {where} (the folder {state}). Check --index or NEWSDESK_INDEX_DIR, "
        "or add articles first: newsdesk ingest FILES"
    )
