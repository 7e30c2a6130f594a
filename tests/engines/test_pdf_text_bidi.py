"""Right-to-left tables of the pdf-text engine in logical column order."""

from __future__ import annotations

import lxml.html  # type: ignore[import-untyped]

from docparse.engines.pdf_text_bidi import logical_table_html


def _grid(html: str) -> list[list[tuple[str, int]]]:
    table = lxml.html.fragment_fromstring(html)
    return [[(c.text_content(), int(c.get("rowspan", "1"))) for c in tr] for tr in table.iter("tr")]


def test_a_left_to_right_table_is_kept_as_it_is() -> None:
    inner = "<tbody><tr><td>Name</td><td>Code</td></tr></tbody>"
    assert logical_table_html(inner) == f"<table>{inner}</table>"


def test_a_right_to_left_table_is_mirrored_row_spans_included() -> None:
    """Page order (left to right): a | b (spanning two rows) | c; then d | (covered) | f. The
    mirror reads c, b, a and f, d: the covered slot stays under the span."""
    inner = (
        '<tbody><tr><td>مثال</td><td rowspan="2">رمز</td><td>اسم</td></tr><tr><td>آخر</td><td>ثالث</td></tr></tbody>'
    )
    html = logical_table_html(inner)
    assert 'dir="rtl"' in html
    assert _grid(html) == [[("اسم", 1), ("رمز", 2), ("مثال", 1)], [("ثالث", 1), ("آخر", 1)]]
