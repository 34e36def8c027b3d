"""What every `newsdesk` command shares for output: the consoles, exit codes, the --json option and JSON printing."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
"""Exit codes: done; a domain error (nothing indexed, unknown id, engine unavailable); bad usage (click's own code);
an ingest where some inputs failed and others were indexed."""

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def print_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> None:
    if isinstance(obj, BaseModel):
        text = obj.model_dump_json(indent=2)
    elif isinstance(obj, Sequence):
        text = json.dumps([o.model_dump(mode="json") for o in obj], indent=2, ensure_ascii=False)
    else:
        text = json.dumps(obj, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(text + "\n")


def date_text(value: datetime | None) -> str:
    return value.isoformat() if value else ""
