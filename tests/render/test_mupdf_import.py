"""docparse imports PyMuPDF without the layout add-ons it does not use (docparse/mupdf.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

_PROBE = """
import json, sys
from docparse.render.pdf import PdfDocument  # what a worker's first page imports
from docparse.engines.pdf_text import PdfTextEngine
import pymupdf
doc = pymupdf.open(); page = doc.new_page(); page.insert_text((72, 72), "kept")
loaded = {{name: name in sys.modules for name in ("pymupdf.layout", "pymupdf4llm", "onnxruntime")}}
blocked_left = [name for name, module in sys.modules.items() if module is None and name.startswith("pymupdf")]
later = None
if {later_check}:
    import pymupdf.layout  # a program that wants the add-on afterwards still gets it
    later = callable(pymupdf._get_layout)
print(json.dumps({{"loaded": loaded, "blocked_left": blocked_left, "text": page.get_text().strip(), "later": later}}))
"""


def _probe(later_check: bool) -> dict[str, object]:
    code = _PROBE.format(later_check=later_check)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_first_import_skips_the_layout_addons_and_leaves_no_trace() -> None:
    found = _probe(later_check=False)
    assert found["loaded"] == {"pymupdf.layout": False, "pymupdf4llm": False, "onnxruntime": False}
    assert found["blocked_left"] == []  # the blocking entries are gone again
    assert found["text"] == "kept"  # PyMuPDF itself works


@pytest.mark.skipif(importlib.util.find_spec("pymupdf.layout") is None, reason="pymupdf-layout not installed")
def test_a_program_can_still_import_the_layout_addon_afterwards() -> None:
    assert _probe(later_check=True)["later"] is True


def test_text_extraction_restores_the_programs_setting_when_the_last_reader_leaves() -> None:
    """Readers overlap (docparse's threads): the setting comes back when the last one leaves."""
    from docparse.mupdf import pymupdf, text_extraction

    pymupdf.TOOLS.unset_quad_corrections(True)  # the program's choice (pymupdf4llm's)
    try:
        first, second = text_extraction(), text_extraction()
        first.__enter__()
        assert not pymupdf.TOOLS.unset_quad_corrections()
        second.__enter__()
        first.__exit__(None, None, None)
        assert not pymupdf.TOOLS.unset_quad_corrections()  # the second reader is still reading
        second.__exit__(None, None, None)
        assert pymupdf.TOOLS.unset_quad_corrections()
    finally:
        pymupdf.TOOLS.unset_quad_corrections(False)
