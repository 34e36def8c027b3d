"""A command's process (issue 18): Python's garbage collector tuned for a process that loads big libraries and
models once, then exits, and libraries imported without the optional parts a command never runs."""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any

GC_YOUNG_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (Python's default: 700). A command that loads the
store, the spaCy pipeline and the embedding model creates about 150,000 long-lived objects, and with the default the
collector ran 400 times during a cold `ask`, re-walking them (0.25 s of CPU; 0.12 s with this threshold)."""


def tune_collector() -> None:
    """Fewer young collections while the command runs, and none over what dies with the process at its exit.

    At exit Python's collector still walks every object several times (0.4-0.8 s of CPU after a cold `ask` had printed
    its answer); frozen objects are skipped. atexit handlers and every object's release by reference count still run,
    and the OS frees the memory."""
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    atexit.register(gc.freeze)


@contextmanager
def modules_stood_in(stand_ins: Mapping[str, ModuleType | None]) -> Iterator[None]:
    """Import a library while some of the modules it imports at its top are stood in for (issue 18).

    A None stand-in makes `import name` raise ImportError, as if the package were not installed (for libraries that
    check); it is skipped for a module already imported (nothing left to save). A module stand-in (`deferred`, or a
    lighter copy of a module) answers `from name import attr`. Afterwards every name is as it was: the earlier module
    is back, or a later `import name` loads the real one."""
    placed = {name: m for name, m in stand_ins.items() if m is not None or name not in sys.modules}
    earlier = {name: sys.modules[name] for name in placed if name in sys.modules}
    sys.modules.update(placed)  # type: ignore[arg-type]  # None is how the import system spells "not importable"
    try:
        yield
    finally:
        for name, module in placed.items():
            if name in sys.modules and sys.modules[name] is module:
                del sys.modules[name]
            if name in earlier:
                sys.modules.setdefault(name, earlier[name])


def deferred(name: str, *attrs: str) -> ModuleType:
    """A stand-in for module `name` whose `attrs` are callables that import the real module when first called."""
    module = ModuleType(name)
    module.__path__ = []  # a package too: `from name.sub import x` finds its stand-in in sys.modules

    def forward(attr: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(name), attr)(*args, **kwargs)

        call.__name__ = call.__qualname__ = attr
        return call

    for attr in attrs:
        setattr(module, attr, forward(attr))
    return module
