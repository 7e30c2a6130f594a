"""The OpenAPI document, made true for this deployment (``/openapi.json``).

FastAPI derives the document from the routes; three things it cannot know are written in here:

* the operator's limits and presets: ``maximum`` of the upload's ``min_pixels``/``max_pixels``
  (``DOCPARSE_MAX_MODEL_PIXELS``) and the ``enum`` of every ``model_spec`` (the known presets;
  any other name is answered 422);
* ``400`` on every operation that takes a body: a body that cannot be parsed at all (not JSON,
  not UTF-8, a broken multipart) is a problem with status 400, before any validation;
* every problem goes out as ``application/problem+json`` — FastAPI's own ``422`` entries (which
  say ``application/json``) are replaced by the problem they really are.

``tests/api/test_schemathesis.py`` checks the result against the live server with every
schemathesis check.
"""

from __future__ import annotations

from typing import Any

from docparse.api.models import Problem
from docparse.api.problems import PROBLEM_MEDIA_TYPE
from docparse.engines.specs import SPECS
from docparse.render import RenderLimits

__all__ = ["refine"]

_METHODS = ("get", "put", "post", "delete", "patch")


def refine(openapi: dict[str, Any], limits: RenderLimits) -> dict[str, Any]:
    """Write the deployment's limits, presets and parse errors into ``openapi`` (in place; returned)."""
    presets = sorted(SPECS)
    for path in openapi.get("paths", {}).values():
        for method in _METHODS:
            operation = path.get(method)
            if operation is None:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "model_spec":
                    parameter["schema"] = _with_enum(parameter["schema"], presets)
                if parameter.get("in") == "query":
                    parameter["schema"] = _without_nul(parameter["schema"])
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault("400", _problem("a request body that cannot be parsed"))
            if "422" in responses and PROBLEM_MEDIA_TYPE not in responses["422"].get("content", {}):
                responses["422"] = _problem("invalid request: the problem lists each invalid field in `errors`")
    upload = openapi["paths"]["/v1/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields = upload["properties"]
    for name in ("min_pixels", "max_pixels"):
        fields[name] = {**fields[name], "maximum": limits.max_model_pixels}
    fields["model_spec"] = _with_enum(fields["model_spec"], presets)
    openapi.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    return openapi


NO_NUL = "^[^\\x00]*$"
"""Every query string parameter: no NUL character (``problems.no_nul_characters``: a 422)."""


def _without_nul(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its string branches refused a NUL character (a ``pattern``, unless one is set)."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [_without_nul(b) for b in schema["anyOf"]]}
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        return {**schema, "pattern": NO_NUL}
    return schema


def _with_enum(schema: dict[str, Any], values: list[str]) -> dict[str, Any]:
    """``schema`` (a string, or a string-or-null) restricted to ``values``."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [_with_enum(b, values) if b.get("type") == "string" else b for b in schema["anyOf"]]}
    return {**schema, "enum": values}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
