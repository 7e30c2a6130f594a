"""CSV export: ``blocks.csv`` (one row per block) and one CSV per table.

``blocks.csv`` columns, in order:

========== ==========================================================================
document_id the document's id
page        1-based page number
order       0-based reading-order index on the page
block_id    the block's deterministic id
type        the block type (``heading``, ``paragraph``, ``table``, ...)
x0 y0 x1 y1 the box in page space (empty when the block has no box)
unit        the page-space unit: ``pt`` (PDF points) or ``px`` (image pixels)
nx0 … ny1   the box normalized to 0..1 of the page (``bbox_norm``, else ``bbox`` / page size)
text        the block's plain text (list items joined by newlines)
level       heading level 1..6 (headings only)
ordered     ``true``/``false`` (lists only)
content     the source of a formula, music sheet or chemical formula (LaTeX, ABC, SMILES)
caption     an image's or table's caption
table_file  the relative name of the block's table CSV (tables, and charts with data); every
            part of a table continued across pages names the one merged CSV
label       ``header``, ``footer`` or ``page_number`` for running page furniture (document pass)
logical_id  the logical block a continued paragraph, list or table part belongs to
========== ==========================================================================

Numbers are written shortest-exact (``72`` for 72.0, otherwise Python's ``repr``), so
``float(cell)`` gives back the stored value. Quoting is RFC 4180 (``\\r\\n`` line ends,
fields with commas, quotes or line breaks quoted, quotes doubled): any text round-trips
through :func:`csv.reader` — except formula-like cells, see below.

**Formula injection.** Text comes from documents and models: a cell such as
``=cmd|' /C calc'!A0``, ``@SUM(...)`` or ``+HYPERLINK(...)`` would run as a formula when the file
is opened in a spreadsheet. As OWASP recommends, every cell (in ``blocks.csv`` and the table
CSVs) that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``, unless the whole cell is a number (``-12.5``, ``+3``, ``1e-3``: box coordinates and table
figures stay numbers). ``ExportOptions(neutralize_formulas=False)`` — ``--keep-formulas`` on the
command line, ``neutralize_formulas=false`` on the API — writes every cell verbatim.

Each table (and each chart's data table) is written to ``tables/<page>-<order>.csv`` as its
cell grid, one CSV row per grid row, without a header line. A table continued across pages
is one CSV, named after its first part, holding the merged grid (a header row repeated on
the continuation pages appears once). A spanned cell's text is
**repeated in every grid slot it covers** (exactly :meth:`schemas.TableData.grid`), so every
row has ``n_cols`` fields.

Rows stream: each is formatted through a one-row buffer and yielded on its own; nothing
joins the output.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

from docparse.document import structure_of
from docparse.export.base import Chunks, ExportOptions, fmt_num, norm_box, table_file_name, unit_of
from schemas import BBox, Block, Document, DocumentStructure, Page, TableData

COLUMNS: tuple[str, ...] = (
    "document_id",
    "page",
    "order",
    "block_id",
    "type",
    "x0",
    "y0",
    "x1",
    "y1",
    "unit",
    "nx0",
    "ny0",
    "nx1",
    "ny1",
    "text",
    "level",
    "ordered",
    "content",
    "caption",
    "table_file",
    "label",
    "logical_id",
)
"""The columns of ``blocks.csv``."""


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP, CSV injection)."""
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralize(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would run it as a formula (a number stays as is)."""
    if cell.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def csv_rows(rows: Iterable[Sequence[str]], *, neutralize_formulas: bool = True) -> Chunks:
    """Format rows as RFC 4180 CSV, yielding one formatted row per chunk; formula-like cells are
    neutralized (:func:`neutralize`) unless ``neutralize_formulas`` is false."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row] if neutralize_formulas else row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def _box(box: BBox | None) -> list[str]:
    return ["", "", "", ""] if box is None else [fmt_num(v) for v in box.as_tuple()]


def table_of(block: Block) -> TableData | None:
    """The cell grid a block carries: a table's own, or a chart's data table."""
    if block.type == "table":
        return block
    if block.type == "chart":
        return block.data
    return None


class Links:
    """What the document pass says about each block: its label, its logical block, its table file."""

    def __init__(self, structure: DocumentStructure) -> None:
        self.labels = {label.block_id: label.label for label in structure.labels}
        self.logical = {part.block_id: lb.id for lb in structure.logical_blocks for part in lb.parts}
        self.table_files: dict[str, str] = {}
        for table in structure.tables:
            name = f"tables/{table.parts[0].page}-{table.parts[0].order}.csv"
            self.table_files.update((part.block_id, name) for part in table.parts)


def block_row(document: Document, page: Page, block: Block, links: Links | None = None) -> list[str]:
    """The ``blocks.csv`` row of one block."""
    level = str(block.level) if block.type == "heading" else ""
    ordered = ("true" if block.ordered else "false") if block.type == "list" else ""
    content = block.content if block.type in ("formula", "music_sheet", "chemical_formula") else ""
    caption = (block.caption or "") if block.type in ("image", "table") else ""
    table_file = table_file_name(block) if table_of(block) is not None else ""
    if links is not None:
        table_file = links.table_files.get(block.id, table_file)
    return [
        document.id,
        str(page.number),
        str(block.order),
        block.id,
        block.type,
        *_box(block.bbox),
        unit_of(page),
        *_box(norm_box(page, block)),
        block.text,
        level,
        ordered,
        content,
        caption,
        table_file,
        links.labels.get(block.id, "") if links is not None else "",
        links.logical.get(block.id, "") if links is not None else "",
    ]


def _block_rows(document: Document) -> Iterator[list[str]]:
    yield list(COLUMNS)
    links = Links(structure_of(document))
    for page in document.pages:
        for block in page.blocks:
            yield block_row(document, page, block, links)


def document_tables(document: Document) -> Iterator[tuple[str, TableData]]:
    """Every table grid of the document with its file name, in reading order: the document
    pass's tables (continued tables merged, under their first part's name) and the data tables
    of charts."""
    merged = {table.block_id: table for table in structure_of(document).tables}
    for page in document.pages:
        for block in page.blocks:
            if block.type == "table":
                table = merged.get(block.id)
                if table is not None:
                    yield table_file_name(block), table.data
            elif block.type == "chart" and block.data is not None:
                yield table_file_name(block), block.data


class CsvExporter:
    """Document -> ``blocks.csv`` plus ``tables/<page>-<order>.csv`` per table, streamed row by row."""

    name = "csv"
    media_type = "text/csv"
    extension = ".csv"

    def stream(self, document: Document, options: ExportOptions) -> Chunks:
        """``blocks.csv`` only, one row per chunk (the header first)."""
        return csv_rows(_block_rows(document), neutralize_formulas=options.neutralize_formulas)

    def tables(self, document: Document) -> Iterator[tuple[str, TableData]]:
        """Every table grid of the document with its file name, in reading order (see
        :func:`document_tables`)."""
        return document_tables(document)

    def files(self, document: Document, options: ExportOptions) -> Iterator[tuple[str, Chunks]]:
        """``blocks.csv`` first, then each table's grid CSV."""
        yield "blocks.csv", self.stream(document, options)
        for name, table in self.tables(document):
            yield name, csv_rows(table.grid(), neutralize_formulas=options.neutralize_formulas)
