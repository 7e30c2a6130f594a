"""A table's grid read from the alignment of its text alone (no vertical rules): pure rules on
text pieces in displayed points, used by :mod:`docparse.engines.pdf_text_aligned`.

* **Pieces**: each span of a line; spans of one line closer than :data:`SPAN_CUT_EM` font
  sizes stay one piece (words of one cell); pieces of one column make one cell.
* **Rows**: pieces overlapping vertically by half the shorter one; a smaller piece (an
  index, a footnote mark) joins the row it overlaps, and the piece beside it. When the gaps
  between rows come in two clearly different sizes (:data:`WRAP_GAP_EM`), a row under a
  small gap continues the row above (cells wrapped onto several lines).
* **Columns**: the x-ranges covered by cells of most rows; a stretch at least
  :data:`CELL_GAP_EM` body sizes wide that at most a fifth of the rows cross (a header
  spanning two columns) separates two columns. A cell crossing a separator spans both.
* **Is it a table**: at least two columns, most rows with two filled cells or more, short
  cells (no cell of prose), and a first column that is not list markers (:func:`looks_tabular`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from docparse.engines.pdf_text_rows import WORD_GAP_EM, Box, is_rtl, union, v_overlap

CELL_GAP_EM = 0.8
"""A horizontal gap this wide (in font sizes) between two pieces of a row separates two cells."""
SPAN_CUT_EM = 0.5
"""Two spans of one line this far apart (in font sizes) are two pieces (a cell may end
closer to the next than a column gap when the cell fills its column)."""
SPAN_ROW_SHARE = 0.2
"""The share of rows that may cross a gap between two columns (cells spanning columns)."""
MIN_FILLED_SHARE = 0.6
"""The share of rows that must have two filled cells or more."""
WRAP_GAP_EM = 0.3
"""Row gaps differing by this many body sizes tell wrapped cell lines from new rows."""
MAX_CELL_WORDS = 12
MAX_MEAN_CELL_CHARS = 30
_MARKER = re.compile(r"^(?:[•◦▪‣∙●○■□►▶\-–—*]|\(?\d{1,3}[.)]|\[\d{1,3}\])$")


@dataclass
class Piece:
    """A run of text of one line between cell gaps: its box, text, font size and line id."""

    box: Box
    text: str
    size: float
    line: int


@dataclass
class Grid:
    """Rows of cells: ``cells[r]`` holds ``(first column, column span, text)`` left to right."""

    ncols: int
    cells: list[list[tuple[int, int, str]]]
    row_boxes: list[Box]
    lines: set[int] = field(default_factory=set)


def split_pieces(spans: Sequence[tuple[Box, str]], size: float, line: int) -> list[Piece]:
    """A line's spans joined into pieces, cut where the gap between two spans is a cell gap."""
    out: list[Piece] = []
    for box, text in sorted(spans, key=lambda s: s[0][0]):
        if not text.strip():
            continue
        last = out[-1] if out else None
        if last is not None and box[0] - last.box[2] < SPAN_CUT_EM * size:
            sep = " " if box[0] - last.box[2] > WORD_GAP_EM * size or text.startswith(" ") else ""
            last.text = (last.text.rstrip() + sep + text.lstrip()).strip()
            last.box = union([last.box, box])
            continue
        out.append(Piece(box, text.strip(), size, line))
    return out


def _rows(pieces: Sequence[Piece]) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    boxes: list[Box] = []
    for p in sorted(pieces, key=lambda p: (-p.size, p.box[1])):
        home = max(range(len(rows)), key=lambda k: v_overlap(p.box, boxes[k]), default=None)
        if home is not None and v_overlap(p.box, boxes[home]) >= 0.5:
            rows[home].append(p)
            if p.size >= max(q.size for q in rows[home]) * 0.9:
                boxes[home] = union([boxes[home], p.box])
            continue
        rows.append([p])
        boxes.append(p.box)
    order = sorted(range(len(rows)), key=lambda k: boxes[k][1])
    return [rows[k] for k in order]


def _join(row: list[Piece], body: float) -> str:
    """The texts of pieces of one cell, in reading order, a space where they stand apart."""
    parts = sorted(row, key=lambda p: (round(p.box[1] / (0.8 * body)), p.box[0]))
    text = parts[0].text
    for a, b in itertools.pairwise(parts):
        tight = v_overlap(a.box, b.box) >= 0.5 and b.box[0] - a.box[2] <= WORD_GAP_EM * body
        text += ("" if tight else " ") + b.text
    return text


def _continued(rows: list[list[Piece]], cuts: Sequence[float], body: float) -> list[list[Piece]]:
    """Rows of a table whose cells wrap onto several lines joined: when the gaps between rows
    (no rule between them) are of two clearly different sizes, a row under the small gap
    continues the row above it."""
    boxes = [union(p.box for p in row) for row in rows]
    gaps = [
        (k, boxes[k + 1][1] - boxes[k][3])
        for k in range(len(rows) - 1)
        if not any(boxes[k][3] - 1 <= y <= boxes[k + 1][1] + 1 for y in cuts)
    ]
    if len(gaps) < 2:
        return rows
    small, large = min(g for _, g in gaps), max(g for _, g in gaps)
    if large - small < WRAP_GAP_EM * body:
        return rows
    joined = {k + 1 for k, g in gaps if g < (small + large) / 2}
    out: list[list[Piece]] = []
    for k, row in enumerate(rows):
        if k in joined and out:
            out[-1] = out[-1] + row
        else:
            out.append(list(row))
    return out


def _separators(rows: list[list[Piece]], body: float) -> list[float]:
    """The x-positions between columns: in stretches at least a cell gap wide that few rows
    cross, the middle of the part fewest rows cross."""
    edges = sorted({v for row in rows for c in row for v in (c.box[0], c.box[2])})
    allow = int(SPAN_ROW_SHARE * len(rows))
    left, right = edges[0], edges[-1]
    runs: list[list[tuple[float, float, int]]] = []
    last_b = None
    for a, b in itertools.pairwise(edges):
        mid = (a + b) / 2
        crossing = sum(1 for row in rows if any(c.box[0] < mid < c.box[2] for c in row))
        if crossing > allow:
            last_b = None
            continue
        if last_b is not None and abs(last_b - a) < 1e-6:
            runs[-1].append((a, b, crossing))
        else:
            runs.append([(a, b, crossing)])
        last_b = b
    out: list[float] = []
    for run in runs:
        a, b = run[0][0], run[-1][1]
        if b - a < CELL_GAP_EM * body or a <= left or b >= right:
            continue
        least = min(c for _, _, c in run)
        best = max((s for s in run if s[2] == least), key=lambda s: s[1] - s[0])
        out.append((best[0] + best[1]) / 2)
    return out


def build_grid(pieces: Sequence[Piece], body: float, cuts: Sequence[float] = ()) -> Grid | None:
    """The grid of ``pieces`` (the text of one table region; ``cuts``: the y of rules inside
    it), or ``None`` when it has fewer than two rows or two columns."""
    rows = _rows(pieces)
    if len(rows) < 2:
        return None
    bounds = _separators(rows, body)
    if not bounds:
        return None
    rows = _continued(rows, cuts, body)
    grid = Grid(len(bounds) + 1, [], [], {p.line for p in pieces})
    for row in rows:
        cols: dict[int, tuple[int, list[Piece]]] = {}
        for c in row:
            first = sum(1 for x in bounds if x <= c.box[0])
            last = sum(1 for x in bounds if x < c.box[2])
            end, members = cols.get(first, (first, []))
            cols[first] = (max(end, last), [*members, c])
        cells: list[tuple[int, int, str]] = []
        edge = 0
        for first in sorted(cols):
            end, members = cols[first]
            if first < edge:  # inside the span of the cell before: join it
                f0, span0, t0 = cells[-1]
                cells[-1] = (f0, max(span0, end - f0 + 1), t0 + " " + _join(members, body))
                edge = max(edge, end + 1)
                continue
            cells.append((first, end - first + 1, _join(members, body)))
            edge = end + 1
        grid.cells.append(cells)
        grid.row_boxes.append(union(c.box for c in row))
    return grid


def looks_tabular(grid: Grid, min_rows: int) -> bool:
    """Enough rows, most with two cells or more, short cells, no column of list markers."""
    if len(grid.cells) < min_rows or grid.ncols < 2:
        return False
    filled = sum(1 for row in grid.cells if len(row) >= 2)
    if filled < MIN_FILLED_SHARE * len(grid.cells) or filled < 2:
        return False
    texts = [t for row in grid.cells for _, _, t in row]
    if any(len(t.split()) > MAX_CELL_WORDS for t in texts):
        return False
    if sum(len(t) for t in texts) > MAX_MEAN_CELL_CHARS * len(texts):
        return False
    firsts = [row[0][2] for row in grid.cells if row and row[0][0] == 0]
    return not (firsts and sum(1 for t in firsts if _MARKER.match(t.split()[0])) >= 0.5 * len(firsts))


HtmlCell = tuple[str, int, int]
"""A cell as :func:`table_html` writes it: text, column span, row span."""


def grid_html(grid: Grid, header_rows: int) -> str:
    """The grid as :func:`table_html`; empty slots are empty cells."""
    rows: list[list[HtmlCell]] = []
    for row in grid.cells:
        out: list[HtmlCell] = []
        col = 0
        for first, span, text in row:
            out.extend(("", 1, 1) for _ in range(first - col))
            out.append((text, span, 1))
            col = first + span
        out.extend(("", 1, 1) for _ in range(grid.ncols - col))
        rows.append(out)
    return table_html(rows, header_rows)


def table_html(rows: Sequence[Sequence[HtmlCell]], header_rows: int) -> str:
    """``<table>`` with ``<thead>`` (the first ``header_rows`` rows, cells ``th``) and
    ``<tbody>``; empty cells are ``class="_empty"``, spanning cells carry ``colspan`` /
    ``rowspan``. ``rows`` are in page order, left to right; a table whose letters are mostly of
    a right-to-left script (Arabic, Hebrew) is written in logical column order, the first
    column the rightmost one, and marked ``dir="rtl"`` so HTML shows it as on the page: each
    row's cells reversed, which mirrors the whole grid, row spans included, since the slots a
    span covers mirror with it."""
    rtl = is_rtl("".join(text for row in rows for text, _, _ in row))
    html_rows: list[str] = []
    for r, row in enumerate(rows):
        tag = "th" if r < header_rows else "td"
        out: list[str] = []
        for text, colspan, rowspan in reversed(row) if rtl else row:
            attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            if not text:
                attrs += ' class="_empty"'
            out.append(f"<{tag}{attrs}>{escape(text)}</{tag}>")
        html_rows.append("<tr>" + "".join(out) + "</tr>")
    if 0 < header_rows < len(html_rows):
        body = (
            "<thead>"
            + "".join(html_rows[:header_rows])
            + "</thead><tbody>"
            + "".join(html_rows[header_rows:])
            + "</tbody>"
        )
    else:
        body = "<tbody>" + "".join(html_rows) + "</tbody>"
    return f'<table dir="rtl">{body}</table>' if rtl else f"<table>{body}</table>"
