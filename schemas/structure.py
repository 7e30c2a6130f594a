"""The results of the document-level pass: labels, continuation links, logical blocks, tables.

The pass runs once all pages of a document are done. It never rewrites a page: it *adds*
what only the whole document shows —

* :class:`BlockLabel` — a block recognised as running page furniture (``header``,
  ``footer``, ``page_number``), by repetition across pages and/or by the model's own class;
* :class:`LogicalBlock` — a paragraph, list or table continued across a column or page
  break, pointing at its parts (each :class:`PartRef` keeps its page and box), with the
  merged content;
* :class:`DocumentTable` — every table of the document as data, numbered 1.. in reading
  order; a table continued over several pages is *one* entry with its merged grid.

``pass_version`` is the version of the algorithm that produced the result: running the
same version on the same pages gives the same result (the pass is a pure function).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas._base import StrictModel
from schemas.blocks import ListItem, TableData
from schemas.geometry import BBox

FurnitureLabel = Literal["header", "footer", "page_number"]
"""Running page furniture: not part of the reading flow."""

LabelSource = Literal["model", "repetition", "model+repetition"]
"""Why a block was labelled: the model's own block class, repetition across pages, or both."""

BreakKind = Literal["column", "page"]
"""Where a logical block is cut: at a column break on one page, or at a page break."""


class PartRef(StrictModel):
    """One source block of a logical block or table: where it is, exactly as on its page."""

    block_id: str
    page: int = Field(ge=1)
    order: int = Field(ge=0)
    bbox: BBox | None = None
    bbox_norm: BBox | None = None


class BlockLabel(StrictModel):
    """A block recognised as running page furniture."""

    block_id: str
    page: int = Field(ge=1)
    order: int = Field(ge=0)
    label: FurnitureLabel
    source: LabelSource


class LogicalBlock(StrictModel):
    """A paragraph, list or table split by column or page breaks, as one block.

    ``parts`` are the source blocks in reading order (at least two); ``breaks[i]`` is the
    break between ``parts[i]`` and ``parts[i + 1]``. ``text`` is the merged text (parts joined
    by a space; a word hyphenated across the break is joined without its hyphen). Lists
    carry their merged ``items`` (with ``ordered``/``start`` of the first part); tables point
    at their entry in :attr:`DocumentStructure.tables` (``table_index``).
    """

    id: str
    type: Literal["paragraph", "list", "table"]
    parts: list[PartRef] = Field(min_length=2)
    breaks: list[BreakKind] = Field(default_factory=list)
    text: str = ""
    ordered: bool | None = None
    start: int | None = None
    items: list[ListItem] | None = None
    table_index: int | None = Field(default=None, ge=1)


class DocumentTable(StrictModel):
    """One table of the document as data (its merged grid when it continues across pages).

    ``index`` numbers the document's tables 1.. in reading order; ``header_rows`` is how
    many leading rows of ``data`` are header rows; ``repeated_header_rows`` how many header
    rows were dropped from continuation parts because they repeated the first part's header.
    """

    index: int = Field(ge=1)
    block_id: str
    logical_id: str | None = None
    page: int = Field(ge=1)
    bbox: BBox | None = None
    bbox_norm: BBox | None = None
    parts: list[PartRef] = Field(min_length=1)
    caption: str | None = None
    header_rows: int = Field(default=0, ge=0)
    repeated_header_rows: int = Field(default=0, ge=0)
    data: TableData


class DocumentStructure(StrictModel):
    """What the document-level pass adds to a document's pages."""

    pass_version: str
    labels: list[BlockLabel] = Field(default_factory=list)
    logical_blocks: list[LogicalBlock] = Field(default_factory=list)
    tables: list[DocumentTable] = Field(default_factory=list)
