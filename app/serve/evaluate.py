"""The one way the API and the web app run an evaluation over a Newsdesk (the service layer may not import
app.evaluation, so this lives with the doors that offer it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from app.errors import NewsdeskError
from app.resources import shipped_corpus_for, shipped_datasets_dir

if TYPE_CHECKING:
    from app.evaluation.datasets import Dataset
    from app.evaluation.results import EvalReport
    from app.services import Newsdesk, Progress

DATASETS_DIR = shipped_datasets_dir()
Corpus = Literal["sample", "index"]
"""'sample': a fresh temporary index of the bundled sample corpus; 'index': the live index of the Newsdesk."""


class UnknownDataset(NewsdeskError):
    """No shipped dataset has that name."""

    status = 404


def dataset_path(name: str) -> Path:
    """A dataset shipped in evals/ by name; never a path outside it."""
    path = (DATASETS_DIR / f"{name}.jsonl").resolve()
    if path.parent == DATASETS_DIR.resolve() and path.is_file():
        return path
    raise UnknownDataset(f"no dataset named {name!r} in evals/")


def is_shipped(path: str | Path) -> bool:
    """True when `path` is a file directly in the shipped datasets folder."""
    return Path(path).resolve().parent == DATASETS_DIR.resolve()


def evaluate(
    desk: Newsdesk,
    datasets: Sequence[str | Path],
    backends: Sequence[str],
    *,
    k: int | None = None,
    corpus: Corpus = "index",
    limit: int | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """run_eval on the datasets (each cut to its first `limit` items), reusing the desk's loaded embedding model."""
    from app.evaluation.datasets import load_datasets
    from app.evaluation.runner import run_eval

    sets = [_first_items(d, limit) for d in load_datasets(list(datasets))]
    chosen = list(backends) or [desk.settings.backend]
    if corpus == "sample":  # each shipped set with the corpus it was written against
        corpora = list(dict.fromkeys(shipped_corpus_for(d) for d in datasets))
        return run_eval(sets, chosen, desk.settings, k=k, corpus=corpora, progress=progress,
                        embeddings=desk.embeddings)  # fmt: skip
    return run_eval(sets, chosen, desk.settings, k=k, progress=progress, desk=desk)


def _first_items(dataset: Dataset, limit: int | None) -> Dataset:
    """The first `limit` items: questions first, then briefings."""
    if limit is None:
        return dataset
    qa = dataset.qa[:limit]
    return dataset.model_copy(update={"qa": qa, "briefings": dataset.briefings[: max(0, limit - len(qa))]})
