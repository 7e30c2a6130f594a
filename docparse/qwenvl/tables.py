"""HTML tables to rectangular cell grids.

Cells are placed with the HTML table algorithm: each cell takes the next free slot of its
row, ``rowspan``/``colspan`` reserve the slots below and to the right. Then the grid is
made to satisfy the :class:`schemas.TableData` invariant (every slot covered by exactly one
cell): a span that runs past the last row or into an already covered slot is shortened,
ragged rows are padded with empty cells, and each such fix is reported. ``<td
class="_empty">`` is an ordinary empty cell; ``<th>`` and cells of ``<thead>`` are headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import TypedDict

from docparse.qwenvl.dom import Element, tag_of
from docparse.qwenvl.text import element_text
from schemas import TableData
from schemas.blocks import MAX_TABLE_COLS, MAX_TABLE_ROWS, MAX_TABLE_SLOTS

MAX_SPAN = 100
"""Largest ``colspan``/``rowspan`` honoured; larger values are clipped (a guard against huge grids)."""

MAX_COLUMNS = 200
"""Spans never widen a grid past this many columns (or past the widest row's cell count, if larger)."""

_LEADING_INT = re.compile(r"\s*(\d+)")
_SPANS = itemgetter(1, 2)
_UNSPANNED = frozenset({(1, 1)})


SourceCell = tuple[str, int, int, bool]
"""A cell as written: ``(text, rowspan, colspan, header)`` (a plain tuple: tables have thousands)."""


class CellFields(TypedDict):
    """The fields of a :class:`schemas.TableCell`, validated in one go when the block is built."""

    row: int
    col: int
    rowspan: int
    colspan: int
    header: bool
    text: str


@dataclass(frozen=True)
class Grid:
    """A normalized table, the fixes that were needed to make it rectangular, and its caption."""

    n_rows: int
    n_cols: int
    cells: list[CellFields]
    fixes: tuple[str, ...]
    caption: str | None

    def table_data(self) -> TableData:
        return TableData.model_validate({"n_rows": self.n_rows, "n_cols": self.n_cols, "cells": self.cells})


def _span(raw: str | None, fixes: list[str], name: str) -> int:
    if raw is None:
        return 1
    match = _LEADING_INT.match(raw)
    if match is None:
        fixes.append(f"unreadable {name}={raw!r} taken as 1")
        return 1
    value = int(match.group(1))
    if value == 0:
        return MAX_SPAN if name == "rowspan" else 1  # HTML: rowspan=0 runs to the end of the table
    if value > MAX_SPAN:
        fixes.append(f"{name}={value} clipped to {MAX_SPAN}")
        return MAX_SPAN
    return value


def source_rows(table: Element) -> tuple[list[list[SourceCell]], list[str]]:
    """The rows of a ``<table>`` (thead/tbody/tfoot in order, nested tables left inside their cells)."""
    rows: list[list[SourceCell]] = []
    fixes: list[str] = []

    def add_row(tr: Element, in_head: bool) -> None:
        cells = []
        for cell in tr:
            tag = cell.tag
            if tag != "td" and tag != "th":
                continue
            rowspan, colspan = cell.get("rowspan"), cell.get("colspan")
            cells.append(
                (
                    " ".join((cell.text or "").split()) if len(cell) == 0 else element_text(cell),
                    1 if rowspan is None else _span(rowspan, fixes, "rowspan"),
                    1 if colspan is None else _span(colspan, fixes, "colspan"),
                    in_head or tag == "th",
                )
            )
        rows.append(cells)

    for child in table:
        tag = tag_of(child)
        if tag == "tr":
            add_row(child, False)
        elif tag in ("thead", "tbody", "tfoot"):
            for tr in child:
                if tag_of(tr) == "tr":
                    add_row(tr, tag == "thead")
    return rows, fixes


def normalize(rows: list[list[SourceCell]]) -> tuple[int, int, list[CellFields], list[str]]:
    """Place cells on a grid and make it rectangular: ``(n_rows, n_cols, cells, fixes)``.

    The cells come as plain fields, validated once (in Rust) when the block is built; the
    grid invariant is checked there by :class:`schemas.TableData`.
    """
    fixes: list[str] = []
    width_limit = min(MAX_TABLE_COLS, max([MAX_COLUMNS, *(len(row) for row in rows)]))
    row_limit = min(MAX_TABLE_ROWS, MAX_TABLE_SLOTS // width_limit)
    if len(rows) > row_limit:  # the schema's bound on a grid (schemas.blocks.MAX_TABLE_SLOTS)
        fixes.append(f"table cut to its first {row_limit} of {len(rows)} rows (at most {MAX_TABLE_SLOTS} slots)")
        rows = rows[:row_limit]
    if _UNSPANNED.issuperset(map(_SPANS, chain.from_iterable(rows))):  # stops at the first span
        return _place_unspanned(rows, width_limit, fixes)
    return _place_spanned(rows, width_limit, fixes)


def _place_unspanned(
    rows: list[list[SourceCell]], width_limit: int, fixes: list[str]
) -> tuple[int, int, list[CellFields], list[str]]:
    """:func:`normalize` for tables without spans: cell ``i`` of a row goes to column ``i``.

    The same grid, fixes and cell order as :func:`_place_spanned` gives them (row by row,
    padding at the end of each short row), without tracking taken slots.
    """
    n_rows = len(rows)
    lengths = list(map(len, rows))
    n_cols = min(max(lengths, default=0), width_limit)
    dropped = sum(max(length - width_limit, 0) for length in lengths)
    if dropped:
        fixes.append(f"{dropped} cell(s) past column {width_limit} dropped")
    if n_cols == 0:
        return 0, 0, [], fixes
    placed: list[CellFields] = []
    padded = 0
    for r, row in enumerate(rows):
        placed += [
            {"row": r, "col": c, "rowspan": 1, "colspan": 1, "header": header, "text": text}
            for c, (text, _, _, header) in enumerate(row[:width_limit])
        ]
        for c in range(len(row), n_cols):
            placed.append({"row": r, "col": c, "rowspan": 1, "colspan": 1, "header": False, "text": ""})
            padded += 1
    if padded:
        fixes.append(f"{padded} empty cell(s) added to make the rows the same length")
    return n_rows, n_cols, placed, fixes


def _place_spanned(
    rows: list[list[SourceCell]], width_limit: int, fixes: list[str]
) -> tuple[int, int, list[CellFields], list[str]]:
    """:func:`normalize`'s placement by the HTML table algorithm, spans shortened where they collide."""
    n_rows = len(rows)
    taken: set[tuple[int, int]] = set()
    placed: list[CellFields] = []
    dropped = 0
    for r, row in enumerate(rows):
        c = 0
        for text, cell_rowspan, cell_colspan, header in row:
            while (r, c) in taken:
                c += 1
            if c >= width_limit:  # past the widest grid a table may have
                dropped += 1
                continue
            if cell_colspan == 1 and cell_rowspan == 1:  # the common case, as the general one below
                taken.add((r, c))
                placed.append({"row": r, "col": c, "rowspan": 1, "colspan": 1, "header": header, "text": text})
                c += 1
                continue
            colspan = 1
            while colspan < cell_colspan and c + colspan < width_limit and (r, c + colspan) not in taken:
                colspan += 1
            rowspan = 1
            while (
                rowspan < cell_rowspan
                and r + rowspan < n_rows
                and all((r + rowspan, k) not in taken for k in range(c, c + colspan))
            ):
                rowspan += 1
            if colspan != cell_colspan:
                fixes.append(f"colspan {cell_colspan} at row {r} shortened to {colspan} (overlap or grid edge)")
            if rowspan != cell_rowspan and cell_rowspan != MAX_SPAN:
                fixes.append(f"rowspan {cell_rowspan} at row {r} shortened to {rowspan}")
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    taken.add((rr, cc))
            placed.append({"row": r, "col": c, "rowspan": rowspan, "colspan": colspan, "header": header, "text": text})
            c += colspan
    if dropped:
        fixes.append(f"{dropped} cell(s) past column {width_limit} dropped")
    n_cols = max((cell["col"] + cell["colspan"] for cell in placed), default=0)
    if n_cols == 0:
        return 0, 0, [], fixes
    padded = 0
    for r in range(n_rows):
        for c in range(n_cols):
            if (r, c) not in taken:
                placed.append({"row": r, "col": c, "rowspan": 1, "colspan": 1, "header": False, "text": ""})
                padded += 1
    if padded:  # without padding the cells are already in (row, col) order
        fixes.append(f"{padded} empty cell(s) added to make the rows the same length")
        placed.sort(key=lambda cell: (cell["row"], cell["col"]))
    return n_rows, n_cols, placed, fixes


def table_grid(table: Element) -> Grid:
    """The normalized grid of a ``<table>`` element, with its ``<caption>`` if any."""
    rows, fixes = source_rows(table)
    n_rows, n_cols, cells, more = normalize(rows)
    caption = next((element_text(child) for child in table if tag_of(child) == "caption"), None)
    return Grid(n_rows, n_cols, cells, tuple(fixes + more), caption or None)


def grid_text(grid: Grid) -> str:
    """The table as text: rows on lines, cells separated by tabs, spanned slots left empty."""
    width = grid.n_cols
    if width and len(grid.cells) == grid.n_rows * width:  # no span: the cells are the slots, row by row
        texts = [cell["text"] for cell in grid.cells]
        return "\n".join("\t".join(texts[i : i + width]).rstrip("\t") for i in range(0, len(texts), width)).strip("\n")
    lines = [["" for _ in range(grid.n_cols)] for _ in range(grid.n_rows)]
    for cell in grid.cells:
        lines[cell["row"]][cell["col"]] = cell["text"]
    return "\n".join("\t".join(line).rstrip("\t") for line in lines).strip("\n")
