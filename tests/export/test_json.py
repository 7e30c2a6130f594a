"""JSON export: round trip, JSON Schema validity, raw output control, stable layout."""

from __future__ import annotations

import json

import jsonschema

from docparse.document import with_structure
from docparse.export import ExportOptions, get_exporter
from schemas import Document
from tests.paths import REPO_ROOT

SCHEMA = json.loads((REPO_ROOT / "schemas" / "jsonschema" / "document.schema.json").read_text(encoding="utf-8"))


def export(document: Document, include_raw: bool = True) -> str:
    return "".join(get_exporter("json").stream(document, ExportOptions(include_raw=include_raw)))


def test_round_trips_to_an_equal_document_with_the_pass_result(document: Document) -> None:
    text = export(document)
    assert Document.model_validate_json(text) == with_structure(document)
    assert with_structure(document).structure is not None


def test_validates_against_the_checked_in_json_schema(document: Document) -> None:
    data = json.loads(export(document))
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == document.schema_version


def test_raw_outputs_are_kept_by_default_and_dropped_on_request(document: Document) -> None:
    kept = json.loads(export(document))
    outputs = [a["output"] for p in kept["pages"] for a in p["attempts"]]
    assert outputs == ["<html>raw</html>", "<html><body><p>partial"]

    dropped_text = export(document, include_raw=False)
    dropped = json.loads(dropped_text)
    assert all("output" not in a for p in dropped["pages"] for a in p["attempts"])
    assert "<html>raw</html>" not in dropped_text
    jsonschema.validate(dropped, SCHEMA, cls=jsonschema.Draft202012Validator)
    back = Document.model_validate_json(dropped_text)
    assert back.pages[1].attempts[0].output == ""
    assert back.pages[1].attempts[0].stop_reason == "stop"
    # everything else is untouched
    assert back.pages[0] == document.pages[0]


def test_keys_follow_the_contract_order_and_text_is_utf8(document: Document) -> None:
    doc = document.model_copy(update={"filename": "Bericht über Größen — 報告.pdf"})
    text = export(doc)
    assert "Bericht über Größen — 報告.pdf" in text  # not \\u-escaped
    assert list(json.loads(text)) == list(Document.model_fields)
    assert text == export(doc)  # deterministic
    assert text.endswith("}\n")
