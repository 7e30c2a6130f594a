"""Rows of the ``pdf-text`` engine: boxes, one visual line of text, and merging lines into rows.

A PDF line as MuPDF reports it ends wherever the baseline moves: a superscript, a subscript,
an index in a formula or a logo such as X\u018eT\u1d07X becomes a "line" of its own. :func:`merge_rows`
puts such pieces back into the row they belong to, in reading order, so that no symbol is
lost or moved to the end of the paragraph; :func:`attach_fragments` first brings such pieces
that MuPDF put in other blocks to their row's block, an index stacked under the exponent
ending a row of prose too (``L_p^{(r)}``). Pure: boxes in displayed page points.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from docparse.engines.pdf_text_scripts import raised_marker

Box = tuple[float, float, float, float]

WORD_GAP_EM = 0.15
"""A gap wider than this share of the font size between two pieces of a row is a word break."""
SCRIPT_MIN_OVERLAP = 0.2
"""A piece overlapping a row vertically by this share of the shorter one (and sitting beside
it, not under it) is a script of that row."""

STACK_MAX_CHARS = 2
"""The longest index that joins the row whose exponent it is set under (or over) ..."""
STACK_MAX_MATH = 0.3
"""... when that row is prose (less than this share of math)."""
STACK_MIN_WIDTH = 0.5
"""Stacked pieces share at least this share of the narrower one's width ..."""
STACK_MAX_HEIGHT = 0.3
"""... and at most this share of the shorter one's height."""

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def union(boxes: Iterable[Box]) -> Box:
    """The smallest box holding all ``boxes`` (at least one)."""
    xs0, ys0, xs1, ys1 = zip(*boxes, strict=True)
    return (min(xs0), min(ys0), max(xs1), max(ys1))


def v_overlap(a: Box, b: Box) -> float:
    """Vertical overlap of two boxes as a fraction of the shorter one's height."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    shorter = max(min(a[3] - a[1], b[3] - b[1]), 1e-6)
    return max(inter, 0.0) / shorter


def h_overlap(a: Box, b: Box) -> float:
    """Horizontal overlap of two boxes as a fraction of the narrower one's width."""
    inter = min(a[2], b[2]) - max(a[0], b[0])
    narrower = max(min(a[2] - a[0], b[2] - b[0]), 1e-6)
    return max(inter, 0.0) / narrower


def center(b: Box) -> tuple[float, float]:
    """The centre of a box."""
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


def center_in(box: Box, area: Box, pad: float = 0.0) -> bool:
    """The centre of ``box`` lies in ``area`` widened by ``pad`` on every side."""
    cx, cy = center(box)
    return area[0] - pad <= cx <= area[2] + pad and area[1] - pad <= cy <= area[3] + pad


def clean_text(text: str) -> str:
    """Control characters removed, whitespace runs collapsed to one space, ends stripped."""
    return " ".join(_CONTROL_RE.sub(" ", text).split())


def is_rtl(text: str) -> bool:
    """Most letters of ``text`` are of a right-to-left script (Hebrew, Arabic, ...)."""
    rtl = ltr = 0
    for c in text:
        kind = unicodedata.bidirectional(c)
        rtl += kind in ("R", "AL")
        ltr += kind == "L"
    return rtl > ltr


@dataclass
class Row:
    """One visual line of text: its box, text, dominant font size, boldness, source block and
    the share of its characters set in math fonts or written as math symbols (``math``)."""

    box: Box
    text: str
    size: float
    bold: bool
    block: int = 0
    math: float = 0.0
    pieces: list[tuple[Box, str]] = field(default_factory=list, repr=False)
    spans: list[tuple[Box, str]] = field(default_factory=list, repr=False)
    """The spans of the row's source line, for an index stacked on its last one."""

    def _pieces(self) -> list[tuple[Box, str]]:
        return self.pieces or [(self.box, self.text)]


def _joined(pieces: list[tuple[Box, str]], size: float) -> str:
    """Pieces of one row in reading order (right to left for a right-to-left row), a space
    where they stand apart."""
    rtl = is_rtl("".join(t for _, t in pieces))
    ordered = sorted(pieces, key=lambda p: -p[0][2] if rtl else p[0][0])
    out = ""
    prev: Box | None = None
    prev_text = ""
    for box, text in ordered:
        if prev is not None:
            gap = prev[0] - box[2] if rtl else box[0] - prev[2]
            apart = gap > WORD_GAP_EM * size or (not rtl and raised_marker(prev, prev_text, box, text))
            out += " " if apart else ""
        out += text
        prev, prev_text = box, text
    return clean_text(out)


def _belongs(row: Row, piece: Row) -> bool:
    if v_overlap(row.box, piece.box) >= 0.5:
        return True  # the same row (a formula and its number, a line cut in two)
    if v_overlap(row.box, piece.box) < SCRIPT_MIN_OVERLAP:
        return False
    near = max(row.size, piece.size)
    beside = all(h_overlap(b, piece.box) < 0.3 for b, _ in row._pieces())
    adjacent = piece.box[0] <= row.box[2] + near and piece.box[2] >= row.box[0] - near
    return beside and adjacent


def merge_rows(rows: Sequence[Row]) -> list[Row]:
    """Lines of one block that share a row — a formula and its number, a superscript or an
    index and the text around it — become one row, its pieces in reading order."""
    out: list[Row] = []
    for row in sorted(rows, key=lambda r: (r.box[1], r.box[0])):
        same = next((o for o in out if _belongs(o, row)), None)
        if same is None:
            out.append(Row(row.box, row.text, row.size, row.bold, row.block, row.math))
            continue
        pieces = [*same._pieces(), (row.box, row.text)]
        chars = len(same.text) + len(row.text)
        same.math = (same.math * len(same.text) + row.math * len(row.text)) / max(chars, 1)
        main = max(same, row, key=lambda r: len(r.text))
        script = v_overlap(same.box, row.box) < 0.5
        same.text = _joined(pieces, main.size)
        same.pieces = pieces
        same.box = union([same.box, row.box])
        same.size = main.size if script else max(same.size, row.size)
        same.bold = same.bold and row.bold
    return sorted(out, key=lambda r: (r.box[1], r.box[0]))


def attach_fragments(rows: Sequence[Row]) -> None:
    """A piece of a row that MuPDF put in a block of its own — a lowered letter of a logo, a
    script, the rest of a line after a font change — joins the block of the row piece it
    touches (horizontal gap within :data:`WORD_GAP_EM` x 2 of the font size) or a script it
    sets one under the other (:func:`_stacked_on`), so that :func:`merge_rows` can put the row
    together."""
    ordered = sorted(rows, key=lambda r: r.box[0])
    for i, row in enumerate(ordered):
        reach = 2 * WORD_GAP_EM * row.size
        for left in ordered[:i]:
            if left.block == row.block:
                continue
            touches = abs(left.box[2] - row.box[0]) <= reach and h_overlap(left.box, row.box) < 0.5
            if v_overlap(left.box, row.box) >= SCRIPT_MIN_OVERLAP and (touches or _stacked_on(left, row)):
                row.block = left.block
                break


def _stacked_on(row: Row, piece: Row) -> bool:
    """``piece`` is a lone index (:data:`STACK_MAX_CHARS` characters at most) set under or over
    an exponent of ``row``, a row of prose, in a smaller size and mostly within the row's
    height: ``L_p^{(r)}`` in a sentence. A span of each is set right above the other, as a
    superscript over a subscript (which starts at the same x): they share most of the narrower
    one's width (:data:`STACK_MIN_WIDTH`) and little of the shorter one's height
    (:data:`STACK_MAX_HEIGHT`). MuPDF may put such an index in a block of its own, which would
    take it to another element."""
    if len(piece.text) > STACK_MAX_CHARS or row.math >= STACK_MAX_MATH or piece.size >= row.size:
        return False
    if not row.box[0] < piece.box[0] < row.box[2] or v_overlap(row.box, piece.box) < 0.5:
        return False
    return any(
        h_overlap(a, b) >= STACK_MIN_WIDTH and v_overlap(a, b) <= STACK_MAX_HEIGHT
        for a, _ in row.spans
        for b, _ in piece.spans
    )


COLUMN_MIN_ROWS = 3
"""Rows of prose (two words or more) each side of a gutter needs to split a block in columns."""


NOTE_MAX_SIZE = 0.95
"""A margin note is set smaller than this share of the text beside it ..."""
NOTE_MAX_WIDTH = 1 / 3
"""... and is narrower than this share of that text's width."""


def split_columns(rows: Sequence[Row]) -> list[list[Row]]:
    """The rows of one block cut at vertical gutters no row crosses, when the block holds
    columns of prose side by side (parallel texts, a two-column block MuPDF read as one) or
    margin notes beside its text (:func:`_margin_notes`); ``[rows]`` otherwise (a formula and
    its number far apart on one row stay together)."""
    if not rows:
        return []
    size = sorted(r.size for r in rows)[len(rows) // 2]
    groups: list[list[Row]] = []
    right = float("-inf")
    for row in sorted(rows, key=lambda r: r.box[0]):
        if groups and row.box[0] < right + 0.5 * size:
            groups[-1].append(row)
            right = max(right, row.box[2])
        else:
            groups.append([row])
            right = row.box[2]
    notes = _margin_notes(groups)
    if notes:
        rest = [r for g in groups if not any(g is n for n in notes) for r in g]
        return [*split_columns(rest), *notes]
    if len(rows) < 2 * COLUMN_MIN_ROWS:
        return [list(rows)]
    prose = [g for g in groups if sum(len(r.text.split()) >= 2 for r in g) >= COLUMN_MIN_ROWS]
    return groups if len(prose) >= 2 else [list(rows)]


def _margin_notes(groups: list[list[Row]]) -> list[list[Row]]:
    """The first and last of ``groups`` (rows between gutters, left to right) that are margin
    notes of the prose between them: set smaller (:data:`NOTE_MAX_SIZE`) and narrower
    (:data:`NOTE_MAX_WIDTH`) than the widest other group, with a letter in every row, beside
    at least two rows of prose (two words or more). A note on a row of the text (``\\GCharacter``
    in the margin of a line ending ``char-``) would otherwise be read into that row. An
    equation number (no letter, the text's size) or a line number is no note."""
    if len(groups) < 2:
        return []
    main = max(groups, key=_width)
    if sum(len(r.text.split()) >= 2 for r in main) < 2:
        return []
    width = _width(main)
    text_size = sorted(r.size for r in main)[len(main) // 2]
    notes = []
    for group in (groups[0], groups[-1]):  # two groups at least: not the same one
        if group is main:
            continue
        narrow = _width(group) < NOTE_MAX_WIDTH * width
        small = all(r.size < NOTE_MAX_SIZE * text_size for r in group)
        if narrow and small and all(any(c.isalpha() for c in r.text) for r in group):
            notes.append(group)
    return notes


def _width(rows: Sequence[Row]) -> float:
    return max(r.box[2] for r in rows) - min(r.box[0] for r in rows)
