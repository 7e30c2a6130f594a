"""Property-based fuzzing of the live API from its own OpenAPI schema: no request, however
odd, gets a 5xx. Bounded: ``MAX_EXAMPLES`` per operation, no deadline.

Schemathesis' Python API drives Hypothesis here directly (its pytest ``from_fixture`` helper
needs an older pytest): every operation of the schema gets its own bounded run, and the
failures of all operations are reported together.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import KEYS, LiveServer

MAX_EXAMPLES = 20


def test_no_server_errors(live: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    headers = {"X-API-Key": KEYS["alice"]}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=live.url, headers=headers, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
