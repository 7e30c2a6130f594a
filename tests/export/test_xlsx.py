"""XLSX export: a sheet per table (merged cells kept, text as typed), a sheet of every block."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from docparse.document import analyse
from docparse.export import BINARY_FORMATS, ExportOptions, get_binary_exporter, write_export
from docparse.export.csv_export import COLUMNS
from schemas import Document, TableBlock, TableCell

OPTIONS = ExportOptions()


def workbook(document: Document) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(get_binary_exporter("xlsx").render(document, OPTIONS)))


def test_a_sheet_per_table_then_blocks(document: Document) -> None:
    wb = workbook(document)
    tables = analyse(document).tables
    assert wb.sheetnames == [*(f"Table {t.index}" for t in tables), "Blocks"] == ["Table 1", "Table 2", "Blocks"]
    assert BINARY_FORMATS == ("xlsx",)


def test_spanned_cells_are_merged_ranges_and_headers_bold(document: Document) -> None:
    table = next(b for b in document.pages[0].blocks if isinstance(b, TableBlock) and b.caption)
    ws = workbook(document)["Table 1"]
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    want = sorted(
        f"{ws.cell(row=c.row + 1, column=c.col + 1).coordinate}:"
        f"{ws.cell(row=c.row + c.rowspan, column=c.col + c.colspan).coordinate}"
        for c in table.cells
        if c.rowspan > 1 or c.colspan > 1
    )
    assert merged == want and merged
    for cell in table.cells:
        got = ws.cell(row=cell.row + 1, column=cell.col + 1)
        assert got.value == (cell.text or None)
        assert bool(got.font.bold) is cell.header


def test_text_is_never_a_formula_and_numbers_stay_text(document: Document) -> None:
    page = document.pages[0]
    cells = [TableCell(row=0, col=0, text="=SUM(A1:A9)"), TableCell(row=0, col=1, text="1,204.50")]
    tricky = TableBlock(id="t", page=1, order=len(page.blocks), n_rows=1, n_cols=2, cells=cells)
    doc = document.model_copy(update={"pages": [page.model_copy(update={"blocks": [tricky]}), *document.pages[1:]]})
    ws = workbook(doc)["Table 1"]
    assert (ws["A1"].value, ws["A1"].data_type) == ("=SUM(A1:A9)", "s")
    assert (ws["B1"].value, ws["B1"].data_type) == ("1,204.50", "s")


def test_blocks_sheet_has_the_csv_columns_and_a_row_per_block(document: Document) -> None:
    ws = workbook(document)["Blocks"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) - 1 == sum(len(p.blocks) for p in document.pages)
    first = dict(zip(COLUMNS, rows[1], strict=True))
    block = document.pages[0].blocks[0]
    assert (first["block_id"], first["page"], first["order"], first["label"]) == (block.id, 1, 0, "header")
    assert first["x0"] == block.bbox.x0 if block.bbox else True


@pytest.mark.parametrize("target", ["out.xlsx", "bundle.zip", "folder/"])
def test_write_export_writes_one_workbook(document: Document, tmp_path: Path, target: str) -> None:
    out = tmp_path / target
    if target.endswith("/"):
        out.mkdir()
    (written,) = write_export(document, "xlsx", out, OPTIONS, io.StringIO())
    if written.suffix == ".zip":
        with zipfile.ZipFile(written) as archive:
            assert archive.namelist() == ["document.xlsx"]
            data = archive.read("document.xlsx")
    else:
        assert written.name in ("out.xlsx", "document.xlsx")
        data = written.read_bytes()
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[-1] == "Blocks"
