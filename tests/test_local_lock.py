"""The index's cross-process lock is filelock's (no raw fcntl, so the store imports on every platform), and it
excludes another process while this one writes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import app.store.local_lock as local_lock
from app.store.local_lock import _LOCK_FILE, LocalIndex

PROBE = """
import sys
from filelock import FileLock, Timeout
try:
    FileLock(sys.argv[1]).acquire(timeout=0.2)
except Timeout:
    print("busy")
else:
    print("free")
"""


def _other_process_sees(lock_path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, str(lock_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_no_platform_specific_lock_module() -> None:
    tree = ast.parse(Path(local_lock.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not names & {"fcntl", "msvcrt"} and "filelock" in names


def test_a_write_section_excludes_other_processes(tmp_path: Path) -> None:
    index = LocalIndex.for_path(tmp_path / "index")
    lock_path = index.path / _LOCK_FILE
    with index.writing():
        assert _other_process_sees(lock_path) == "busy"
        with index.writing():  # nested sections reuse the outer hold
            pass
        assert _other_process_sees(lock_path) == "busy"
    assert _other_process_sees(lock_path) == "free"
