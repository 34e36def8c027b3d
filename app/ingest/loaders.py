"""Inputs -> Articles: files, folders and URLs dispatched to their format's parser, every failure reported per input."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from app.ingest.feed_pull import ItemResult, feed_results, fetch_feed_or_page
from app.ingest.formats import SUPPORTED_SUFFIXES, LoadError, is_url, load_bytes, load_text, supported_types
from app.models import Article
from app.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["LoadError", "is_url", "iter_load", "load_path", "load_text", "supported_types"]


# --- Public entry points --------------------------------------------------------------------------------------------


def load_path(path: str | Path, settings: Settings, *, errors: list[LoadError] | None = None) -> list[Article]:
    """Articles from a file or, recursively, a directory.

    Without `errors` the first bad file or record raises LoadError; with it, problems are appended there and
    the rest still loads (use `iter_load` to see which input each result belongs to).
    """
    articles: list[Article] = []
    for _, result in _iter_path(Path(path), settings):
        if isinstance(result, LoadError):
            if errors is None:
                raise result
            errors.append(result)
        else:
            articles.extend(result)
    return articles


def iter_load(inputs: list[str], settings: Settings) -> Iterator[tuple[str, ItemResult]]:
    """(input, articles or error or note) per file, directory member, http(s) URL or feed item; never raises for a
    bad input.

    A JSON/JSONL file with some bad records yields its good articles and then one LoadError per bad record. A URL
    that serves an RSS/Atom feed yields each item (labelled by its link); an item indexed from the feed's own text
    is preceded by an IngestNote saying so.
    """
    for raw in inputs:
        item = str(raw).strip()
        if is_url(item):
            yield from _iter_url(item, settings)
        else:
            yield from _iter_path(Path(item).expanduser(), settings)


# --- Dispatch -------------------------------------------------------------------------------------------------------


def _guarded(
    name: str, load: Callable[[list[LoadError]], list[Article]]
) -> Iterator[tuple[str, list[Article] | LoadError]]:
    """Run one input's loader; its articles, then each bad record, or one error line for the whole input."""
    errors: list[LoadError] = []
    try:
        articles = load(errors)
    except LoadError as e:
        yield name, e
        return
    except Exception as e:  # one input's parser bug must not stop the others; logged with its traceback
        logger.warning("unexpected error loading %s", name, exc_info=True)
        yield name, LoadError(name, f"unexpected error: {type(e).__name__}: {e}")
        return
    if articles:
        yield name, articles
    for err in errors:
        yield name, err


def _iter_url(url: str, settings: Settings) -> Iterator[tuple[str, ItemResult]]:
    try:
        fetched = fetch_feed_or_page(url, settings)
        yield from feed_results(fetched, url, settings)
    except LoadError as e:
        yield url, e
    except Exception as e:  # one input's parser bug must not stop the others; logged with its traceback
        logger.warning("unexpected error loading %s", url, exc_info=True)
        yield url, LoadError(url, f"unexpected error: {type(e).__name__}: {e}")


def _iter_path(path: Path, settings: Settings) -> Iterator[tuple[str, list[Article] | LoadError]]:
    name = str(path)
    if path.is_dir():
        members = _supported_files(path)
        if not members:
            yield name, LoadError(name, f"no supported files in directory (supported: {supported_types()})")
        for member in members:
            yield from _iter_file(member, settings)
    elif path.exists():
        yield from _iter_file(path, settings)
    else:
        yield name, LoadError(name, "no such file or directory")


def _supported_files(directory: Path) -> list[Path]:
    """Supported files below `directory`, sorted; hidden files/folders and symlinked folders are skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(
            Path(root) / f for f in files if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED_SUFFIXES
        )
    return sorted(found)


def _iter_file(path: Path, settings: Settings) -> Iterator[tuple[str, list[Article] | LoadError]]:
    yield from _guarded(str(path), lambda errors: _load_file(path, settings, errors))


def _load_file(path: Path, settings: Settings, errors: list[LoadError]) -> list[Article]:
    name = str(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise LoadError(name, f"unsupported file type '{path.suffix or path.name}' (supported: {supported_types()})")
    data = _read_limited(path, settings.max_file_bytes)
    return load_bytes(data, kind, name=name, source=path.stem, errors=errors)


def _read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes; refuses files over `limit` before reading them."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise LoadError(name, f"file is {size:,} bytes, over the {limit:,}-byte limit (max_file_bytes)")
        with path.open("rb") as f:
            data = f.read(limit + 1)  # the file may have grown since stat()
    except OSError as e:
        raise LoadError(name, f"cannot read file: {e.strerror or e}") from e
    if len(data) > limit:
        raise LoadError(name, f"file is over the {limit:,}-byte limit (max_file_bytes)")
    return data
