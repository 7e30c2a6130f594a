"""Property-based fuzzing of the live API from its own OpenAPI schema, with **every**
schemathesis check: no 5xx, every status code and content type documented, responses that match
their schemas, required headers, invalid data rejected, valid data accepted, ``Allow`` on 405s
and OPTIONS, authentication honoured. Bounded: ``MAX_EXAMPLES`` per operation and generation
mode (positive and negative data), no deadline.

The cases are the same on every run unless ``DOCPARSE_FUZZ_RANDOM=1`` (new random ones).

Two things a JSON Schema cannot say, and so the configuration below says them:

* an upload's *file bytes* must be a PDF or an image, and ``min_pixels <= max_pixels``: schema-valid
  junk is rightly answered 413/415/422 (documented on the operation), so those statuses count as
  the "valid data" answer of ``POST /v1/documents`` only;
* a corrected block's box must have ordered corners (``x0 <= x1``, ``y0 <= y1``), a rule between
  two fields: ``PUT .../blocks`` may answer such a schema-valid body 422 (documented there);
* a multipart form field has no type on the wire — a boolean or number put into a string field
  arrives as valid text — so negative cases whose only mutations are type changes inside the
  multipart body are skipped (schemathesis makes the same allowance itself for path and query
  parameters).

Schemathesis' Python API drives Hypothesis here directly (its pytest ``from_fixture`` helper
needs an older pytest): every operation of the schema gets its own bounded runs, and the
failures of all operations are reported together. The schema comes from the app object itself
(what ``/openapi.json`` serves), every request goes over HTTP to the live server.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import OperatorKind

from tests.api.conftest import KEYS, LiveServer

MAX_EXAMPLES = 20
DERANDOMIZE = os.environ.get("DOCPARSE_FUZZ_RANDOM") != "1"
"""The same cases on every run (a CI run is a verdict on the change, not a draw); set
``DOCPARSE_FUZZ_RANDOM=1`` to explore new random cases, as a nightly or a local run should."""
CONFIG = """
[[operations]]
include-name = "POST /v1/documents"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "413", "415", "422", "429", "5xx"]

[[operations]]
include-name = "PUT /v1/documents/{document_id}/pages/{number}/blocks"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""


def _key_for(case: schemathesis.Case) -> dict[str, str] | None:
    """The API key header — unless this negative case mutated the headers (e.g. removed the key):
    then the case's own headers go out as generated, so the check sees the server's real answer."""
    component = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if component is not None and component.mode.is_negative:
        return None
    return {"X-API-Key": KEYS["alice"]}


def _type_change_inside_a_form(case: schemathesis.Case) -> bool:
    """Whether every mutation of this negative case changes a type inside a multipart body."""
    meta = case.meta
    mutations = getattr(getattr(meta, "phase", None) and meta.phase.data, "mutations", None) if meta else None
    return bool(
        case.media_type == "multipart/form-data"
        and mutations
        and all(
            m.operator == OperatorKind.CHANGE_TYPE and m.parameter_location == ParameterLocation.BODY for m in mutations
        )
    )


@pytest.mark.slow
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_the_openapi_document_is_true(live: LiveServer, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_dict(live.app.openapi(), config=SchemathesisConfig.from_str(CONFIG))
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=DERANDOMIZE,
        )
        def fuzz(case: schemathesis.Case) -> None:
            assume(not (mode is GenerationMode.NEGATIVE and _type_change_inside_a_form(case)))
            case.call_and_validate(base_url=live.url, headers=_key_for(case))  # every registered check

        try:
            fuzz()
        except Unsatisfiable:  # no parameter and no body: nothing to make invalid (GET /healthz ...)
            assert mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters())
            assert not operation.get_request_payload_content_types()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
