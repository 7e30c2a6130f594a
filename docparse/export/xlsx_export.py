"""XLSX export (openpyxl): one sheet per table, merged cells kept, and a sheet of every block.

Sheets, in order:

* ``Table 1`` .. ``Table N`` — the document's tables as numbered by the document pass (the
  same ``n`` as ``GET /v1/documents/{id}/tables/{n}``; a table continued across pages is one
  sheet with the merged grid). Every cell's text is a string exactly as in the document (a
  text starting with ``=`` never becomes a formula); spanned cells are merged ranges; header
  cells are bold on grey, and the rows above the first body row are frozen. Row 1 of a sheet
  is the first row of the table: nothing is added above it, so the sheet *is* the table.
* ``Blocks`` — the columns of ``blocks.csv`` (:data:`docparse.export.csv_export.COLUMNS`),
  one row per block, page numbers, orders, boxes and heading levels as numbers.

A workbook is binary: :meth:`XlsxExporter.write` writes it to a binary handle and
:meth:`XlsxExporter.render` returns its bytes.
"""

from __future__ import annotations

import io
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from docparse.document import structure_of
from docparse.export.base import ExportOptions, clean_text
from docparse.export.csv_export import COLUMNS, Links, block_row
from schemas import Document, DocumentTable

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_NUMERIC = frozenset({"page", "order", "x0", "y0", "x1", "y1", "nx0", "ny0", "nx1", "ny1", "level"})
_BOLD = Font(bold=True)
_GREY = PatternFill("solid", fgColor="DDDDDD")


def _text(ws: Worksheet, row: int, col: int, value: str) -> None:
    cell = ws.cell(row=row, column=col)
    cell.value = clean_text(value)
    cell.data_type = "s"  # never a formula, whatever the text starts with


def table_sheet(ws: Worksheet, table: DocumentTable) -> None:
    """Fill ``ws`` with one table: cell texts, merged ranges for spans, header styling."""
    for cell in table.data.cells:
        row, col = cell.row + 1, cell.col + 1
        _text(ws, row, col, cell.text)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(
                start_row=row, start_column=col, end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1
            )
        if cell.header:
            target = ws.cell(row=row, column=col)
            target.font, target.fill = _BOLD, _GREY
    if 0 < table.header_rows < table.data.n_rows:
        ws.freeze_panes = f"A{table.header_rows + 1}"


def blocks_sheet(ws: Worksheet, document: Document) -> None:
    """Fill ``ws`` with the ``blocks.csv`` rows of every block."""
    for col, name in enumerate(COLUMNS, 1):
        _text(ws, 1, col, name)
        ws.cell(row=1, column=col).font = _BOLD
    links = Links(structure_of(document))
    row = 2
    for page in document.pages:
        for block in page.blocks:
            for col, (name, value) in enumerate(zip(COLUMNS, block_row(document, page, block, links), strict=True), 1):
                if name in _NUMERIC and value != "":
                    ws.cell(row=row, column=col).value = float(value) if "." in value or "e" in value else int(value)
                else:
                    _text(ws, row, col, value)
            row += 1
    ws.freeze_panes = "A2"


def table_workbook(table: DocumentTable) -> bytes:
    """One table alone as an XLSX workbook (one sheet, ``Table n``)."""
    wb = Workbook()
    sheet = wb.active
    assert isinstance(sheet, Worksheet)
    sheet.title = f"Table {table.index}"
    table_sheet(sheet, table)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class XlsxExporter:
    """Document -> an XLSX workbook (binary)."""

    name = "xlsx"
    media_type = MEDIA_TYPE
    extension = ".xlsx"

    def workbook(self, document: Document, options: ExportOptions) -> Workbook:
        """The workbook: a sheet per table, then ``Blocks``."""
        wb = Workbook()
        first = wb.active
        assert isinstance(first, Worksheet)
        wb.remove(first)
        for table in structure_of(document).tables:
            table_sheet(wb.create_sheet(f"Table {table.index}"), table)
        blocks_sheet(wb.create_sheet("Blocks"), document)
        wb.properties.title = clean_text(document.filename)[:200]
        wb.properties.creator = "docparse"
        wb.properties.created = document.created_at.replace(tzinfo=None)
        return wb

    def write(self, document: Document, options: ExportOptions, handle: IO[bytes]) -> None:
        """Write the workbook to a binary handle."""
        self.workbook(document, options).save(handle)

    def render(self, document: Document, options: ExportOptions) -> bytes:
        """The workbook's bytes."""
        buffer = io.BytesIO()
        self.write(document, options, buffer)
        return buffer.getvalue()
