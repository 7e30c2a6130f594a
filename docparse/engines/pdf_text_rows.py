"""Rows of the ``pdf-text`` engine: boxes, one visual line of text, and merging lines into rows.

A PDF line as MuPDF reports it ends wherever the baseline moves: a superscript, a subscript,
an index in a formula or a logo such as X\u018eT\u1d07X becomes a "line" of its own. :func:`merge_rows`
puts such pieces back into the row they belong to, in reading order, so that no symbol is
lost or moved to the end of the paragraph; :func:`attach_fragments` first brings such pieces
that MuPDF put in other blocks to their row's block, an index stacked under the exponent
ending a row of prose too (``L_p^{(r)}``). Pure: boxes in displayed page points.
"""

from __future__ import annotations

import itertools
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
    """The spans of the row's source line (of its pieces, once merged), for an index stacked
    on its last one and for scripts stacked where two pieces meet (:func:`_joined`)."""
    piece_spans: list[list[tuple[Box, str]]] = field(default_factory=list, repr=False)

    def _pieces(self) -> list[tuple[Box, str]]:
        return self.pieces or [(self.box, self.text)]

    def _piece_spans(self) -> list[list[tuple[Box, str]]]:
        return self.piece_spans or [self.spans]


def _joined(pieces: list[tuple[Box, str]], size: float, spans: Sequence[Sequence[tuple[Box, str]]] = ()) -> str:
    """Pieces of one row in reading order (right to left for a right-to-left row), a space
    where they stand apart. Where a left-to-right piece starts under or over the end of the
    one before it, the two overlapping parts set one above the other (:func:`_stacked`) —
    MuPDF ends a line at a script stacked over another (``l_i^2``) and starts the next line
    with the other one — are read one after the other, in the order of their left edges (the
    first piece's on a tie), a space between them (``spans``: each piece's spans, when
    known): ``li 2)``, not ``l2i)``; the other one stays with neither its base nor its row's
    next word (a fraction ``x`` over ``y`` is ``x y``, not ``xy``; ``a^†_x a_x`` is ``a† x ax``,
    not ``a† xax``)."""
    rtl = is_rtl("".join(t for _, t in pieces))
    if rtl:
        return _concat(sorted(pieces, key=lambda p: -p[0][2]), size, rtl=True)
    known = list(spans) if len(spans) == len(pieces) else [[] for _ in pieces]
    chunks: list[list[tuple[Box, str]]] = []  # each piece's texts: whole, or span by span
    split = False  # the last chunk is span by span
    last: tuple[Box, list[tuple[Box, str]]] | None = None  # the previous piece: box, spans
    for (box, text), parts in sorted(zip(pieces, known, strict=True), key=lambda p: p[0][0][0]):
        junction = _junction(last, box, parts) if last is not None else None
        if last is None or junction is None:
            chunks.append([(box, text)])
        else:
            tail, head, rest = junction
            previous = chunks[-1] if split else last[1]
            chunks[-1] = [s for s in previous if not any(s is t for t in tail)]
            first, second = (head, tail) if _left(head) < _left(tail) else (tail, head)
            apart = (second[0][0], " ")  # one stands above the other: a space between them
            after = [(rest[0][0], " ")] if rest and rest[0][1][:1].isalnum() else []  # and the next word
            chunks.append([*first, apart, *second, *after, *rest])
        split = junction is not None
        last = (box, list(parts))
    return _concat([u for chunk in chunks for u in chunk], size, rtl=False)


def _left(spans: Sequence[tuple[Box, str]]) -> float:
    return min(b[0] for b, _ in spans)


def _junction(
    last: tuple[Box, list[tuple[Box, str]]], box: Box, parts: Sequence[tuple[Box, str]]
) -> tuple[list[tuple[Box, str]], list[tuple[Box, str]], list[tuple[Box, str]]] | None:
    """``(tail, head, rest)`` where the piece of ``parts`` (at ``box``) starts under or over the
    end of the previous piece: the spans of each in the stretch where they overlap (half the
    narrower of span and stretch, or more): the previous piece's (``tail``) and its own
    (``head``), and its other spans (``rest``); ``None``
    where the two do not meet so (spans unknown, apart, or overlapping by half the narrower
    one or more: two lines, not a script beside another)."""
    prev_box, prev_parts = last
    if not parts or not prev_parts or box[0] >= prev_box[2] or h_overlap(prev_box, box) >= 0.5:
        return None
    zone = (box[0], prev_box[1], prev_box[2], prev_box[3])  # where the two pieces overlap
    tail = [s for s in prev_parts if h_overlap(s[0], zone) >= 0.5]
    head = [s for s in parts if h_overlap(s[0], zone) >= 0.5]
    if not tail or not head or not _stacked(union(b for b, _ in tail), union(b for b, _ in head)):
        return None
    return tail, head, [s for s in parts if not any(s is h for h in head)]


def _concat(units: Sequence[tuple[Box, str]], size: float, *, rtl: bool) -> str:
    """Texts in the order given, a space where one stands apart from the one before it or
    follows a raised note mark (:func:`~docparse.engines.pdf_text_scripts.raised_marker`)."""
    out = ""
    prev: Box | None = None
    prev_text = ""
    for box, text in units:
        if prev is not None:
            gap = prev[0] - box[2] if rtl else box[0] - prev[2]
            apart = gap > WORD_GAP_EM * size or (not rtl and raised_marker(prev, prev_text, box, text))
            out += " " if apart else ""
        out += text
        prev, prev_text = box, text
    return clean_text(out)


def _belongs(row: Row, piece: Row) -> bool:
    if v_overlap(row.box, piece.box) >= 0.5:
        return not _under_or_over(row, piece)  # the same row (a formula and its number, a line cut in two)
    if v_overlap(row.box, piece.box) < SCRIPT_MIN_OVERLAP:
        return False
    near = max(row.size, piece.size)
    beside = all(h_overlap(b, piece.box) < 0.3 for b, _ in row._pieces())
    adjacent = piece.box[0] <= row.box[2] + near and piece.box[2] >= row.box[0] - near
    return beside and adjacent


def _under_or_over(row: Row, piece: Row) -> bool:
    """``piece`` lies mostly under or over a piece of ``row`` (by half the narrower one's width or
    more) and the text of each stands on other heights (their bands, :func:`_band`, overlapping
    by less than half the shorter one): a line under or over the row whose box a tall glyph
    stretches — a big delimiter or a product sign, which MuPDF's line box covers whole, reaches
    into the line above — not a piece of the row. An index set under a script of the row stands
    within the row's band. Spans unknown: no."""
    if not piece.spans:
        return False
    theirs = _band([b for b, _ in piece.spans])
    for (box, _), spans in zip(row._pieces(), row._piece_spans(), strict=True):
        if spans and h_overlap(box, piece.box) >= 0.5 and v_overlap(_band([b for b, _ in spans]), theirs) < 0.5:
            return True
    return False


def _band(boxes: Sequence[Box]) -> Box:
    """The heights most of ``boxes`` stand on: the medians of their tops and bottoms, each box
    weighted by its width (so that one tall glyph does not stretch it); their full width."""

    def median(edge: int) -> float:
        ranked = sorted(boxes, key=lambda b: b[edge])
        half = sum(b[2] - b[0] for b in boxes) / 2
        seen = 0.0
        for b in ranked:
            seen += b[2] - b[0]
            if seen >= half:
                return b[edge]
        return ranked[-1][edge]

    return (min(b[0] for b in boxes), median(1), max(b[2] for b in boxes), median(3))


def merge_rows(rows: Sequence[Row]) -> list[Row]:
    """Lines of one block that share a row — a formula and its number, a superscript or an
    index and the text around it — become one row, its pieces in reading order."""
    out: list[Row] = []
    for row in sorted(rows, key=lambda r: (r.box[1], r.box[0])):
        same = next((o for o in out if _belongs(o, row)), None)
        if same is None:
            out.append(Row(row.box, row.text, row.size, row.bold, row.block, row.math, spans=list(row.spans)))
            continue
        pieces = [*same._pieces(), (row.box, row.text)]
        same.piece_spans = [*same._piece_spans(), list(row.spans)]
        chars = len(same.text) + len(row.text)
        same.math = (same.math * len(same.text) + row.math * len(row.text)) / max(chars, 1)
        main = max(same, row, key=lambda r: len(r.text))
        script = v_overlap(same.box, row.box) < 0.5
        same.text = _joined(pieces, main.size, same.piece_spans)
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
            if left.block == row.block or v_overlap(left.box, row.box) < SCRIPT_MIN_OVERLAP:
                continue  # (the cheap test first: this loop is quadratic in a page's lines)
            touches = abs(left.box[2] - row.box[0]) <= reach and h_overlap(left.box, row.box) < 0.5
            if touches or _meet_stacked(left, row) or _stacked_on(left, row):
                row.block = left.block
                break


def _meet_stacked(left: Row, row: Row) -> bool:
    """``row`` starts where ``left`` ends, under or over its last span, the two set one above
    the other like a subscript and a superscript (:func:`_stacked`): MuPDF ends a line of a
    formula at a script stacked on another (``g_Z^2``, ``l_i^2``) and starts the next line,
    which it may put in a block of its own, with the other script."""
    if not left.spans or not row.spans or h_overlap(left.box, row.box) >= 0.5:
        return False
    return _stacked(left.spans[-1][0], row.spans[0][0])


def _stacked(a: Box, b: Box) -> bool:
    """Two spans set one right above the other: sharing most of the narrower one's width
    (:data:`STACK_MIN_WIDTH`) and little of the shorter one's height (:data:`STACK_MAX_HEIGHT`)."""
    return h_overlap(a, b) >= STACK_MIN_WIDTH and v_overlap(a, b) <= STACK_MAX_HEIGHT


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
    return any(_stacked(a, b) for a, _ in row.spans for b, _ in piece.spans)


COLUMN_MIN_ROWS = 3
"""Rows of prose (two words or more) each side of a gutter needs to split a block in columns."""
BAND_MAX_ROWS = 24
"""Rows across justified columns that :func:`_bands` looks for under (or over) them, at most: each
cut tried costs a pass over the block's rows, so a block of thousands of rows (a dense table)
costs a few dozen passes, not thousands."""
JUSTIFIED_EM = 0.5
"""A row of justified text ends this many of its size from its column's right edge, at most."""


NOTE_MAX_SIZE = 0.95
"""A margin note is set smaller than this share of the text beside it ..."""
NOTE_MAX_WIDTH = 1 / 3
"""... and is narrower than this share of that text's width."""


def split_columns(rows: Sequence[Row]) -> list[list[Row]]:
    """The rows of one block cut at vertical gutters no row crosses, when the block holds
    columns of prose side by side (parallel texts, a two-column block MuPDF read as one) or
    margin notes beside its text (:func:`_margin_notes`); ``[rows]`` otherwise (a formula and
    its number far apart on one row stay together). Columns of prose are
    :data:`COLUMN_MIN_ROWS` rows of two words or more each side of a gutter, or columns of
    justified text (:func:`_justified`: a paragraph's short last line is prose too). Justified
    columns over rows running across them (or under them) in one block — the last lines of two
    parallel columns and the paragraph under both, as MuPDF may read them — are cut apart
    (:func:`_bands`)."""
    if not rows:
        return []
    groups = _x_groups(rows)
    notes = _margin_notes(groups)
    if notes:
        rest = [r for g in groups if not any(g is n for n in notes) for r in g]
        return [*split_columns(rest), *notes]
    if len(rows) < 2 * COLUMN_MIN_ROWS:
        return [list(rows)]
    prose = [g for g in groups if sum(len(r.text.split()) >= 2 for r in g) >= COLUMN_MIN_ROWS]
    if len(prose) >= 2 or len(_justified(groups)) >= 2:
        return groups
    return _bands(rows) or [list(rows)]


def _x_groups(rows: Sequence[Row]) -> list[list[Row]]:
    """Rows between vertical gaps of their x-projection (half the rows' median size wide), left
    to right."""
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
    return groups


def _justified(groups: Sequence[Sequence[Row]]) -> list[tuple[float, float]]:
    """The x-ranges of the groups that are columns of justified text, left to right: at least
    :data:`COLUMN_MIN_ROWS` rows, each but the lowest (a paragraph's last line, of any length)
    of two words or more and ending at the group's right edge (:data:`JUSTIFIED_EM`). A column
    of key words or of phrases beside their descriptions (a reference card), ragged on the
    right, is none; nor is a column of numbers, one word a row."""
    out = []
    for g in groups:
        if len(g) < COLUMN_MIN_ROWS:
            continue
        right = max(r.box[2] for r in g)
        lowest = max(g, key=lambda r: r.box[1] + r.box[3])
        if all(len(r.text.split()) >= 2 and r.box[2] >= right - JUSTIFIED_EM * r.size for r in g if r is not lowest):
            out.append((min(r.box[0] for r in g), right))
    return out


def _across(row: Row, columns: Sequence[tuple[float, float]]) -> bool:
    """``row`` runs across a gutter between two of ``columns`` (x-ranges, left to right)."""
    return any(row.box[0] < a[1] and row.box[2] > b[0] for a, b in itertools.pairwise(columns))


def _side_by_side(rows: Sequence[Row]) -> bool:
    """Some row has another beside it on the same line (no columns without)."""
    ordered = sorted(rows, key=lambda r: r.box[1])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.box[1] >= a.box[3]:
                break
            if v_overlap(a.box, b.box) > 0.5 and h_overlap(a.box, b.box) == 0:
                return True
    return False


def _bands(rows: Sequence[Row]) -> list[list[Row]] | None:
    """Justified columns over rows running across their gutter, or under them, cut apart: the
    rows in the order of their vertical centres are cut once, where the rows on one side split
    into two or more columns of justified text (:func:`_justified`) and the row next to the cut
    on the other side crosses a gutter between two of them; the rows across are split in turn
    (:func:`split_columns`). The most rows go to the columns; ``None`` when no cut does it."""
    if sum(len(r.text.split()) >= 2 for r in rows) < 2 * COLUMN_MIN_ROWS or not _side_by_side(rows):
        return None  # (too few rows of prose for two columns of it)
    ordered = sorted(rows, key=lambda r: r.box[1] + r.box[3])
    least, n = 2 * COLUMN_MIN_ROWS, len(ordered)
    for cut in range(n - 1, max(least, n - BAND_MAX_ROWS) - 1, -1):  # columns above, rows across under them
        if groups := _columns_beside(ordered[:cut], ordered[cut]):
            return [*groups, *split_columns(ordered[cut:])]
    for cut in range(1, min(n - least, BAND_MAX_ROWS) + 1):  # rows across above, columns under them
        if groups := _columns_beside(ordered[cut:], ordered[cut - 1]):
            return [*split_columns(ordered[:cut]), *groups]
    return None


def _columns_beside(rows: Sequence[Row], row: Row) -> list[list[Row]] | None:
    """The groups of ``rows`` (:func:`_x_groups`) when two or more are columns of justified text
    (:func:`_justified`) and ``row`` crosses a gutter between two of them (:func:`_across`)."""
    groups = _x_groups(rows)
    columns = _justified(groups)
    return groups if len(columns) >= 2 and _across(row, columns) else None


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
