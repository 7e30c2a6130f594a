"""Generate the checked-in JSON Schema files: ``python -m schemas.generate [--check]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import TypeAdapter

from schemas.blocks import Block
from schemas.document import Document
from schemas.version import SCHEMA_VERSION

SCHEMA_DIR = Path(__file__).parent / "jsonschema"


def schemas() -> dict[str, dict[str, object]]:
    """The JSON Schemas by file name."""
    document = Document.model_json_schema()
    document["$id"] = f"https://docparse.dev/schema/{SCHEMA_VERSION}/document.schema.json"
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    block = TypeAdapter(Block).json_schema()
    block["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return {"document.schema.json": document, "block.schema.json": block}


def render(schema: dict[str, object]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    stale = []
    for name, schema in schemas().items():
        path = SCHEMA_DIR / name
        text = render(schema)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale JSON Schema files: {', '.join(stale)}; run `python -m schemas.generate`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
