"""CSV export: blocks.csv parsed back, table grids, quoting."""

from __future__ import annotations

import csv
import io

from docparse.export import ExportOptions, get_exporter
from docparse.export.csv_export import COLUMNS
from schemas import Block, Document, TableData
from tests.export.conftest import TRICKY, make_document, page_one

OPTIONS = ExportOptions()


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def blocks_rows(document: Document) -> list[dict[str, str]]:
    text = "".join(get_exporter("csv").stream(document, OPTIONS))
    rows = read_csv(text)
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_one_row_per_block_in_reading_order(document: Document) -> None:
    rows = blocks_rows(document)
    blocks = [b for p in document.pages for b in p.blocks]
    assert [r["block_id"] for r in rows] == [b.id for b in blocks]
    assert [(r["page"], r["order"], r["type"]) for r in rows] == [(str(b.page), str(b.order), b.type) for b in blocks]
    assert {r["document_id"] for r in rows} == {document.id}


def test_page_space_and_normalized_boxes_read_back_exactly(document: Document) -> None:
    rows = {r["block_id"]: r for r in blocks_rows(document)}
    checked = 0
    for page in document.pages:
        for block in page.blocks:
            row = rows[block.id]
            assert row["unit"] == (page.geometry.unit if page.geometry else "")
            if block.bbox is None:
                assert [row[k] for k in ("x0", "y0", "x1", "y1", "nx0", "ny0", "nx1", "ny1")] == [""] * 8
                continue
            assert block.bbox_norm is not None
            assert tuple(float(row[k]) for k in ("x0", "y0", "x1", "y1")) == block.bbox.as_tuple()
            assert tuple(float(row[k]) for k in ("nx0", "ny0", "nx1", "ny1")) == block.bbox_norm.as_tuple()
            checked += 1
    assert checked > 20
    paragraph = rows["doc-0001:p2:b2"]
    assert (paragraph["unit"], paragraph["x1"], paragraph["y1"]) == ("px", "900.5", "600.25")


def test_normalized_box_is_derived_when_only_the_page_space_box_is_known() -> None:
    block = page_one().blocks[1].model_copy(update={"bbox_norm": None})
    (row,) = blocks_rows(make_document([block]))
    assert block.bbox is not None
    assert float(row["nx0"]) == block.bbox.x0 / 612
    assert float(row["ny1"]) == block.bbox.y1 / 792


def test_tricky_text_round_trips_through_csv_reader(document: Document) -> None:
    rows = {r["block_id"]: r for r in blocks_rows(document)}
    assert rows["doc-0001:p1:b5"]["text"] == TRICKY
    assert rows["doc-0001:p1:b16"]["text"] == "def f(x):\n    return x * 2  # ```"


def test_rfc4180_quoting_and_line_ends(document: Document) -> None:
    chunks = list(get_exporter("csv").stream(document, OPTIONS))
    assert all(c.endswith("\r\n") for c in chunks)
    tricky = next(c for c in chunks if "doc-0001:p1:b5" in c)
    assert '"Comma, ""quotes"", and\na newline' in tricky


def test_type_specific_columns(document: Document) -> None:
    rows = {r["block_id"]: r for r in blocks_rows(document)}
    assert rows["doc-0001:p1:b1"]["level"] == "1"
    assert rows["doc-0001:p2:b3"]["level"] == "6"
    assert rows["doc-0001:p1:b7"]["ordered"] == "true"
    assert rows["doc-0001:p1:b8"]["ordered"] == "false"
    assert rows["doc-0001:p1:b4"]["level"] == rows["doc-0001:p1:b4"]["ordered"] == ""
    assert rows["doc-0001:p1:b12"]["content"] == r"E = mc^2 \quad a<b"
    assert rows["doc-0001:p2:b0"]["content"] == "X:1\nK:C\nCDEF|"
    assert rows["doc-0001:p2:b1"]["content"] == "C1=CC=CC=C1"
    assert rows["doc-0001:p1:b9"]["caption"] == "Table 1: Sales"
    assert rows["doc-0001:p1:b13"]["caption"] == "Figure 1: The plant"
    assert rows["doc-0001:p1:b9"]["table_file"] == "tables/1-9.csv"
    assert rows["doc-0001:p1:b11"]["table_file"] == "tables/1-11.csv"
    assert rows["doc-0001:p1:b4"]["table_file"] == ""


def test_one_csv_per_table_and_chart_with_the_spanned_grid(document: Document) -> None:
    files = list(get_exporter("csv").files(document, OPTIONS))
    names = [name for name, _ in files]
    assert names == ["blocks.csv", "tables/1-9.csv", "tables/1-10.csv", "tables/1-11.csv"]
    grids = {name: read_csv("".join(chunks)) for name, chunks in files[1:]}
    tables: dict[str, TableData] = {}
    for block in document.pages[0].blocks:
        if block.type == "table":
            tables[f"tables/1-{block.order}.csv"] = block
        elif block.type == "chart" and block.data is not None:
            tables[f"tables/1-{block.order}.csv"] = block.data
    assert set(tables) == set(grids)
    for name, table in tables.items():
        assert grids[name] == table.grid()
    # spanned text is repeated in every slot it covers
    assert grids["tables/1-9.csv"] == [
        ["Region", "Region", "Total"],
        ["North", "Q1", "10"],
        ["North", "Q2", "12, with comma"],
    ]
    assert grids["tables/1-10.csv"][1] == ["a|b", "line1\nline2"]


def test_empty_document_has_only_the_header() -> None:
    rows = read_csv("".join(get_exporter("csv").stream(make_document(), OPTIONS)))
    assert rows == [list(COLUMNS)]


# ---- formula injection (OWASP "CSV injection"; issue 13) ----

ATTACKS = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", '+HYPERLINK("http://x","y")', "-2+3+cmd|' /C calc'!A0"]
ATTACKS += ["\t=1+1", "\r=1+1"]
NUMBERS = ["-12.5", "+3", "-0.25", "1e-3", "-4E+2", "72"]


def _table(texts: list[str]) -> TableData:
    from schemas import TableCell

    return TableData(n_rows=len(texts), n_cols=1, cells=[TableCell(row=i, col=0, text=t) for i, t in enumerate(texts)])


def _injection_document() -> Document:
    from schemas import ParagraphBlock, TableBlock

    base = page_one().blocks[4]  # a paragraph with a box
    assert isinstance(base, ParagraphBlock)
    blocks: list[Block] = [
        base.model_copy(update={"text": t, "order": i, "id": f"inj:{i}"}) for i, t in enumerate(ATTACKS + NUMBERS)
    ]
    table_block = next(b for b in page_one().blocks if isinstance(b, TableBlock))
    grid = _table(ATTACKS + NUMBERS)
    update = {
        "n_rows": grid.n_rows,
        "n_cols": grid.n_cols,
        "cells": grid.cells,
        "order": len(blocks),
        "id": "inj:table",
    }
    blocks.append(table_block.model_copy(update=update))
    return make_document(blocks)


def _cells(text: str) -> list[list[str]]:
    return read_csv(text)


def test_formula_like_cells_are_neutralized_in_blocks_and_tables() -> None:
    document = _injection_document()
    exporter = get_exporter("csv")
    files = {name: "".join(chunks) for name, chunks in exporter.files(document, OPTIONS)}
    rows = _cells(files["blocks.csv"])
    texts = [dict(zip(rows[0], row, strict=True))["text"] for row in rows[1:]][: len(ATTACKS) + len(NUMBERS)]
    assert texts == ["'" + a for a in ATTACKS] + NUMBERS  # numbers stay numbers
    (table_name,) = [n for n in files if n.startswith("tables/")]
    assert [r[0] for r in _cells(files[table_name])] == ["'" + a for a in ATTACKS] + NUMBERS
    # No cell of either file begins with a formula trigger unless it is a number (box coordinates included).
    for name, text in files.items():
        for row in _cells(text):
            for cell in row:
                if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert float(cell) == float(cell), (name, cell)


def test_negative_coordinates_and_tricky_text_are_untouched(document: Document) -> None:
    rows = {r["block_id"]: r for r in blocks_rows(document)}
    assert rows["doc-0001:p1:b5"]["text"] == TRICKY  # no trigger: verbatim


def test_neutralizing_can_be_turned_off() -> None:
    document = _injection_document()
    verbatim = ExportOptions(neutralize_formulas=False)
    files = {name: "".join(chunks) for name, chunks in get_exporter("csv").files(document, verbatim)}
    rows = _cells(files["blocks.csv"])
    texts = [dict(zip(rows[0], row, strict=True))["text"] for row in rows[1:]][: len(ATTACKS) + len(NUMBERS)]
    assert texts == ATTACKS + NUMBERS
    (table_name,) = [n for n in files if n.startswith("tables/")]
    assert [r[0] for r in _cells(files[table_name])] == ATTACKS + NUMBERS
