"""docparse.export is a leaf: it imports only schemas, the document pass, the standard library, lxml,
Pillow and openpyxl."""

from __future__ import annotations

import sys
from pathlib import Path

import docparse.export
from tests.source_imports import imported_modules

EXPORT_DIR = Path(docparse.export.__file__).parent
ALLOWED_ROOTS = {"schemas", "lxml", "PIL", "openpyxl", "__future__"}


def test_export_imports_only_what_the_architecture_allows() -> None:
    files = sorted(EXPORT_DIR.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for module in imported_modules(path):
            root = module.split(".")[0]
            ok = (
                root in ALLOWED_ROOTS
                or root in sys.stdlib_module_names
                or module == "docparse.export"
                or module.startswith("docparse.export.")
                or module == "docparse.document"
            )
            assert ok, f"{path.name} imports {module}"


def test_modules_stay_within_the_length_budget() -> None:
    for path in EXPORT_DIR.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
