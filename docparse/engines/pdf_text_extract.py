"""PyMuPDF readers of the ``pdf-text`` engine: text lines, ruled tables and figures of one page.

All results are in the page's displayed space (points, origin top-left, after /Rotate and the
crop box). The caller sets the page's rotation to 0 first, so that every PyMuPDF call works in
the same unrotated space; ``m`` (the page's original ``rotation_matrix``) maps it to display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from docparse.engines.pdf_text_chars import line_spans, math_share
from docparse.engines.pdf_text_grid import HtmlCell, table_html
from docparse.engines.pdf_text_hyphens import SOFT_HYPHEN
from docparse.engines.pdf_text_layout import Element, heading_candidate
from docparse.engines.pdf_text_rows import Box, Row, center_in, clean_text, union
from docparse.mupdf import pymupdf

# One "rawdict" extraction per page, without image payloads (images come from get_image_info).
# Ligatures are kept by MuPDF and expanded by pdf_text_chars (MuPDF's own expansion fails on
# some PDFs: "JM_make_textpage_dict returned a result with an exception set").
TEXT_FLAGS = pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES
MIN_TABLE_FILL = 0.5  # share of a ruled grid's cells that must hold text for it to be a table
MIN_FIGURE_SIDE = 24.0  # points
MAX_FIGURE_SHARE = 0.8  # a drawing or image covering more of the page is a background
FORMULA_RULE_MAX = 1.5  # points: a drawn rule this thin inside math is a fraction bar
FORMULA_MIN_MATH = 0.4  # share of math characters that makes a row (or a cluster's text) a formula


class VectorPath(NamedTuple):
    """One vector path of the page: its box (displayed space) and whether it is filled."""

    box: Box
    filled: bool


@dataclass
class Line:
    """One PyMuPDF text line in displayed space, with its spans (for table cells)."""

    box: Box
    text: str
    size: float
    bold: bool
    block: int
    spans: list[tuple[Box, str]] = field(default_factory=list)
    math: float = 0.0  # share of characters that are math (pdf_text_chars.math_share)

    def row(self) -> Row:
        return Row(self.box, self.text, self.size, self.bold, self.block, self.math, spans=list(self.spans))


def to_display(rect: Any, m: pymupdf.Matrix) -> Box:
    r = pymupdf.Rect(rect) * m
    r.normalize()
    return (r.x0, r.y0, r.x1, r.y1)


def _is_bold(span: dict[str, Any]) -> bool:
    name = str(span.get("font", "")).lower()
    return bool(int(span.get("flags", 0)) & 16) or any(w in name for w in ("bold", "black", "heavy", "semibold"))


def read_lines(page_dict: dict[str, Any], m: pymupdf.Matrix) -> list[Line]:
    """The text lines of a ``get_text("rawdict")`` result, whitespace-only lines dropped.

    Line texts come from the characters (:func:`~docparse.engines.pdf_text_chars.line_spans`):
    ligatures expanded, implicit word gaps turned into spaces, soft hyphens dropped except
    one ending the line (a line-break hyphen for :mod:`~docparse.engines.pdf_text_hyphens`).
    """
    lines: list[Line] = []
    seen: set[tuple[str, int, int]] = set()
    for bno, block in enumerate(page_dict.get("blocks", [])):
        if block.get("type", 0) != 0:
            continue
        for line in block.get("lines", []):
            every = line_spans(line)
            spans = [(b, t, s) for b, t, s in every if t.strip()]
            if not spans:
                continue
            text = _soft_hyphens(clean_text("".join(t for _, t, _ in every)))
            box = to_display(line["bbox"], m)
            key = (text, round(box[0]), round(box[1]))
            if key in seen:
                continue  # the same text drawn twice in place (fake bold, shadows)
            seen.add(key)
            main = max(spans, key=lambda s: len(s[1].strip()))[2]
            lines.append(
                Line(
                    box=box,
                    text=text,
                    size=float(main.get("size", 10.0)),
                    bold=all(_is_bold(s) for _, _, s in spans),
                    block=bno,
                    spans=[(to_display(b, m), _soft_hyphens(t)) for b, t, _ in spans],
                    math=math_share([(str(s.get("font", "")), t) for _, t, s in spans]),
                )
            )
    return lines


def _soft_hyphens(text: str) -> str:
    """Soft hyphens (U+00AD) removed, but for one ending the text."""
    if SOFT_HYPHEN not in text:
        return text
    tail = SOFT_HYPHEN if text.endswith(SOFT_HYPHEN) else ""
    return text.replace(SOFT_HYPHEN, "") + tail


def _snap(values: list[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(grid: list[float], v: float) -> int:
    return min(range(len(grid)), key=lambda i: abs(grid[i] - v))


@dataclass
class _Cell:
    box: Box
    row: int
    col: int
    rowspan: int
    colspan: int
    parts: list[tuple[Box, str, int]] = field(default_factory=list)  # (box, text, line id)

    def text(self) -> str:
        """Parts in reading order; spans of one line join directly, lines join with a space."""
        parts = sorted(self.parts, key=lambda p: (round(p[0][1]), p[0][0]))
        out: list[str] = []
        last = -1
        for _, t, line_id in parts:
            out.append(t if line_id == last or not out else " " + t)
            last = line_id
        return clean_text("".join(out))


def read_tables(
    page: pymupdf.Page, m: pymupdf.Matrix, lines: list[Line], body: float
) -> list[tuple[Element, set[int]]]:
    """Ruled tables as ``(element, ids of the lines they consume)``; cell texts from ``lines``."""
    found: list[tuple[Element, set[int]]] = []
    for table in page.find_tables(use_layout=False).tables:
        boxes = [to_display(c, m) for c in table.cells if c is not None]
        if not boxes:
            continue
        xs = _snap([v for b in boxes for v in (b[0], b[2])])
        ys = _snap([v for b in boxes for v in (b[1], b[3])])
        cells: list[_Cell] = []
        for b in boxes:
            c0, c1, r0, r1 = _index(xs, b[0]), _index(xs, b[2]), _index(ys, b[1]), _index(ys, b[3])
            if c1 > c0 and r1 > r0:
                cells.append(_Cell(b, r0, c0, r1 - r0, c1 - c0))
        nrows, ncols = len(ys) - 1, len(xs) - 1
        if nrows < 2 or ncols < 2 or not cells:
            continue
        tbox = union(c.box for c in cells)
        used: set[int] = set()
        for i, line in enumerate(lines):
            if not center_in(line.box, tbox):
                continue
            used.add(i)
            home = next((c for c in cells if center_in(line.box, c.box)), None)
            if home is not None and line.box[2] <= home.box[2] + 2 and line.box[0] >= home.box[0] - 2:
                home.parts.append((line.box, line.text, i))
                continue
            for sbox, stext in line.spans:
                cell = next((c for c in cells if center_in(sbox, c.box)), None)
                if cell is not None and stext.strip():
                    cell.parts.append((sbox, stext, i))
        filled = sum(1 for c in cells if c.parts)
        if filled < MIN_TABLE_FILL * len(cells):
            continue  # a grid of lines without text: a chart or a frame, not a table
        found.append((Element("table", tbox, inner_html=_table_html(cells, nrows, ncols, lines, used, body)), used))
    return found


def _table_html(cells: list[_Cell], nrows: int, ncols: int, lines: list[Line], used: set[int], body: float) -> str:
    covered = [[False] * ncols for _ in range(nrows)]
    for c in cells:
        for r in range(c.row, min(c.row + c.rowspan, nrows)):
            for k in range(c.col, min(c.col + c.colspan, ncols)):
                covered[r][k] = True
    first = [c for c in cells if c.row == 0]
    first_lines = [lines[i] for i in used if any(center_in(lines[i].box, c.box) for c in first)]
    header = bool(first_lines) and all(ln.bold or heading_candidate(ln.row(), body) for ln in first_lines)
    rows: list[list[HtmlCell]] = []
    for r in range(nrows):
        starts = {c.col: c for c in cells if c.row == r}
        row: list[HtmlCell] = []
        for k in range(ncols):
            cell = starts.get(k)
            if cell is not None:
                row.append((cell.text(), cell.colspan, cell.rowspan))
            elif not covered[r][k]:
                row.append(("", 1, 1))
        rows.append(row)
    return table_html(rows, 1 if header else 0)


def _area(b: Box) -> float:
    return max(b[2] - b[0], 0.0) * max(b[3] - b[1], 0.0)


def _overlap_share(a: Box, b: Box) -> float:
    inter = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return _area(inter) / max(_area(a), 1e-6)


def read_figures(
    page: pymupdf.Page,
    m: pymupdf.Matrix,
    page_box: Box,
    lines: list[Line],
    consumed: set[int],
    taken: list[Box],
    clusters: list[Box],
    paths: list[VectorPath],
    body: float,
) -> list[tuple[Element, set[int]]]:
    """Raster images and vector-graphics clusters (charts, diagrams) as ``div.image`` elements.

    A drawing cluster becomes a figure only if the text inside it reads like labels (short
    lines) and it is not a formula's fraction bars (thin rules around math text); its labels
    and the short labels just around it (ticks, axis names) are consumed, widen its box and
    become the figure's text (nothing the page shows is lost). Raster images consume no text
    (text over an image is a text layer).
    """
    page_area = _area(page_box)
    found: list[tuple[Element, set[int]]] = []
    boxes: list[Box] = []
    for info in page.get_image_info():
        b = _clip(to_display(info["bbox"], m), page_box)
        if min(b[2] - b[0], b[3] - b[1]) >= 8 and _area(b) <= MAX_FIGURE_SHARE * page_area and b not in boxes:
            boxes.append(b)
            found.append((Element("image", b), set()))
    for cb in clusters:
        b = _clip(cb, page_box)
        if min(b[2] - b[0], b[3] - b[1]) < MIN_FIGURE_SIDE or _area(b) > MAX_FIGURE_SHARE * page_area:
            continue
        if any(_overlap_share(b, t) > 0.5 for t in taken + boxes):
            continue
        drawn = [p for p in paths if center_in(p.box, b)]
        if all(not p.filled and _on_border(p.box, b) for p in drawn):
            continue  # an empty frame, not a picture
        inside = {i for i, ln in enumerate(lines) if i not in consumed and center_in(ln.box, b)}
        if _formula_rules(drawn, [lines[i] for i in inside]):
            continue  # fraction bars and radical signs of a formula, not a picture
        text_area = sum(_area(lines[i].box) for i in inside)
        if any(len(lines[i].text.split()) >= 6 for i in inside) or text_area > 0.25 * _area(b):
            continue  # a shaded box behind prose, not a picture
        for _ in range(2):
            for i, ln in enumerate(lines):
                if (
                    i in inside
                    or i in consumed
                    or ln.size > body * 1.01
                    or len(ln.text.split()) > 4
                    or len(ln.text) > 24
                ):
                    continue
                if heading_candidate(ln.row(), body) is None and center_in(ln.box, b, pad=1.5 * ln.size):
                    inside.add(i)
                    b = union([b, ln.box])
        labels = [lines[i] for i in sorted(inside, key=lambda i: (round(lines[i].box[1]), lines[i].box[0]))]
        found.append((Element("image", b, text=" ".join(ln.text for ln in labels)), inside))
    return found


def _formula_rules(drawn: list[VectorPath], inside: list[Line]) -> bool:
    """Only thin rules (fraction bars, radical overlines) around text that is mostly math."""
    if not inside or not drawn:
        return False
    thin = all(min(p.box[2] - p.box[0], p.box[3] - p.box[1]) < FORMULA_RULE_MAX for p in drawn)
    chars = sum(len(ln.text) for ln in inside)
    return thin and sum(ln.math * len(ln.text) for ln in inside) >= FORMULA_MIN_MATH * chars


def _on_border(p: Box, b: Box, tol: float = 2.0) -> bool:
    """The path is the frame of ``b`` or a straight line along one of its edges."""
    if all(abs(u - v) < tol for u, v in zip(p, b, strict=True)):
        return True
    if p[2] - p[0] < tol:
        return abs(p[0] - b[0]) < tol or abs(p[2] - b[2]) < tol
    if p[3] - p[1] < tol:
        return abs(p[1] - b[1]) < tol or abs(p[3] - b[3]) < tol
    return False


def _clip(b: Box, page_box: Box) -> Box:
    return (max(b[0], page_box[0]), max(b[1], page_box[1]), min(b[2], page_box[2]), min(b[3], page_box[3]))
