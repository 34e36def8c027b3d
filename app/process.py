"""Python's garbage collector in a command's process (issue 18): tuned for a process that loads big libraries and
models once, then exits."""

from __future__ import annotations

import atexit
import gc

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
