"""Tables without vertical rules: booktabs-style tables (horizontal rules only) and rule-less
tables under or over a ``Table N`` caption, read from the alignment of their text.

Conservative by design (a false table over prose is worse than a missed one):

* **Ruled regions**: horizontal rules (thin drawn paths at least :data:`RULE_MIN_WIDTH`
  wide; a double rule counts once) of the same x-extent, one under the other with only
  text rows between them, form a chain; the text between its first and last rule is the
  table. A chain is a table region when it has three rules or more (``\\toprule``,
  ``\\midrule``, ``\\bottomrule``) or a table caption just above or below it; the rows
  above its first inner rule are header rows.
* **Rule-less regions**: under (or over) a table caption, the rows that follow it closely
  (gaps under :data:`ROW_MAX_GAP_EM` body sizes), each with two cells or more, in the
  caption's column (half the page, unless the caption is centred on it).
* Either region becomes a table only if its grid passes
  :func:`~docparse.engines.pdf_text_grid.looks_tabular` (three rows at least for a
  rule-less one); every line whose centre lies in it is consumed, so no word is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from docparse.engines.pdf_text_extract import Line, VectorPath
from docparse.engines.pdf_text_grid import Grid, Piece, build_grid, grid_html, looks_tabular, split_pieces
from docparse.engines.pdf_text_layout import Element
from docparse.engines.pdf_text_roles import CAPTION_MAX_GAP_EM, is_table_caption
from docparse.engines.pdf_text_rows import Box, center, center_in, h_overlap, union, v_overlap

RULE_MAX_THICK = 2.0
RULE_MIN_WIDTH = 40.0
DOUBLE_RULE_GAP = 3.5  # points: two rules this close are one (a double rule)
ROW_MAX_GAP_EM = 1.2
MAX_HEADER_ROWS = 3


def horizontal_rules(paths: Sequence[VectorPath]) -> list[Box]:
    """Thin wide paths, top to bottom; a double rule as one box."""
    thin = sorted(
        (p.box for p in paths if p.box[3] - p.box[1] <= RULE_MAX_THICK and p.box[2] - p.box[0] >= RULE_MIN_WIDTH),
        key=lambda b: (b[1], b[0]),
    )
    out: list[Box] = []
    for b in thin:
        twin = next((k for k, o in enumerate(out) if _same_extent(o, b) and b[1] - o[3] <= DOUBLE_RULE_GAP), None)
        if twin is None:
            out.append(b)
        else:
            out[twin] = union([out[twin], b])
    return out


def _same_extent(a: Box, b: Box, tol: float = 3.0) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[2] - b[2]) <= tol


def _within(b: Box, area: Box) -> bool:
    """The centre of ``b`` in ``area``, give or take two points across."""
    return center_in(b, (area[0] - 2, area[1], area[2] + 2, area[3]))


def _chains(rules: list[Box], lines: Sequence[Line], free: list[int], body: float) -> list[list[Box]]:
    """Rules of one extent joined top to bottom while only text rows (no caption, no wide
    empty gap) lie between two consecutive ones."""
    chains: list[list[Box]] = []
    for rule in rules:
        home = next((c for c in chains if _same_extent(c[-1], rule) and _joins(c[-1], rule, lines, free, body)), None)
        if home is None:
            chains.append([rule])
        else:
            home.append(rule)
    return [c for c in chains if len(c) >= 2]


def _joins(upper: Box, lower: Box, lines: Sequence[Line], free: list[int], body: float) -> bool:
    area = (upper[0], upper[3], upper[2], lower[1])
    inside = [i for i in free if _within(lines[i].box, area)]
    if not inside or any(is_table_caption(lines[i].text) for i in inside):
        return False
    reach = area[1]
    for b in sorted((lines[i].box for i in inside), key=lambda b: b[1]):
        if b[1] - reach > 2.0 * body:
            return False
        reach = max(reach, b[3])
    return lower[1] - reach <= 2.0 * body


def _caption_near(box: Box, captions: list[int], lines: Sequence[Line], body: float) -> int | None:
    for i in captions:
        c = lines[i].box
        gap = max(box[1] - c[3], c[1] - box[3], 0.0)
        if gap <= CAPTION_MAX_GAP_EM * body and h_overlap(c, box) >= 0.5:
            return i
    return None


def _pieces(ids: Sequence[int], lines: Sequence[Line]) -> list[Piece]:
    return [p for i in ids for p in split_pieces(lines[i].spans, lines[i].size, i)]


def _table(grid: Grid, box: Box, header_rows: int) -> tuple[Element, set[int]]:
    return Element("table", box, inner_html=grid_html(grid, header_rows)), set(grid.lines)


def read_aligned_tables(
    lines: Sequence[Line], consumed: set[int], paths: Sequence[VectorPath], page_box: Box, body: float
) -> list[tuple[Element, set[int]]]:
    """Booktabs-style and rule-less tables as ``(element, ids of the lines they consume)``."""
    free = [i for i in range(len(lines)) if i not in consumed]
    captions = [i for i in free if is_table_caption(lines[i].text)]
    found: list[tuple[Element, set[int]]] = []
    taken: set[int] = set()
    for chain in _chains(horizontal_rules(paths), lines, free, body):
        area = (chain[0][0], chain[0][3], chain[0][2], chain[-1][1])
        box = union([chain[0], chain[-1]])
        caption = _caption_near(box, captions, lines, body)
        if len(chain) < 3 and caption is None:
            continue
        ids = [i for i in free if i not in taken and _within(lines[i].box, area)]
        inner = chain[1:-1]
        grid = build_grid(_pieces(ids, lines), body, [center(r)[1] for r in inner])
        if grid is None or not looks_tabular(grid, 2):
            continue
        above = sum(1 for rb in grid.row_boxes if inner and center(rb)[1] < inner[0][3])
        header = above if 0 < above <= MAX_HEADER_ROWS and above < len(grid.row_boxes) else 0
        found.append(_table(grid, box, header))
        taken |= set(ids)
        if caption is not None:
            captions.remove(caption)
    for i in captions:
        hit = _unruled(i, lines, [k for k in free if k not in taken and k != i], page_box, body)
        if hit is not None:
            found.append(hit)
            taken |= hit[1]
    return found


def _band(caption: Box, page_box: Box) -> tuple[float, float]:
    """The x-range a caption's table may take: the page, or the half the caption sits in."""
    mid = (page_box[0] + page_box[2]) / 2
    cx = center(caption)[0]
    if abs(cx - mid) <= 0.15 * (page_box[2] - page_box[0]):
        return page_box[0], page_box[2]
    return (page_box[0], mid) if cx < mid else (mid, page_box[2])


def _unruled(
    cap: int, lines: Sequence[Line], free: list[int], page_box: Box, body: float
) -> tuple[Element, set[int]] | None:
    """The rule-less table right under (else over) a caption, or ``None``."""
    cbox = lines[cap].box
    lo, hi = _band(cbox, page_box)
    band = [i for i in free if lo <= center(lines[i].box)[0] <= hi and lines[i].block != lines[cap].block]
    for downward in (True, False):
        ids = _grow(cbox, band, lines, body, downward)
        grid = build_grid(_pieces(ids, lines), body) if ids else None
        if grid is None or not looks_tabular(grid, 3) or any(len(r) < 2 for r in grid.cells):
            continue
        box = union(lines[i].box for i in ids)
        header = 1 if all(lines[i].bold for i in ids if _within(lines[i].box, grid.row_boxes[0])) else 0
        return _table(grid, box, header)
    return None


def _grow(cbox: Box, band: list[int], lines: Sequence[Line], body: float, downward: bool) -> list[int]:
    """Lines of the rows next to the caption, row after row while the gap stays small and the
    row has a cell gap."""
    side = [i for i in band if (lines[i].box[1] >= cbox[3] - 1 if downward else lines[i].box[3] <= cbox[1] + 1)]
    side.sort(key=lambda i: lines[i].box[1] if downward else -lines[i].box[3])
    out: list[int] = []
    edge = cbox[3] if downward else cbox[1]
    limit = CAPTION_MAX_GAP_EM * body
    while side:
        first = lines[side[0]].box
        row = [i for i in side if v_overlap(first, lines[i].box) > 0.5]
        rbox = union(lines[i].box for i in row)
        gap = rbox[1] - edge if downward else edge - rbox[3]
        if gap > limit or len(_pieces(row, lines)) < 2:
            break
        out.extend(row)
        side = [i for i in side if i not in row]
        edge = rbox[3] if downward else rbox[1]
        limit = ROW_MAX_GAP_EM * body
    return out
