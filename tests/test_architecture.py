"""The tree is the architecture: stages import only earlier stages and the shared core, and no modules import in a
circle. Read from the source with `ast`, so a lazy import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# The pipeline, in order. A module may import its own layer and any earlier one, never a later one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "core",
        (
            "app",
            "app.settings",
            "app.models",
            "app.errors",
            "app.logs",
            "app.text",
            "app.resources",
            "app.injection",
            "app.markdown",
            "app.process",
            "app.limits",
        ),
    ),
    ("ingest", ("app.ingest",)),
    ("chunks", ("app.chunks",)),
    ("store", ("app.store",)),
    ("retrieve", ("app.retrieve",)),
    ("answer", ("app.answer",)),
    ("verify", ("app.verify",)),
    ("brief", ("app.brief",)),
    ("services", ("app.services",)),
    ("evaluation", ("app.evaluation",)),
    ("serve", ("app.serve",)),
    ("cli", ("app.cli", "app.cli_io", "app.cli_library")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, *, runtime_only: bool) -> set[str]:
    """Every `app.*` module imported anywhere in the file (TYPE_CHECKING blocks only when not runtime_only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    known = {module_name(p) for p in APP.rglob("*.py")}

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and runtime_only and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "app":
            for alias in node.names:  # `from app.serve import security` imports the module app.serve.security
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "app")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


SOURCES = sorted(APP.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    assert [module_name(p) for p in SOURCES if layer_of(module_name(p)) < 0] == []


def test_no_stage_imports_a_later_stage() -> None:
    wrong = []
    for path in SOURCES:
        mod = module_name(path)
        for imported in imports(path, runtime_only=False):
            if layer_of(imported) > layer_of(mod):
                wrong.append(f"{mod} ({LAYERS[layer_of(mod)][0]}) imports {imported} ({LAYERS[layer_of(imported)][0]})")
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = {module_name(p): imports(p, runtime_only=True) for p in SOURCES}
    graph = {m: {i for i in deps if i in graph and i != m} for m, deps in graph.items()}
    # Packages import their own submodules through __init__; a cycle between modules is what is forbidden.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            strongconnect(v)
    assert cycles == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(APP)))
def test_modules_stay_small(path: Path) -> None:
    """God modules are split by job: no module over 600 lines."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600
