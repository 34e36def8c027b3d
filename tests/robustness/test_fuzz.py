"""Fuzz the running API from its own OpenAPI spec with schemathesis (bounded: 25 schema-valid and 15 schema-violating
examples per operation): no 5xx, and every response matches the documented status codes, content types and schemas.

schemathesis' lazy pytest loader (`schemathesis.pytest.from_fixture`) does not run under pytest 9 (it sets the
removed `Node._nodeid`), so each operation's case strategy is driven by hypothesis directly.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rb_helpers import NewsdeskServer
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def fuzz(operation: Any, mode: GenerationMode, n: int, base_url: str, record: Any) -> None:
    """Run n generated cases of one operation against the server; raises on the first failing check."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, timeout=120)
        record(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()


def test_api_from_its_openapi_spec(api_server: NewsdeskServer, figures: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{api_server.url}/openapi.json", timeout=30)
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {o.label for o in operations}
    assert {
        "POST /api/ask",
        "POST /v1/chat/completions",
        "POST /api/feeds",
        "POST /api/feeds/refresh",
        "POST /api/articles/remove",
        "GET /api/sources",
    } <= labels, labels
    assert len(operations) == 17  # every route of the API; a new one is fuzzed too (update this count)

    for operation in operations:
        for mode, n in EXAMPLES.items():
            label = f"{operation.label} ({mode.value})"
            try:
                fuzz(
                    operation,
                    mode,
                    n,
                    api_server.url,
                    lambda status, label=label: (calls.update([label]), statuses.update([status])),
                )
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # an operation without inputs has no invalid ones
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
                failures[label] = f"{type(exc).__name__}: {str(exc)[:1500]}"

    with api_server.client() as c:
        healthy = c.get("/healthz").status_code == 200
    figures["fuzz"] = {
        "operations": len(operations),
        "examples_per_operation": {m.value: n for m, n in EXAMPLES.items()},
        "requests": sum(calls.values()),
        "server_errors": sum(n for s, n in statuses.items() if s >= 500),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "operations_failing_checks": len(failures),
        "server_healthy_after": healthy,
    }
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
    assert healthy
