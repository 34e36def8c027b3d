"""Whether an index folder holds an index: commands that only read must not create an empty one where a typo in
`--index` or NEWSDESK_INDEX_DIR points (they would then answer "the articles don't say" from nothing), and no command
may treat a file as the folder."""

from __future__ import annotations

from pathlib import Path

from app.errors import NewsdeskError
from app.settings import Settings
from app.store import feeds

CHROMA_FILE = "chroma.sqlite3"  # what Chroma's PersistentClient writes first in the folder it is given


class IndexMissing(NewsdeskError):
    """A command was pointed at a folder that holds no index, or at a file."""


def holds_index(path: Path) -> bool:
    """A folder Newsdesk has written: a Chroma index, or the subscriptions of `feeds add` waiting for a refresh."""
    return (Path(path) / CHROMA_FILE).is_file() or (Path(path) / feeds.FILE_NAME).is_file()


def require_index(settings: Settings, *, reads: bool = True) -> None:
    """Raise IndexMissing when the index folder is a file, or (for a command that reads) holds no index. A server store
    (NEWSDESK_CHROMA_URL) keeps the articles; its own errors say when it is not there."""
    where = settings.index_dir
    if where.exists() and not where.is_dir():
        raise IndexMissing(f"{where.resolve()} is a file, not an index folder (check --index or NEWSDESK_INDEX_DIR)")
    blocker = next((p for p in where.absolute().parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:  # 'afile/sub': no folder can be made under a file
        raise IndexMissing(
            f"{blocker.resolve()} is a file, so no index folder can be at {where.absolute()} "
            "(check --index or NEWSDESK_INDEX_DIR)"
        )
    if not reads or settings.chroma_url or holds_index(where):
        return
    state = "does not exist" if not where.exists() else "holds no index"
    raise IndexMissing(
        f"no index at {where.resolve()} (the folder {state}). Check --index or NEWSDESK_INDEX_DIR, "
        "or add articles first: newsdesk ingest FILES"
    )
