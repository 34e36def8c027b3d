"""Evaluation datasets: JSONL question and briefing sets, validated line by line, with a content hash.

The formats are a contract (see docs/evaluation.md); extra keys are ignored so other people's files load unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.errors import NewsdeskError
from app.models import BriefSelection

DatasetKind = Literal["qa", "briefing"]


class QAItem(BaseModel):
    """One question with its acceptable answers and the exact corpus quotes that support them."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str] = Field(
        description="Acceptable short answers; any one matching counts. Empty when unanswerable."
    )
    evidence: list[str] = Field(
        description="Exact quotes from the corpus that support the answer (whitespace-insensitive)."
    )
    answerable: bool
    article_id: str | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is blank")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> QAItem:
        if not self.answerable and self.answers:
            raise ValueError("an unanswerable question must have no answers")
        if any(not e.strip() for e in self.evidence):
            raise ValueError("evidence contains a blank quote")
        return self


class BriefingFact(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    fact: str = Field(min_length=1)
    evidence: list[str] = Field(min_length=1, description="Exact quotes that state the fact.")


class BriefingItem(BaseModel):
    """A briefing selection and the key facts a good briefing of it covers."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str = Field(min_length=1)
    selection: dict[str, Any] = Field(description="Fields of app.models.BriefSelection; {} means all indexed articles.")
    facts: list[BriefingFact] = Field(default_factory=list)
    length: Literal["short", "standard", "long"] = "standard"
    sources: list[str] | None = Field(
        None,
        description="Titles of the articles a topic briefing must draw on; [] means no indexed article is about the "
        "topic, so the briefing should be refused. None: sources are not scored.",
    )
    related: list[str] = Field(
        default_factory=list, description="Titles a topic briefing may also draw on without being wrong."
    )
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _scored(self) -> BriefingItem:
        if not self.facts and self.sources is None:
            raise ValueError("a briefing item needs key facts, sources, or both")
        return self

    @field_validator("selection")
    @classmethod
    def _selection(cls, value: dict[str, Any]) -> dict[str, Any]:
        BriefSelection.model_validate(value)  # the runner builds one from it; reject bad lines at load time
        return value


class LineError(BaseModel):
    """A problem with one line of a dataset file (1-based line number)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Dataset(BaseModel):
    """A loaded dataset file: its valid items, every bad line, and the sha256 of the file bytes."""

    path: str
    name: str
    kind: DatasetKind
    sha256: str
    qa: list[QAItem] = Field(default_factory=list)
    briefings: list[BriefingItem] = Field(default_factory=list)
    errors: list[LineError] = Field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.qa) + len(self.briefings)


class DatasetInvalid(NewsdeskError):
    """A dataset file has bad lines; the message lists each with its line number."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} invalid dataset line(s):\n{shown}{more}")


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _detect_kind(obj: dict[str, Any]) -> DatasetKind:
    return "briefing" if "facts" in obj or "selection" in obj else "qa"


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"])
        parts.append(f"{where}: {e['msg']}" if where else e["msg"])
    return "; ".join(parts)


def parse_dataset(text: str, *, path: str = "<string>", kind: DatasetKind | None = None) -> Dataset:
    """Parse JSONL text; every bad line becomes a LineError (bad JSON, missing field, wrong type, duplicate id)."""
    name = Path(path).stem
    items: list[tuple[int, dict[str, Any]]] = []
    errors: list[LineError] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(LineError(path=path, line=n, message=f"invalid JSON: {e.msg} (column {e.colno})"))
            continue
        if not isinstance(obj, dict):
            errors.append(LineError(path=path, line=n, message=f"expected a JSON object, got {type(obj).__name__}"))
            continue
        items.append((n, obj))
    kind = kind or (_detect_kind(items[0][1]) if items else "qa")
    model: type[QAItem] | type[BriefingItem] = QAItem if kind == "qa" else BriefingItem
    valid: list[Any] = []
    seen: dict[str, int] = {}
    for n, obj in items:
        try:
            item = model.model_validate(obj)
        except ValidationError as e:
            errors.append(LineError(path=path, line=n, message=_describe(e)))
            continue
        if item.id in seen:
            errors.append(
                LineError(path=path, line=n, message=f"duplicate id {item.id!r} (first on line {seen[item.id]})")
            )
            continue
        seen[item.id] = n
        valid.append(item)
    errors.sort(key=lambda e: e.line)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if kind == "qa":
        return Dataset(path=path, name=name, kind=kind, sha256=sha, qa=valid, errors=errors)
    return Dataset(path=path, name=name, kind=kind, sha256=sha, briefings=valid, errors=errors)


def load_dataset(path: str | Path, kind: DatasetKind | None = None) -> Dataset:
    """Load a QA or briefing JSONL file (kind detected from the first object unless given). Never raises on bad lines."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise NewsdeskError(f"cannot read dataset {p}: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise NewsdeskError(f"dataset {p} is not UTF-8 text: {e}") from e
    ds = parse_dataset(text, path=str(p), kind=kind)
    # The hash is of the file bytes as stored, so a report names exactly the file it scored.
    return ds.model_copy(update={"sha256": hashlib.sha256(raw).hexdigest()})


def load_datasets(paths: list[str | Path]) -> list[Dataset]:
    """Load several files; raise DatasetInvalid listing every bad line of every file, or an empty dataset."""
    datasets = [load_dataset(p) for p in paths]
    errors = [e for d in datasets for e in d.errors]
    errors += [
        LineError(path=d.path, line=0, message="dataset has no items") for d in datasets if d.size == 0 and not d.errors
    ]
    if errors:
        raise DatasetInvalid(errors)
    return datasets
