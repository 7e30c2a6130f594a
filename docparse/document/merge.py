"""Merged content of continued blocks: joined paragraph text, concatenated list items, one grid."""

from __future__ import annotations

import re
from collections.abc import Sequence

from schemas import ListItem, TableCell, TableData
from schemas.blocks import MAX_TABLE_ROWS, MAX_TABLE_SLOTS

_SOFT_HYPHEN_END = re.compile(r"[^\W\d_]-$")


def join_text(a: str, b: str) -> str:
    """Two pieces of one paragraph: joined by a space, or without the hyphen when a word was
    hyphenated across the break (``"fil-"`` + ``"tered"`` -> ``"filtered"``)."""
    a, b = a.rstrip(), b.lstrip()
    if not a or not b:
        return a + b
    if _SOFT_HYPHEN_END.search(a) and b[0].islower():
        return a[:-1] + b
    return f"{a} {b}"


def join_items(parts: Sequence[Sequence[ListItem]]) -> list[ListItem]:
    """The items of several list parts, in order."""
    return [item for items in parts for item in items]


def header_rows(table: TableData) -> int:
    """How many leading rows hold only header cells (anchored there)."""
    anchored: dict[int, list[bool]] = {}
    for cell in table.cells:
        anchored.setdefault(cell.row, []).append(cell.header)
    count = 0
    for row in range(table.n_rows):
        flags = anchored.get(row)
        if not flags or not all(flags):
            break
        count += 1
    return count


def _row_key(row: Sequence[str]) -> tuple[str, ...]:
    return tuple(" ".join(text.lower().split()) for text in row)


def _cut_is_clean(table: TableData, k: int) -> bool:
    """No cell anchored above row ``k`` spans across it."""
    return all(c.row + c.rowspan <= k for c in table.cells if c.row < k)


def repeated_header(head: TableData, cont: TableData) -> int | None:
    """How many leading rows of ``cont`` repeat the header of ``head`` (0: no header on
    ``cont``), or ``None`` when ``cont`` starts with a header of its own (a different table).
    Without header cells on ``head``, a first row equal to ``head``'s first row counts as a
    repeated header row."""
    expected = header_rows(head) or 1
    if cont.n_rows >= expected and head.n_rows >= expected and _cut_is_clean(cont, expected):
        head_grid, cont_grid = head.grid(), cont.grid()
        if all(_row_key(head_grid[r]) == _row_key(cont_grid[r]) for r in range(expected)):
            return expected
    return None if header_rows(cont) else 0


def merge_tables(parts: Sequence[TableData], skips: Sequence[int]) -> TableData:
    """One grid of the parts stacked in order, with the first ``skips[i]`` rows of part ``i``
    left out (repeated headers; ``skips[0]`` is 0). All parts have the same number of columns.
    The grid holds the parts that fit the schema's bound on a table (``schemas.blocks.MAX_TABLE_*``:
    a table continued over thousands of pages); the parts after it keep only their own grids."""
    if len(parts) == 1 and skips[0] == 0:
        return parts[0]  # a table on one page: its own grid (the schema already bounds it)
    cells: list[TableCell] = []
    offset = 0
    width = parts[0].n_cols if parts else 0
    row_limit = min(MAX_TABLE_ROWS, MAX_TABLE_SLOTS // max(1, width))
    for table, skip in zip(parts, skips, strict=True):
        if offset + table.n_rows - skip > row_limit:
            break
        shift = offset - skip
        cells.extend(
            cell if shift == 0 else cell.model_copy(update={"row": cell.row + shift})
            for cell in table.cells
            if cell.row >= skip
        )
        offset += table.n_rows - skip
    cells.sort(key=lambda c: (c.row, c.col))
    return TableData(n_rows=offset, n_cols=width, cells=cells)


def table_text(table: TableData) -> str:
    """The grid as text: one line per row, anchored cells' texts tab-separated (spanned slots empty)."""
    rows = [["" for _ in range(table.n_cols)] for _ in range(table.n_rows)]
    for cell in table.cells:
        rows[cell.row][cell.col] = " ".join(cell.text.split())
    return "\n".join("\t".join(row) for row in rows)
