"""Optional LLM judge: RAGAS-style faithfulness (Es et al. 2023) through any OpenAI-compatible endpoint.

faithfulness = |statements of the answer the context supports| / |statements of the answer|, with statements and
verdicts produced by the judge model from prompts/judge_faithfulness.md. Off unless settings.judge_model is set.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

PROMPT = "judge_faithfulness"


@dataclass
class Faithfulness:
    """The judge's verdict on one answer; score None when the reply could not be parsed or had no statements."""

    score: float | None
    statements: int
    supported: int
    error: str | None = None


def parse_verdicts(reply: str) -> list[bool]:
    """The verdicts of a judge reply shaped {"statements": [{"verdict": 0|1, ...}]} (also inside a ``` fence)."""
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if not match:
        raise ValueError("judge reply holds no JSON object")
    data: Any = json.loads(match.group(0))
    items = data.get("statements") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("judge reply has no 'statements' list")
    verdicts: list[bool] = []
    for item in items:
        v = item.get("verdict") if isinstance(item, dict) else None
        if v in (0, 1, "0", "1", True, False, "yes", "no"):
            verdicts.append(v in (1, "1", True, "yes"))
        else:
            raise ValueError(f"judge verdict {v!r} is not 0 or 1")
    return verdicts


def _render(question: str, answer: str, contexts: Sequence[str]) -> str:
    from app.answer.prompts import render

    return render(PROMPT, question=question, answer=answer, contexts=list(contexts))


class FaithfulnessJudge:
    """Scores answers with a chat model (injected; make_judge builds one from settings)."""

    def __init__(self, llm: BaseChatModel, model: str = "") -> None:
        self.llm = llm
        self.model = model or getattr(llm, "model_name", "") or type(llm).__name__

    def score(self, question: str, answer: str, contexts: Sequence[str]) -> Faithfulness:
        if not answer.strip():
            return Faithfulness(score=None, statements=0, supported=0)
        reply = self.llm.invoke(_render(question, answer, contexts))
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        try:
            verdicts = parse_verdicts(text)
        except (ValueError, json.JSONDecodeError) as e:
            # One unparseable reply must not end a long run: the question is left unscored and counted.
            log.warning("faithfulness judge reply not understood", extra={"error": str(e)})
            return Faithfulness(score=None, statements=0, supported=0, error=str(e))
        if not verdicts:
            return Faithfulness(score=None, statements=0, supported=0)
        return Faithfulness(score=sum(verdicts) / len(verdicts), statements=len(verdicts), supported=sum(verdicts))


def judge_configured(settings: Settings) -> bool:
    return bool(settings.judge_model)


def make_judge(settings: Settings) -> FaithfulnessJudge | None:
    """The configured judge, or None when NEWSDESK_JUDGE_MODEL is not set (the column is then omitted)."""
    if not judge_configured(settings):
        return None
    from langchain_openai import ChatOpenAI

    key = settings.judge_api_key or SecretStr("not-needed")  # local servers ignore the key; the SDK requires one
    llm = ChatOpenAI(
        model=settings.judge_model or "",
        base_url=settings.judge_base_url,
        api_key=key,
        temperature=0.0,
        timeout=settings.judge_timeout,
        max_retries=1,
    )
    return FaithfulnessJudge(llm, model=settings.judge_model or "")
