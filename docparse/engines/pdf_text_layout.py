"""Pure layout rules of the ``pdf-text`` engine: text rows -> headings, paragraphs, lists; reading order.

Everything here works on boxes in the page's *displayed* space (PDF points, origin top-left,
after /Rotate and the crop box) and knows nothing about PyMuPDF, so each rule can be tested
with hand-made rows.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from docparse.engines.pdf_text_hyphens import join_rows
from docparse.engines.pdf_text_rows import Box, Row, merge_rows, union, v_overlap

__all__ = ["Box", "Element", "Row", "merge_rows", "segment_block", "union", "v_overlap"]

Kind = Literal["h1", "h2", "h3", "p", "ul", "ol", "table", "image", "formula", "author", "caption", "key_value"]

BULLETS = "•◦▪▫‣⁃∙●○■□►▶➢✓✔·\uf0b7\uf0a7\uf076\uf0d8"
_BULLET_RE = re.compile(rf"^(?:[{BULLETS}]\s*|[-–—*]\s+)(?=\S)")
_NUMBER_RE = re.compile(r"^\(?(\d{1,3}|[a-z])[.)]\s+(?=\S)")
_LONE_MARKER_RE = re.compile(rf"^(?:[{BULLETS}\-–—*]|\(?(?:\d{{1,3}}|[a-z])[.)])$")
_MATH_CHARS = set("=<>≤≥∑∫√±×÷≈∞∂∇")

# Heading thresholds: font size relative to the page's body size.
H1_RATIO = 1.4
H2_RATIO = 1.15
BOLD_MIN_RATIO = 0.95
HEADING_MAX_ROWS = 3
HEADING_MAX_WORDS = 25
DISPLAY_MATH_MIN = 0.5  # a row with this share of math characters is (part of) a display formula
_PROSE_WORD = re.compile(r"[^\W\d_]{4,}")


class Item(NamedTuple):
    """One list item: its box, its text (without the marker) and the marker as printed
    ("(a)", "3.", "iv)"; ``None`` for a bullet)."""

    box: Box
    text: str
    label: str | None = None


@dataclass
class Element:
    """One top-level element of the output, in displayed page points."""

    kind: Kind
    box: Box
    text: str = ""
    items: list[Item] = field(default_factory=list)
    start: int = 1
    inner_html: str = ""  # prebuilt markup (tables: the whole ``<table>``, pdf_text_grid.table_html)
    key: str = ""  # key_value: the field's name (``text`` holds its value)
    caption: tuple[Box, str] | None = None  # image/table: its caption (box, text); ``box`` covers both
    content_box: Box | None = None  # image/table: the picture or grid alone, when a caption widens ``box``


def attach_markers(rows: Sequence[Row]) -> None:
    """A bullet or number that PyMuPDF put in a block of its own joins the block of the text
    beside it on the same row, so that the list item is seen whole. A block holding anything
    but markers is not a column of markers, and a number in parentheses far from the text is
    an equation number of the column beside it, not a list marker."""
    not_markers = {r.block for r in rows if not _LONE_MARKER_RE.match(r.text)}
    for marker in rows:
        if marker.block in not_markers:
            continue
        reach = (1.5 if marker.text.startswith("(") else 3.0) * marker.size
        beside = [
            r
            for r in rows
            if r.block != marker.block
            and v_overlap(r.box, marker.box) >= 0.5
            and 0 <= r.box[0] - marker.box[2] <= reach
        ]
        if beside:
            marker.block = min(beside, key=lambda r: r.box[0]).block


def body_size(rows: Iterable[Row]) -> float:
    """The font size carrying most characters on the page (rounded to half points)."""
    weights: dict[float, int] = {}
    for r in rows:
        key = round(r.size * 2) / 2
        weights[key] = weights.get(key, 0) + len(r.text)
    if not weights:
        return 10.0
    return max(sorted(weights), key=lambda k: weights[k])


def heading_candidate(row: Row, body: float) -> Kind | None:
    """The heading level a row's typography suggests, before the length checks of its group."""
    text = row.text
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    if letters < 2 or digits > 0.3 * len(text.replace(" ", "")) or _MATH_CHARS.intersection(text):
        return None
    ratio = row.size / body if body > 0 else 1.0
    if ratio >= H1_RATIO:
        return "h1"
    if ratio >= H2_RATIO:
        return "h2"
    if row.bold and ratio >= BOLD_MIN_RATIO and not text.endswith((".", ":", ";", ",")):
        return "h3"
    return None


def display_math(row: Row) -> bool:
    """A row of a display formula: mostly math characters (:attr:`Row.math`), or a relation or
    operator symbol among words none of which is a word of prose (four letters or more)."""
    if row.math >= DISPLAY_MATH_MIN:
        return True
    return any(unicodedata.category(c) == "Sm" for c in row.text) and not _PROSE_WORD.search(row.text)


class Marker(NamedTuple):
    """A row's list marker: the list's kind, the row's text after it, the item's number (a
    letter counts from a = 1) and the marker as printed (``None`` for a bullet)."""

    kind: Literal["ul", "ol"]
    text: str
    number: int
    label: str | None


def list_marker(text: str) -> Marker | None:
    """The list marker a row starts with, if it starts a list item."""
    m = _BULLET_RE.match(text)
    if m:
        return Marker("ul", text[m.end() :], 1, None)
    m = _NUMBER_RE.match(text)
    if m:
        token = m.group(1)
        number = int(token) if token.isdigit() else ord(token) - ord("a") + 1
        return Marker("ol", text[m.end() :], number, m.group(0).strip())
    return None


@dataclass
class _Group:
    kind: Kind
    rows: list[Row]
    items: list[tuple[list[Row], str, str | None]] = field(default_factory=list)  # rows, first text, label
    start: int = 1


def _finish(group: _Group, words: frozenset[str]) -> Element:
    box = union(r.box for r in group.rows)
    if group.kind in ("ul", "ol"):
        items = [
            Item(union(r.box for r in rows), join_rows([first, *(r.text for r in rows[1:])], words), label)
            for rows, first, label in group.items
        ]
        return Element(group.kind, box, items=items, start=group.start)
    if group.kind == "formula":
        return Element("formula", box, text=" ".join(r.text for r in group.rows))
    text = join_rows((r.text for r in group.rows), words)
    kind = group.kind
    if kind in ("h1", "h2", "h3") and (len(group.rows) > HEADING_MAX_ROWS or len(text.split()) > HEADING_MAX_WORDS):
        kind = "p"
    return Element(kind, box, text=text)


def segment_block(rows: Sequence[Row], body: float, words: frozenset[str] = frozenset()) -> list[Element]:
    """Split the rows of one text block into headings, paragraphs and lists; ``words`` (the
    page's :func:`~docparse.engines.pdf_text_hyphens.vocabulary`) settles line-end hyphens."""
    rows = merge_rows(rows)
    gaps = [b.box[1] - a.box[3] for a, b in itertools.pairwise(rows)]
    usual_gap = statistics.median(gaps) if len(gaps) >= 2 else 0.0
    groups: list[_Group] = []
    for i, row in enumerate(rows):
        prev = rows[i - 1] if i else None
        cur = groups[-1] if groups else None
        near = prev is not None and (row.box[1] - prev.box[3]) <= max(usual_gap, 0.0) + 0.4 * row.size
        if display_math(row):  # a display formula (or one row of it)
            if cur and cur.kind == "formula" and near:
                cur.rows.append(row)
            else:
                groups.append(_Group("formula", [row]))
            continue
        role = heading_candidate(row, body)
        marker = None if role else list_marker(row.text)
        if marker and cur and cur.kind in ("p",) and not cur.rows[-1].text.endswith((".", ":", ";", "!", "?")):
            marker = None  # a number that wrapped to the start of a line inside a sentence
        if role:
            if cur and cur.kind == role and near and abs(cur.rows[-1].size - row.size) < 0.5:
                cur.rows.append(row)
            else:
                groups.append(_Group(role, [row]))
        elif marker:
            if cur and cur.kind == marker.kind and near:
                cur.rows.append(row)
                cur.items.append(([row], marker.text, marker.label))
            else:
                item = ([row], marker.text, marker.label)
                groups.append(_Group(marker.kind, [row], items=[item], start=marker.number))
        elif (
            cur
            and cur.kind in ("ul", "ol")
            and near
            and prev
            and row.box[0] > cur.items[-1][0][0].box[0] + 0.3 * row.size
        ):
            cur.rows.append(row)
            cur.items[-1][0].append(row)
        elif cur and cur.kind == "p" and near and prev and not _new_paragraph(prev, row, cur):
            cur.rows.append(row)
        else:
            groups.append(_Group("p", [row]))
    return [_finish(g, words) for g in groups]


def _new_paragraph(prev: Row, row: Row, group: _Group) -> bool:
    if abs(prev.size - row.size) > 0.15 * max(prev.size, row.size):
        return True
    left = min(r.box[0] for r in group.rows)
    right = max(r.box[2] for r in group.rows)
    indented = row.box[0] > left + 0.8 * row.size and abs(prev.box[0] - left) < 0.5
    return indented and prev.box[2] < right - 1.5 * row.size


def merge_lists(elements: Sequence[Element], body: float = 10.0, words: frozenset[str] = frozenset()) -> list[Element]:
    """Consecutive list elements of one kind, aligned and close together, become one list; a
    paragraph right under a list item and indented past its marker is the rest of that item
    (the text layer often puts an item's wrapped lines in a block of their own)."""
    out: list[Element] = []
    for el in elements:
        last = out[-1] if out else None
        if last is not None and last.kind in ("ul", "ol") and last.items and _rest_of_item(last.items[-1], el, body):
            item = last.items[-1]
            last.items[-1] = item._replace(box=union([item.box, el.box]), text=join_rows([item.text, el.text], words))
            last.box = union([last.box, el.box])
        elif (
            last is not None
            and el.kind in ("ul", "ol")
            and last.kind == el.kind
            and abs(last.box[0] - el.box[0]) < 3
            and -2 < el.box[1] - last.box[3] < 2 * (el.box[3] - el.box[1]) / max(len(el.items), 1)
        ):
            last.items.extend(el.items)
            last.box = union([last.box, el.box])
        else:
            out.append(el)
    return out


def _rest_of_item(item: Item, el: Element, body: float) -> bool:
    """``el`` continues ``item``: a paragraph starting within a line below it, indented past the
    item's marker by less than a hanging indent (4 body sizes), where the item's text is not
    finished (no sentence-final punctuation) or the paragraph starts in lower case."""
    if el.kind != "p" or not el.text:
        return False
    gap = el.box[1] - item.box[3]
    indent = el.box[0] - item.box[0]
    unfinished = not item.text.rstrip().endswith((".", ":", ";", "!", "?")) or el.text[0].islower()
    return -2 < gap < body and 0.3 * body < indent < 4 * body and unfinished
