"""Measures the answer-level check (app.verify.answer_check) itself, as a judge, on labelled pairs: a question and a
sentence of an article, labelled whether the sentence answers the question (evals/answer_pairs.jsonl).

The check sees what it sees in production: the sentence, the sentences before it in its paragraph, the article's title
and date. Accuracy is reported per kind of pair (correct, wrong-year, wrong-entity, wrong-type, ...) and per split:
`dev` pairs were looked at while the check was built, `heldout` pairs never were.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from app.evaluation.judge import KindScore
from app.ingest.loaders import load_path
from app.models import Article
from app.resources import shipped_datasets_dir
from app.retrieve.constraints import Scope, fit, passage_scope
from app.retrieve.paraphrase import Paraphrases
from app.retrieve.question import analyse
from app.settings import Settings
from app.text import normalize_whitespace, split_sentences
from app.verify.answer_check import VERDICT_TERMS

DEFAULT_PAIRS = shipped_datasets_dir() / "answer_pairs.jsonl"
DEFAULT_CORPUS = shipped_datasets_dir() / "news" / "corpus"


class AnswerPair(BaseModel):
    id: str
    question: str
    answer: str = Field(description="A sentence of the article, verbatim.")
    answers_question: bool
    kind: str
    split: str = Field(description="'dev' (looked at while building the check) or 'heldout' (never).")
    article: str = Field(description="File name of the article in the corpus folder.")


class AnswerJudgeReport(BaseModel):
    """Agreement of the answer-level check with the labels; positives are sentences that answer."""

    n: int
    accuracy: float
    precision: float = Field(description="Of the sentences the check accepted, the share that truly answer.")
    recall: float = Field(description="Of the sentences that truly answer, the share the check accepted.")
    per_kind: dict[str, KindScore] = Field(default_factory=dict)
    per_split: dict[str, KindScore] = Field(default_factory=dict)
    mistakes: list[str] = Field(default_factory=list, description="Ids the check got wrong.")

    def summary(self) -> str:
        splits = ", ".join(f"{k} {v.accuracy:.3f} ({v.correct}/{v.n})" for k, v in sorted(self.per_split.items()))
        kinds = ", ".join(f"{k} {v.accuracy:.2f}" for k, v in sorted(self.per_kind.items()))
        return f"answer check (n={self.n}): accuracy {self.accuracy:.3f} [{splits}]; precision {self.precision:.3f}, recall {self.recall:.3f}; {kinds}"


def load_answer_pairs(path: Path = DEFAULT_PAIRS) -> list[AnswerPair]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [AnswerPair.model_validate(json.loads(line)) for line in lines if line.strip()]


def scope_in(article: Article, sentence: str) -> tuple[str, Scope]:
    """The sentence as it stands in the article, and its scope, as the check sees it in a passage: the article's
    paragraph holding it stands in for the passage (articles here are about one chunk long)."""
    text = article.text
    wanted = normalize_whitespace(sentence)
    for s in split_sentences(text):
        piece = text[s.start : s.end]
        if wanted in normalize_whitespace(piece) or (len(piece) > 20 and normalize_whitespace(piece) in wanted):
            return piece, passage_scope(text, s.start, s.end, title=article.title, published=article.published)
    return sentence, Scope(
        title=article.title, published_year=str(article.published.year) if article.published else None
    )


def judge_answer_check(
    pairs: Sequence[AnswerPair], corpus: Path = DEFAULT_CORPUS, paraphrases: Paraphrases | None = None
) -> AnswerJudgeReport:
    """The check's verdict on each pair, with the paraphrase judge production gives it when `paraphrases` is set."""
    settings = Settings()
    articles: dict[str, Article] = {}
    for path in sorted(corpus.glob("*.md")):
        articles[path.name] = load_path(path, settings)[0]
    predicted: list[bool] = []
    for pair in pairs:
        article = articles[pair.article]
        sentence, scope = scope_in(article, pair.answer)
        predicted.append(fit(analyse(pair.question), sentence, scope, terms=VERDICT_TERMS, paraphrases=paraphrases).ok)
    return _report(pairs, predicted)


def _score(items: Sequence[tuple[AnswerPair, bool]]) -> KindScore:
    correct = sum(p.answers_question == got for p, got in items)
    return KindScore(n=len(items), correct=correct, accuracy=correct / len(items) if items else 0.0)


def _report(pairs: Sequence[AnswerPair], predicted: Sequence[bool]) -> AnswerJudgeReport:
    both = list(zip(pairs, predicted, strict=True))
    tp = sum(p.answers_question and got for p, got in both)
    accepted = sum(got for _, got in both)
    positives = sum(p.answers_question for p in pairs)
    kinds = sorted({p.kind for p in pairs})
    splits = sorted({p.split for p in pairs})
    return AnswerJudgeReport(
        n=len(both),
        accuracy=_score(both).accuracy,
        precision=tp / accepted if accepted else 0.0,
        recall=tp / positives if positives else 0.0,
        per_kind={k: _score([(p, g) for p, g in both if p.kind == k]) for k in kinds},
        per_split={s: _score([(p, g) for p, g in both if p.split == s]) for s in splits},
        mistakes=[p.id for p, got in both if p.answers_question != got],
    )
