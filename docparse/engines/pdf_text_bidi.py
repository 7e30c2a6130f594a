"""Tables of right-to-left documents in logical column order.

A text layer's tables are read in page coordinates, left to right; in a right-to-left table
(Arabic, Hebrew) the first column is the rightmost one, as a reader and the document's own
markup would have it. :func:`logical_table_html` mirrors such a table's rows — each row's
cells in reverse, which mirrors the whole grid, row spans included, since the slots a span
covers mirror with it — and marks the table ``dir="rtl"`` so HTML shows it as on the page.
"""

from __future__ import annotations

import lxml.html  # type: ignore[import-untyped]

from docparse.engines.pdf_text_rows import is_rtl

__all__ = ["logical_table_html"]


def logical_table_html(inner_html: str) -> str:
    """``<table>…</table>`` for the rows and cells of ``inner_html`` (our own markup: ``thead``
    / ``tbody`` of ``tr`` of ``th``/``td``): as given for a left-to-right table, mirrored with
    ``dir="rtl"`` when most of its letters are of a right-to-left script."""
    table = lxml.html.fragment_fromstring(f"<table>{inner_html}</table>")
    if not is_rtl(table.text_content()):
        return f"<table>{inner_html}</table>"
    for row in table.iter("tr"):
        cells = list(row)
        for cell in cells:
            row.remove(cell)
        row.extend(reversed(cells))
    table.set("dir", "rtl")
    return str(lxml.html.tostring(table, encoding="unicode"))
