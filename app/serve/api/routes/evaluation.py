"""/api/eval: score citation accuracy on a dataset shipped with Newsdesk (app.serve.evaluate, as the web app does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from app.serve.api.context import ApiContext
from app.serve.api.errors import NOT_FOUND
from app.serve.api.schemas import EvalRequest
from app.serve.evaluate import dataset_path, evaluate

Evaluate = Callable[..., Any]
"""evaluate(desk, dataset paths, backends, *, k, corpus, limit) -> EvalReport (app.serve.evaluate.evaluate)."""


def build(api: ApiContext, run: Evaluate | None = None) -> APIRouter:
    from app.evaluation.results import EvalReport

    router = APIRouter(tags=["evaluation"])
    run = run or evaluate

    @router.post("/eval", response_model=EvalReport, responses=NOT_FOUND)
    def evaluation(body: EvalRequest) -> Any:
        """Score citation accuracy on a bundled dataset (default: in a fresh temporary index of the sample corpus)."""
        for name in body.backends:
            api.backend(name)
        with api.one_evaluation():

            def scored() -> Any:
                return run(
                    api.desk,
                    [dataset_path(body.dataset)],
                    body.backends,
                    k=body.k,
                    corpus=body.corpus,
                    limit=body.limit,
                )

            # The live index is read throughout; a fresh sample index is the evaluation's own.
            return api.read(scored) if body.corpus == "index" else scored()

    return router
