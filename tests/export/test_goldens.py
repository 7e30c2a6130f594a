"""Golden files of every format for the fixture document.

Regenerate with ``DOCPARSE_UPDATE_GOLDENS=1 pytest tests/export`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docparse.export import ExportOptions, get_exporter
from schemas import Document
from tests.export.conftest import TINY_PNG
from tests.export.flow_fixture import flow_document

GOLDENS = Path(__file__).parent / "goldens"
UPDATE = os.environ.get("DOCPARSE_UPDATE_GOLDENS") == "1"

CASES: dict[str, tuple[str, ExportOptions]] = {
    "json": ("json", ExportOptions()),
    "json-no-raw": ("json", ExportOptions(include_raw=False)),
    "html": ("html", ExportOptions()),
    "html-overlay": ("html", ExportOptions(overlay=True, page_images={1: (TINY_PNG, "image/png")})),
    "csv": ("csv", ExportOptions()),
    "md": ("md", ExportOptions()),
    "md-boxes": ("md", ExportOptions(md_box_comments=True)),
}

# The document-level pass through the exports: merged forms, furniture dropped or kept.
FLOW_CASES: dict[str, tuple[str, ExportOptions]] = {
    "flow-json": ("json", ExportOptions()),
    "flow-md": ("md", ExportOptions()),
    "flow-md-furniture-parts": ("md", ExportOptions(furniture=True, merge_continuations=False)),
    "flow-html": ("html", ExportOptions()),
    "flow-csv": ("csv", ExportOptions()),
}


def check_golden(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing golden {path}; run with DOCPARSE_UPDATE_GOLDENS=1"
    assert path.read_bytes() == data, f"{path.name} differs from its golden; regenerate with DOCPARSE_UPDATE_GOLDENS=1"


@pytest.mark.parametrize("case", list(CASES))
def test_matches_golden(document: Document, case: str) -> None:
    fmt, options = CASES[case]
    exporter = get_exporter(fmt)
    files = list(exporter.files(document, options))
    for name, chunks in files:
        check_golden(GOLDENS / case / name, "".join(chunks))
    stored = sorted(p.relative_to(GOLDENS / case).as_posix() for p in (GOLDENS / case).rglob("*") if p.is_file())
    assert stored == sorted(name for name, _ in files)


@pytest.mark.parametrize("case", list(FLOW_CASES))
def test_document_flow_matches_golden(case: str) -> None:
    fmt, options = FLOW_CASES[case]
    files = list(get_exporter(fmt).files(flow_document(), options))
    for name, chunks in files:
        check_golden(GOLDENS / case / name, "".join(chunks))
    stored = sorted(p.relative_to(GOLDENS / case).as_posix() for p in (GOLDENS / case).rglob("*") if p.is_file())
    assert stored == sorted(name for name, _ in files)
