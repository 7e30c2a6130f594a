"""Typed content blocks: a closed, discriminated union on ``type``.

Every block has a deterministic ``id`` (document, page, reading order), its 1-based
``page``, its 0-based reading-order index ``order``, its box in page space (``bbox``, see
:mod:`schemas.geometry`) and normalized to 0..1 (``bbox_norm``) — both ``None`` when the
model gave no usable box — the plain ``text`` of the block and ``html``, the source
fragment as the model wrote it (untrusted: exporters sanitize it).
"""

from __future__ import annotations

import re
from itertools import product
from operator import attrgetter, eq
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from schemas._base import StrictModel
from schemas.geometry import BBox


class _Block(StrictModel):
    id: str
    page: int = Field(ge=1)
    order: int = Field(ge=0)
    bbox: BBox | None = None
    bbox_norm: BBox | None = None
    text: str = ""
    html: str = ""


class HeadingBlock(_Block):
    """A title or section heading; ``level`` 1 is the document/page title (``<h1>``)."""

    type: Literal["heading"] = "heading"
    level: int = Field(default=1, ge=1, le=6)


class ParagraphBlock(_Block):
    type: Literal["paragraph"] = "paragraph"


LABEL_MAX = 32
_CONTROLS = r"\x00-\x1f\x7f-\x9f"  # C0 and C1 control characters, line breaks among them
_CONTROL = re.compile(f"[{_CONTROLS}]")


class ListItem(StrictModel):
    """One entry of a list, with its own box; ``children`` hold a nested list, if any."""

    text: str = ""
    label: str | None = Field(default=None, min_length=1, max_length=LABEL_MAX, pattern=f"^[^{_CONTROLS}]*$")
    """The marker printed before the item ("(a)", "iv.", "3)", "•") when the source gave it (the
    text layer does; the model's ``<li>`` carries it as ``data-label``): one line, no control
    characters; ``None``: unknown, the list's kind and ``start`` number it. Input is cleaned to
    that (:func:`clean_label`), so a label stored before the rule still loads."""
    bbox: BBox | None = None
    bbox_norm: BBox | None = None
    children: list[ListItem] = Field(default_factory=list)
    children_ordered: bool = False

    @field_validator("label", mode="before")
    @classmethod
    def _clean_label(cls, value: object) -> object:
        return clean_label(value) if isinstance(value, str) else value


def clean_label(label: str) -> str | None:
    """A list label as :attr:`ListItem.label` holds it: control characters and line breaks become
    spaces, whitespace runs one space, at most :data:`LABEL_MAX` characters; ``None`` when
    nothing is left."""
    return " ".join(_CONTROL.sub(" ", label).split())[:LABEL_MAX].rstrip() or None


def item_line(label: str | None, text: str) -> str:
    """An item as :attr:`ListBlock.text` shows it: its text after its label, when it has one."""
    return f"{label} {text}" if label and text else label or text


class ListBlock(_Block):
    """An ordered (``<ol>``) or unordered (``<ul>``) list; ``text`` is the items joined by newlines,
    each after its ``label`` when it has one (so the text reads as printed)."""

    type: Literal["list"] = "list"
    ordered: bool = False
    start: int | None = None
    items: list[ListItem] = Field(default_factory=list)


class TableCell(StrictModel):
    """A cell anchored at (``row``, ``col``), 0-based, spanning ``rowspan`` x ``colspan`` grid slots."""

    row: int = Field(ge=0)
    col: int = Field(ge=0)
    rowspan: int = Field(default=1, ge=1)
    colspan: int = Field(default=1, ge=1)
    header: bool = False
    text: str = ""


MAX_TABLE_ROWS = 100_000
MAX_TABLE_COLS = 1_000
MAX_TABLE_SLOTS = 2_000_000
"""A table's grid is at most ``MAX_TABLE_ROWS`` x ``MAX_TABLE_COLS`` and ``MAX_TABLE_SLOTS`` slots: a
bound on what validating (and exporting) one table may cost, whoever wrote it — a model's output,
a reviewer's correction or the document pass merging a table continued over many pages. The parser
and the merge cut larger tables to fit."""


class _CheckedShape:
    """The grid a :class:`TableData` last passed its check with: ``(n_rows, n_cols, len(cells),
    hash of every cell's row, col, rowspan and colspan)``, read from the cells themselves, so a
    copy sharing it, a pickle carrying it or a cell edited in place can never pass for checked
    unless its grid is one that was. Not part of the table's value: every one equals every other,
    so two tables with the same cells are equal however they were checked."""

    __slots__ = ("shape",)

    def __init__(self) -> None:
        self.shape: tuple[int, int, int, int] | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _CheckedShape)

    __hash__ = None  # type: ignore[assignment]


def _grid_shape(rows: int, cols: int, cells: list[TableCell]) -> tuple[int, int, int, int]:
    """What :class:`_CheckedShape` keeps of a grid (computed in C: no Python loop per cell)."""
    return rows, cols, len(cells), hash(tuple(map(_SHAPE, cells)))


class TableData(StrictModel):
    """A rectangular grid of ``n_rows`` x ``n_cols`` slots; each slot is covered by exactly one cell."""

    n_rows: int = Field(default=0, ge=0, le=MAX_TABLE_ROWS)
    n_cols: int = Field(default=0, ge=0, le=MAX_TABLE_COLS)
    cells: list[TableCell] = Field(default_factory=list)
    _checked: _CheckedShape = PrivateAttr(default_factory=lambda: _CheckedShape())

    @model_validator(mode="after")
    def _rectangular(self) -> TableData:
        """The grid invariant, checked in full once per grid. pydantic runs an after-validator
        again each time an instance is a field value (a page's blocks, a document's tables), so a
        table with spans was walked slot by slot four times or more on its way through a parse;
        the walk is skipped when the cells' shapes are those this instance last passed with
        (:class:`_CheckedShape`): an assignment, cells added, removed, replaced or edited in place
        are checked again. A grid without spans is checked in C each time (no cheaper than its mark)."""
        rows, cols, cells = self.n_rows, self.n_cols, self.cells
        if rows * cols > MAX_TABLE_SLOTS:
            raise ValueError(f"a {rows}x{cols} grid has more than {MAX_TABLE_SLOTS} slots")
        if _one_slot_cells_cover(cells, rows, cols):  # as cheap as the mark: none is kept
            return self
        shape = _grid_shape(rows, cols, cells)
        if self._checked.shape != shape:
            _check_coverage(cells, rows, cols)
            self._checked.shape = shape
        return self

    def plain(self) -> TableData:
        """This grid as a plain :class:`TableData` over the same cells (a table block's other
        fields dropped; ``self`` when it is one already), not checked again when this one was."""
        if type(self) is TableData:
            return self
        grid = TableData.model_construct(n_rows=self.n_rows, n_cols=self.n_cols, cells=self.cells)
        grid._checked.shape = self._checked.shape
        return grid

    def grid(self) -> list[list[str]]:
        """The table as rows of strings; a spanned cell's text is repeated in every slot it covers."""
        out = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    out[r][c] = cell.text
        return out


_SHAPE = attrgetter("row", "col", "rowspan", "colspan")


def _one_slot_cells_cover(cells: list[TableCell], rows: int, cols: int) -> bool:
    """Whether ``cells`` are the grid's 1x1 cells, one per slot, in row-major order (a table without spans).

    A sufficient condition for the grid invariant, checked in C rather than slot by slot.
    ``False`` says nothing: :func:`_check_coverage` decides.
    """
    if len(cells) != rows * cols:
        return False
    # compared pair by pair as they are made: no list of every slot (the grid may hold millions)
    return all(map(eq, map(_SHAPE, cells), product(range(rows), range(cols), (1,), (1,))))


def _check_coverage(cells: list[TableCell], rows: int, cols: int) -> None:
    """Raise unless every slot of the ``rows`` x ``cols`` grid is covered by exactly one cell."""
    covered = bytearray(rows * cols)  # one byte per slot, a cell's row span written as one slice
    filled = 0
    for cell in cells:
        if cell.row + cell.rowspan > rows or cell.col + cell.colspan > cols:
            raise ValueError(f"cell at ({cell.row},{cell.col}) spans outside the {rows}x{cols} grid")
        for r in range(cell.row, cell.row + cell.rowspan):
            start = r * cols + cell.col
            if covered.find(1, start, start + cell.colspan) != -1:
                c = cell.col + covered[start : start + cell.colspan].index(1)
                raise ValueError(f"grid slot ({r},{c}) is covered by two cells")
            covered[start : start + cell.colspan] = b"\x01" * cell.colspan
        filled += cell.rowspan * cell.colspan
    if filled != rows * cols:
        raise ValueError("every grid slot must be covered by exactly one cell")


class TableBlock(_Block, TableData):
    """A table as a cell grid; ``html`` keeps the source table markup and ``caption`` a caption when given."""

    type: Literal["table"] = "table"
    caption: str | None = None


class ChartBlock(_Block):
    """A chart; ``data`` is the data table the model read from it, when it gave one."""

    type: Literal["chart"] = "chart"
    data: TableData | None = None
    image_bbox: BBox | None = None


class FormulaBlock(_Block):
    """A display formula; ``content`` is its source in ``format`` (LaTeX, or ``text``: plain
    Unicode read from a PDF text layer), entities decoded."""

    type: Literal["formula"] = "formula"
    content: str = ""
    format: str = "latex"
    variant: Literal["machine_printed", "handwritten"] | None = None
    image_bbox: BBox | None = None


class ImageBlock(_Block):
    """A figure or picture, with its caption (``div.image.caption``) or OCR text (``div.image.ocr``)."""

    type: Literal["image"] = "image"
    caption: str | None = None
    ocr_text: str | None = None
    image_bbox: BBox | None = None


class CaptionBlock(_Block):
    """A caption standing on its own (not folded into an image block)."""

    type: Literal["caption"] = "caption"


class MusicSheetBlock(_Block):
    """Sheet music transcribed to ``format`` (e.g. ``abc notation``)."""

    type: Literal["music_sheet"] = "music_sheet"
    format: str = "abc notation"
    content: str = ""
    image_bbox: BBox | None = None


class ChemicalFormulaBlock(_Block):
    """A chemical structure transcribed to ``format`` (the model writes ``smile``, i.e. SMILES)."""

    type: Literal["chemical_formula"] = "chemical_formula"
    format: str = "smiles"
    content: str = ""
    image_bbox: BBox | None = None


class AuthorBlock(_Block):
    """An author/byline block (``<address class="author">``)."""

    type: Literal["author"] = "author"


class HeaderBlock(_Block):
    """A running page header, when the model marks it."""

    type: Literal["header"] = "header"


class FooterBlock(_Block):
    """A running page footer, when the model marks it."""

    type: Literal["footer"] = "footer"


class PageNumberBlock(_Block):
    """A printed page number, when the model marks it."""

    type: Literal["page_number"] = "page_number"


class CodeBlock(_Block):
    """Preformatted code (``<pre>``/``<code>``); whitespace is kept."""

    type: Literal["code"] = "code"
    language: str | None = None


class KeyValueBlock(_Block):
    """A key and its value, such as a filled form field (an AcroForm field: ``key`` is its label
    or name, ``value`` what it holds); ``text`` is ``"key: value"``."""

    type: Literal["key_value"] = "key_value"
    key: str = ""
    value: str = ""


class UnknownBlock(_Block):
    """Anything unrecognised, kept rather than dropped: its tag, class and text."""

    type: Literal["unknown"] = "unknown"
    tag: str = ""
    classes: str | None = None


Block = Annotated[
    HeadingBlock
    | ParagraphBlock
    | ListBlock
    | TableBlock
    | ChartBlock
    | FormulaBlock
    | ImageBlock
    | CaptionBlock
    | MusicSheetBlock
    | ChemicalFormulaBlock
    | AuthorBlock
    | HeaderBlock
    | FooterBlock
    | PageNumberBlock
    | CodeBlock
    | KeyValueBlock
    | UnknownBlock,
    Field(discriminator="type"),
]
"""Any block; ``type`` selects the model."""

BlockType = Literal[
    "heading",
    "paragraph",
    "list",
    "table",
    "chart",
    "formula",
    "image",
    "caption",
    "music_sheet",
    "chemical_formula",
    "author",
    "header",
    "footer",
    "page_number",
    "code",
    "key_value",
    "unknown",
]


def block_id(document_id: str, page: int, order: int) -> str:
    """The deterministic id of a block: ``{document_id}:p{page}:b{order}``."""
    return f"{document_id}:p{page}:b{order}"
