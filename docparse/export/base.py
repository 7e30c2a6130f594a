"""What every exporter shares: the options value, the exporter protocol and small helpers.

An exporter is a serializer: ``document -> chunks of text``. It never opens a file; the
only code that touches the filesystem is :func:`docparse.export.writer.write_export`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Protocol

from docparse.document import FlowOptions, reading_flow, structure_of
from schemas import BBox, Block, Document, ListItem, Page

Chunks = Iterator[str]
"""Text output produced lazily, piece by piece."""


@dataclass(frozen=True)
class ExportOptions:
    """How to export a document.

    * ``overlay`` — HTML: add a page view per page with every block's box drawn on the page image.
    * ``page_images`` — page number -> ``(image bytes, media type)`` for the overlay; a page
      without one is drawn as a blank page of the right aspect ratio.
    * ``include_raw`` — JSON: keep each attempt's raw model ``output``.
    * ``md_box_comments`` — Markdown: a ``<!-- page N, bbox x0 y0 x1 y1 (unit) -->`` comment before each block.
    * ``furniture`` — Markdown and HTML: keep running headers, footers and page numbers in the
      reading flow (default: left out; JSON, CSV and XLSX always keep every block).
    * ``merge_continuations`` — Markdown and HTML: show a paragraph, list or table continued
      across a column or page break once, merged (default); ``False``: every part where it is.
    * ``neutralize_formulas`` — CSV: a cell that a spreadsheet would run as a formula (it begins
      with ``=``, ``+``, ``-``, ``@``, tab or carriage return and is not a number) gets a leading
      ``'`` (OWASP's CSV-injection advice; default). ``False``: every cell verbatim.
    """

    overlay: bool = False
    page_images: Mapping[int, tuple[bytes, str]] | None = None
    include_raw: bool = True
    md_box_comments: bool = False
    furniture: bool = False
    merge_continuations: bool = True
    neutralize_formulas: bool = True


class Exporter(Protocol):
    """A document serializer for one format."""

    name: str
    """The registry key (``"json"``, ``"html"``, ``"csv"``, ``"md"``)."""
    media_type: str
    """The media type of the main output, e.g. ``"text/csv"``."""
    extension: str
    """The file name extension of the main output, with its dot."""

    def stream(self, document: Document, options: ExportOptions) -> Chunks:
        """The main output as a generator of text chunks."""
        ...

    def files(self, document: Document, options: ExportOptions) -> Iterator[tuple[str, Chunks]]:
        """Every output file as ``(relative POSIX file name, chunks)``, the main file first."""
        ...


class BinaryExporter(Protocol):
    """A document serializer whose output is binary (one file, e.g. an XLSX workbook)."""

    name: str
    media_type: str
    extension: str

    def write(self, document: Document, options: ExportOptions, handle: IO[bytes]) -> None:
        """Write the whole output to a binary handle."""
        ...

    def render(self, document: Document, options: ExportOptions) -> bytes:
        """The whole output as bytes."""
        ...


def flow(document: Document, options: ExportOptions) -> list[tuple[Page, list[Block]]]:
    """The reading flow of the Markdown and HTML exports: each page with the blocks to show
    (the document pass's result, computed now when the document has none)."""
    opts = FlowOptions(furniture=options.furniture, merge=options.merge_continuations)
    return reading_flow(document, structure_of(document), opts)


_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab, newline and carriage return are kept)."""
    return _INVALID_CHARS.sub("", text)


def fmt_num(value: float) -> str:
    """A number written shortest-exact: ``72`` for ``72.0``, otherwise Python's round-tripping repr."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def unit_of(page: Page) -> str:
    """The page-space unit (``pt``/``px``), or ``""`` when the page has no geometry."""
    return page.geometry.unit if page.geometry is not None else ""


def norm_box(page: Page, block: Block) -> BBox | None:
    """The block's normalized box: ``bbox_norm``, else ``bbox`` divided by the page size, else ``None``."""
    if block.bbox_norm is not None:
        return block.bbox_norm
    if block.bbox is None or page.geometry is None:
        return None
    g = page.geometry
    b = block.bbox
    return BBox(
        x0=min(max(b.x0 / g.width, 0.0), 1.0),
        y0=min(max(b.y0 / g.height, 0.0), 1.0),
        x1=min(max(b.x1 / g.width, 0.0), 1.0),
        y1=min(max(b.y1 / g.height, 0.0), 1.0),
    )


NUMBERED_LABEL = re.compile(r"\d{1,9}[.)]")
"""A label a numbered list renders itself: a number and its delimiter (``3.``, ``3)``)."""


def labels_printed(items: Sequence[ListItem]) -> bool:
    """Whether a list's items need their printed labels shown: some item has a label that a
    numbered (``1.``) or bulleted list cannot render — a letter, a roman numeral, ``(1)``."""
    return any(item.label is not None and not NUMBERED_LABEL.fullmatch(item.label) for item in items)


def anchor(block: Block) -> str:
    """The in-document anchor of a block, shared by the HTML and Markdown exports: ``page-N-block-M``."""
    return f"page-{block.page}-block-{block.order}"


def table_file_name(block: Block) -> str:
    """The relative name of a table's (or chart's data table's) CSV: ``tables/<page>-<order>.csv``."""
    return f"tables/{block.page}-{block.order}.csv"
