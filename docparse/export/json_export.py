"""JSON export: the schema-versioned document exactly as the contract defines it.

The output is ``document.model_dump(mode="json")`` encoded as UTF-8 JSON (non-ASCII kept as
is), indented by two spaces, keys in the contract's field order (stable: it is the order of
the pydantic models), with a final newline. ``Document.model_validate_json(output)`` gives
the document back, and the output validates against ``schemas/jsonschema/document.schema.json``.

The document pass's result (``structure``: labels, logical blocks, tables) is always there
beside the unchanged pages — computed at export time for a document that has none.

With ``include_raw=False`` the ``output`` key (the raw model text) is removed from every
attempt; it defaults to ``""`` when read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from docparse.document import structure_of
from docparse.export.base import Chunks, ExportOptions
from schemas import Document


class JsonExporter:
    """Document -> JSON text, encoded incrementally."""

    name = "json"
    media_type = "application/json"
    extension = ".json"

    def payload(self, document: Document, options: ExportOptions) -> dict[str, Any]:
        """The JSON value of the document, after applying ``options``."""
        if document.structure is None:
            document = document.model_copy(update={"structure": structure_of(document)})
        data: dict[str, Any] = document.model_dump(mode="json")
        if not options.include_raw:
            for page in data["pages"]:
                for attempt in page["attempts"]:
                    attempt.pop("output", None)
        return data

    def stream(self, document: Document, options: ExportOptions) -> Chunks:
        """The JSON text as chunks from :meth:`json.JSONEncoder.iterencode`."""
        encoder = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)
        yield from encoder.iterencode(self.payload(document, options))
        yield "\n"

    def files(self, document: Document, options: ExportOptions) -> Iterator[tuple[str, Chunks]]:
        """One file: ``document.json``."""
        yield "document.json", self.stream(document, options)
