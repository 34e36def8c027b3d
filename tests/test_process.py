"""app.process: libraries imported with some optional modules stood in for (issue 18). Real imports of throwaway
modules written to a temporary folder, so the import system's own rules are what is tested."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.process import deferred, modules_stood_in


@pytest.fixture
def pkgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path holding `optional_dep` (records that it ran) and `lib` (imports it at its top)."""
    (tmp_path / "optional_dep.py").write_text("LOADED = True\ndef make(x):\n    return ('real', x)\n")
    (tmp_path / "lib_checks.py").write_text(
        "try:\n    import optional_dep\n    HAS = True\nexcept ImportError:\n    HAS = False\n"
    )
    (tmp_path / "lib_uses.py").write_text("from optional_dep import make\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    names = ("optional_dep", "lib_checks", "lib_uses")
    yield tmp_path
    for name in names:
        sys.modules.pop(name, None)


def test_a_none_stand_in_reads_as_not_installed_then_the_real_module_imports(pkgs: Path) -> None:
    with modules_stood_in({"optional_dep": None}):
        lib = importlib.import_module("lib_checks")
    assert lib.HAS is False
    assert "optional_dep" not in sys.modules  # the stand-in is gone, and the library never loaded the real one
    assert importlib.import_module("optional_dep").LOADED is True


def test_a_deferred_stand_in_imports_the_real_module_only_when_called(pkgs: Path) -> None:
    with modules_stood_in({"optional_dep": deferred("optional_dep", "make")}):
        lib = importlib.import_module("lib_uses")
    assert "optional_dep" not in sys.modules
    assert lib.make(3) == ("real", 3)
    assert sys.modules["optional_dep"].LOADED is True
    assert lib.make.__name__ == "make"


def test_a_module_already_imported_is_left_alone(pkgs: Path) -> None:
    real = importlib.import_module("optional_dep")
    with modules_stood_in({"optional_dep": None}):
        lib = importlib.import_module("lib_checks")
    assert lib.HAS is True
    assert sys.modules["optional_dep"] is real


def test_stand_ins_are_removed_when_the_import_fails(pkgs: Path) -> None:
    (pkgs / "lib_broken.py").write_text("import optional_dep\nraise RuntimeError('boom')\n")
    with pytest.raises(RuntimeError, match="boom"), modules_stood_in({"optional_dep": deferred("optional_dep")}):
        importlib.import_module("lib_broken")
    sys.modules.pop("lib_broken", None)
    assert "optional_dep" not in sys.modules


def test_spacy_keeps_its_info_and_command_line_after_a_light_import() -> None:
    """The real packages: spaCy loaded without its command line (as a cold ask loads it) still has a working
    `spacy.info`, and `import spacy.cli` afterwards is the real package."""
    from app.nlp import _import_spacy

    spacy = _import_spacy()
    info = spacy.info(markdown=False, silent=True)
    assert info["spacy_version"] == spacy.__version__
    import spacy.cli

    assert Path(spacy.cli.__file__).name == "__init__.py" and hasattr(spacy.cli, "download")


def test_a_module_stand_in_replaces_an_imported_module_during_the_import_only(pkgs: Path) -> None:
    real = importlib.import_module("optional_dep")
    lighter = deferred("optional_dep", "make")
    with modules_stood_in({"optional_dep": lighter}):
        lib = importlib.import_module("lib_uses")
    assert lib.make is lighter.make  # the library got the stand-in's function...
    assert sys.modules["optional_dep"] is real  # ...and the process has its module back
    assert lib.make(1) == ("real", 1)


def test_langchain_embeddings_async_methods_work_after_the_light_import() -> None:
    """app.store.embeddings imports LangChain's Embeddings with `run_in_executor` deferred: the async methods, which
    call it, still run the sync ones in an executor."""
    import asyncio

    from app.store.embeddings import Embeddings

    class Lengths(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[float(len(t))] for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return [float(len(text))]

    assert asyncio.run(Lengths().aembed_query("four")) == [4.0]
    assert asyncio.run(Lengths().aembed_documents(["a", "bc"])) == [[1.0], [2.0]]


ONE_IMPORTER = {"chromadb": "app/store/client.py", "langchain_core.embeddings": "app/store/embeddings.py"}
"""Libraries imported with stand-ins: one module imports each at its top; every other module names them in annotations
only, or imports them inside a function (by then the one importer has run), so the stand-ins always apply."""


def _top_level_imports(tree: ast.Module) -> Iterator[str]:
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                break
            if isinstance(sub, ast.Import):
                yield from (a.name for a in sub.names)
            elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
                yield sub.module


def test_libraries_with_stand_ins_have_one_importer() -> None:
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in sorted((root / "app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for name in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for lib, owner in ONE_IMPORTER.items():
                if (name == lib or name.startswith(lib + ".")) and rel != owner:
                    offenders.append(f"{rel}: {name}")
    assert offenders == []
