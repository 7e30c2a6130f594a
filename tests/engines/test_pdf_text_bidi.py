"""Right-to-left tables of the pdf-text engine in logical column order (written by
:func:`~docparse.engines.pdf_text_grid.table_html`, which decides the direction from the
cells' text)."""

from __future__ import annotations

import lxml.html  # type: ignore[import-untyped]

from docparse.engines.pdf_text_grid import table_html


def _grid(html: str) -> list[list[tuple[str, int]]]:
    table = lxml.html.fragment_fromstring(html)
    return [[(c.text_content(), int(c.get("rowspan", "1"))) for c in tr] for tr in table.iter("tr")]


def test_a_left_to_right_table_is_kept_as_it_is() -> None:
    inner = "<tbody><tr><td>Name</td><td>Code</td></tr></tbody>"
    assert table_html([[("Name", 1, 1), ("Code", 1, 1)]], 0) == f"<table>{inner}</table>"


def test_a_right_to_left_table_is_mirrored_row_spans_included() -> None:
    """Page order (left to right): a | b (spanning two rows) | c; then d | (covered) | f. The
    mirror reads c, b, a and f, d: the covered slot stays under the span."""
    rows = [[("مثال", 1, 1), ("رمز", 1, 2), ("اسم", 1, 1)], [("آخر", 1, 1), ("ثالث", 1, 1)]]
    html = table_html(rows, 0)
    assert 'dir="rtl"' in html
    assert _grid(html) == [[("اسم", 1), ("رمز", 2), ("مثال", 1)], [("ثالث", 1), ("آخر", 1)]]
