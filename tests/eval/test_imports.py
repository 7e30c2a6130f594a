"""docparse.eval stays light: no torch, storage, workers or web framework; modules within the length budget."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docparse.eval
from tests.source_imports import imported_modules

EVAL_DIR = Path(docparse.eval.__file__).parent
ALLOWED_ROOTS = {"schemas", "pydantic", "rich", "apted", "rapidfuzz", "__future__", "lxml", "bs4", "scipy", "numpy",
                 "pylatexenc", "PIL"}  # fmt: skip  # PIL: only an image's header, for the page size
ALLOWED_DOCPARSE = {"docparse.qwenvl.dom", "docparse.qwenvl.tables", "docparse.qwenvl", "docparse.export._html"}


def test_eval_imports_only_what_it_needs() -> None:
    files = sorted(EVAL_DIR.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        for module in imported_modules(path):
            root = module.split(".")[0]
            ok = (
                root in ALLOWED_ROOTS
                or root in sys.stdlib_module_names
                or module in ALLOWED_DOCPARSE
                or module == "docparse.eval"
                or module.startswith("docparse.eval.")
            )
            assert ok, f"{path.name} imports {module}"


def test_importing_eval_loads_no_heavy_framework() -> None:
    code = (
        "import sys, docparse.eval; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'torch', 'transformers', 'storage', 'workers', 'fastapi', 'sqlalchemy', 'celery', 'fitz', 'pymupdf'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_modules_stay_within_the_length_budget() -> None:
    for path in EVAL_DIR.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
