"""Property-based fuzzing of the live API from its own OpenAPI schema, with **every**
schemathesis check: no 5xx, every status code and content type documented, responses that match
their schemas, required headers, invalid data rejected, valid data accepted, ``Allow`` on 405s,
authentication honoured. Bounded: ``MAX_EXAMPLES`` per operation and generation mode (positive and
negative data), no deadline.

Schemathesis' Python API drives Hypothesis here directly (its pytest ``from_fixture`` helper
needs an older pytest): every operation of the schema gets its own bounded runs, and the
failures of all operations are reported together.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.api.conftest import KEYS, LiveServer

MAX_EXAMPLES = 20


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_the_openapi_document_is_true(live: LiveServer, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    headers = {"X-API-Key": KEYS["alice"]}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=live.url, headers=headers)  # every registered check

        try:
            fuzz()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
