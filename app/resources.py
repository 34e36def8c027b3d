"""Files that ship inside the package (prompts, web assets, sample corpus, eval datasets), found via importlib.resources.

Everything is read from the installed package, so a wheel installed anywhere works from any directory; the checkout's
top-level `prompts/` and `evals/*.jsonl` are links to these same files.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_dir(*parts: str) -> Path:
    # Newsdesk is installed as plain files (wheel or editable), never zipped, so the resource is a real directory.
    return Path(str(files("app").joinpath(*parts)))


def prompts_dir() -> Path:
    """The shipped prompt files (`<name>.md`: YAML front matter + jinja2 body)."""
    return _package_dir("prompts")


def static_dir() -> Path:
    """The web app's stylesheet and script."""
    return _package_dir("serve", "web", "static")


def sample_corpus_dir() -> Path:
    """The bundled demo corpus (the sample article)."""
    return _package_dir("data", "sample")


def shipped_datasets_dir() -> Path:
    """Evaluation datasets that ship with Newsdesk (sample questions, briefing facts, labelled checker pairs)."""
    return _package_dir("evaluation", "data")


def news_corpus_dir() -> Path:
    """The invented multi-domain news corpus the news_dev / news_heldout question sets are written against."""
    return _package_dir("evaluation", "data", "news", "corpus")


def shipped_corpus_for(dataset: str | Path) -> Path:
    """The corpus a shipped question set is written against: the news corpus for news_*, else the sample article."""
    return news_corpus_dir() if Path(dataset).name.startswith("news_") else sample_corpus_dir()
