"""The samples parsed once per session with the pdf-text engine (no model needed)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from docparse.engines.pdf_text import PdfTextEngine
from docparse.pipeline import parse_document
from schemas import Document
from tests.paths import SAMPLES_DIR


@pytest.fixture(scope="session")
def report() -> Document:
    return parse_document(SAMPLES_DIR / "report.pdf", PdfTextEngine()).document


@pytest.fixture(scope="session")
def article() -> Document:
    return parse_document(SAMPLES_DIR / "article.pdf", PdfTextEngine()).document


def report_layout() -> ModuleType:
    """``samples/report_layout.py``: the report's table as typed into the generator."""
    if str(SAMPLES_DIR) not in sys.path:
        sys.path.insert(0, str(SAMPLES_DIR))  # report_layout imports its sibling sample_layout
    spec = importlib.util.spec_from_file_location("report_layout", SAMPLES_DIR / "report_layout.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
