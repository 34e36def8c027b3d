"""Alternate sources of an article: the other URLs its very text arrived under (syndicated copies), kept beside the
index in `alternates.json` as {article id: [url, ...]} (issue 16)."""

from __future__ import annotations

from pathlib import Path

from app.store.jsonfile import locked, read_json, write_json

FILE_NAME = "alternates.json"


class AlternateSources:
    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME

    def get(self, article_id: str) -> list[str]:
        data: dict[str, list[str]] = read_json(self.path, {})
        return list(data.get(article_id, []))

    def add_many(self, pairs: list[tuple[str, str]]) -> None:
        """Record (article id, alternate url) pairs; a url already recorded for that article is kept once."""
        if not pairs:
            return
        with locked(self.path):
            data: dict[str, list[str]] = read_json(self.path, {})
            for article_id, url in pairs:
                urls = data.setdefault(article_id, [])
                if url not in urls:
                    urls.append(url)
            write_json(self.path, data)
