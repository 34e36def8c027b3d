"""Regenerates the line-count tree in docs/architecture.md ("## The tree") from the files, in layer order."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ["ingest", "chunks", "store", "retrieve", "answer", "answer/engines", "verify", "brief", "evaluation",
            "serve", "serve/api", "serve/api/routes", "serve/web"]  # fmt: skip


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if _lines(p) > 0)


def tree() -> str:
    app = ROOT / "app"
    total = sum(_lines(p) for p in app.rglob("*.py"))
    rows = [("app/", total, 0)]
    rows += [(p.name, _lines(p), 1) for p in _modules(app)]
    for pkg in PACKAGES:
        folder = app / pkg
        rows.append((f"{pkg}/", sum(_lines(p) for p in folder.rglob("*.py")), 1))
        rows += [(p.name, _lines(p), 2) for p in _modules(folder)]
    return "\n".join(f"{'  ' * depth + name:<36}{count:>7}" for name, count, depth in rows)


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split("## The tree", 1)
    start = rest.index("```\n") + 4
    end = rest.index("```", start)
    DOC.write_text(head + "## The tree" + rest[:start] + tree() + "\n" + rest[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
