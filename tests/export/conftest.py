"""A fixture document covering every block type, built from the schema models directly.

Page 1 (``pt``, ok): headings of levels 1-3, paragraphs (one with tricky CSV/Markdown/HTML
text), nested ordered/unordered lists, a table with rowspan/colspan and header cells, a
pipe-friendly table, a chart with data, a formula, an image with a caption, an image with
OCR text, a caption, author, header, footer, page number, code, unknown; some blocks have
no box. Page 2 (``px``, partial): music sheet, chemical formula, a paragraph, a heading of
level 6. Page 3: failed with issues. Page 4: pending without geometry.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import (
    Attempt,
    AuthorBlock,
    BBox,
    Block,
    CaptionBlock,
    ChartBlock,
    ChemicalFormulaBlock,
    CodeBlock,
    Document,
    FooterBlock,
    FormulaBlock,
    HeaderBlock,
    HeadingBlock,
    ImageBlock,
    Issue,
    ListBlock,
    ListItem,
    MusicSheetBlock,
    Page,
    PageGeometry,
    PageNumberBlock,
    ParagraphBlock,
    TableBlock,
    TableCell,
    TableData,
    UnknownBlock,
    block_id,
)

DOC_ID = "doc-0001"
TRICKY = 'Comma, "quotes", and\na newline | pipe * star _under_ <b>tag</b> & amp; 1. not a list'

# a 4x2 PNG (RGB), written by hand so that goldens never depend on an encoder version
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEElEQVR42mM4IScHRwzIHABvCggh7qR9+QAAAABJRU5ErkJggg=="
)

PT = PageGeometry(
    unit="pt", width=612, height=792, pixel_width=1224, pixel_height=1584, model_width=1232, model_height=1596
)
PX = PageGeometry(
    unit="px", width=1000, height=1400, pixel_width=1000, pixel_height=1400, model_width=1008, model_height=1400
)


class Builder:
    """Adds blocks to a page with consecutive orders, deterministic ids and normalized boxes."""

    def __init__(self, number: int, geometry: PageGeometry | None) -> None:
        self.number = number
        self.geometry = geometry
        self.blocks: list[Block] = []

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[BBox, BBox]:
        assert self.geometry is not None
        w, h = self.geometry.width, self.geometry.height
        return BBox(x0=x0, y0=y0, x1=x1, y1=y1), BBox(x0=x0 / w, y0=y0 / h, x1=x1 / w, y1=y1 / h)

    def add(self, cls: Callable[..., Block], box: tuple[float, float, float, float] | None, **fields: Any) -> Block:
        order = len(self.blocks)
        bbox, norm = self.box(*box) if box is not None else (None, None)
        block = cls(
            id=block_id(DOC_ID, self.number, order), page=self.number, order=order, bbox=bbox, bbox_norm=norm, **fields
        )
        self.blocks.append(block)
        return block


def spanned_table() -> TableData:
    """3x3: a header row whose first cell spans two columns, a body cell spanning two rows."""
    return TableData(
        n_rows=3,
        n_cols=3,
        cells=[
            TableCell(row=0, col=0, colspan=2, header=True, text="Region"),
            TableCell(row=0, col=2, header=True, text="Total"),
            TableCell(row=1, col=0, rowspan=2, text="North"),
            TableCell(row=1, col=1, text="Q1"),
            TableCell(row=1, col=2, text="10"),
            TableCell(row=2, col=1, text="Q2"),
            TableCell(row=2, col=2, text="12, with comma"),
        ],
    )


def simple_table() -> TableData:
    return TableData(
        n_rows=2,
        n_cols=2,
        cells=[
            TableCell(row=0, col=0, header=True, text="Name"),
            TableCell(row=0, col=1, header=True, text="Value"),
            TableCell(row=1, col=0, text="a|b"),
            TableCell(row=1, col=1, text="line1\nline2"),
        ],
    )


def page_one() -> Page:
    b = Builder(1, PT)
    b.add(HeaderBlock, (36, 10, 576, 24), text="ACME Quarterly Report")
    b.add(HeadingBlock, (72, 40, 540, 70), text="Annual Report 2024", level=1)
    b.add(AuthorBlock, (72, 72, 300, 86), text="Jane Doe, John Roe")
    b.add(HeadingBlock, (72, 90, 540, 108), text="1. Introduction", level=2)
    b.add(ParagraphBlock, (72, 110, 540, 150), text="Revenue grew by 12% in 2024.")
    b.add(ParagraphBlock, None, text=TRICKY)
    b.add(HeadingBlock, (72, 160, 540, 175), text="Details", level=3)
    b.add(
        ListBlock,
        (72, 180, 540, 240),
        text="Plan\nBuild\nShip",
        ordered=True,
        start=3,
        items=[
            ListItem(text="Plan"),
            ListItem(
                text="Build",
                children=[ListItem(text="Frontend"), ListItem(text="Backend", children=[ListItem(text="API")])],
            ),
            ListItem(text="Ship", children=[ListItem(text="Stage"), ListItem(text="Prod")], children_ordered=True),
        ],
    )
    b.add(ListBlock, (72, 245, 300, 270), text="apples\npears", items=[ListItem(text="apples"), ListItem(text="pears")])
    b.add(TableBlock, (72, 280, 540, 360), caption="Table 1: Sales", text="sales table", **spanned_table().model_dump())
    b.add(TableBlock, (72, 365, 300, 400), **simple_table().model_dump())
    b.add(ChartBlock, (72, 410, 300, 520), text="Sales by quarter", data=simple_table())
    b.add(FormulaBlock, (72, 530, 300, 550), content=r"E = mc^2 \quad a<b", text="E = mc^2")
    b.add(ImageBlock, (320, 410, 540, 520), caption="Figure 1: The plant", text="Figure 1: The plant")
    b.add(ImageBlock, None, ocr_text="STOP\nsign", text="STOP\nsign")
    b.add(CaptionBlock, (320, 522, 540, 534), text="Source: internal data")
    b.add(CodeBlock, (72, 560, 540, 620), text="def f(x):\n    return x * 2  # ```", language="python")
    b.add(UnknownBlock, (72, 625, 540, 640), text="Stray marginal note", tag="aside", classes="note")
    b.add(FooterBlock, (36, 760, 400, 775), text="Confidential")
    b.add(PageNumberBlock, (540, 760, 576, 775), text="1")
    return Page(number=1, geometry=PT, status="ok", engine="transformers", model="qwen", blocks=b.blocks)


def page_two() -> Page:
    b = Builder(2, PX)
    b.add(MusicSheetBlock, (100, 100, 900, 300), content="X:1\nK:C\nCDEF|", format="abc notation")
    b.add(ChemicalFormulaBlock, (100, 320, 500, 500), content="C1=CC=CC=C1", format="smiles")
    b.add(ParagraphBlock, (100, 520, 900.5, 600.25), text="Benzene is aromatic.")
    b.add(HeadingBlock, None, text="Tiny heading", level=6)
    issues = [Issue(code="bbox_missing", message="heading kept without a box", block=3)]
    attempts = [
        Attempt(
            index=0, engine="transformers", model_width=1008, model_height=1400, output="<html>raw</html>", chosen=True
        )
    ]
    return Page(number=2, geometry=PX, status="partial", issues=issues, blocks=b.blocks, attempts=attempts)


def build_document(pages: list[Page] | None = None) -> Document:
    """The fixture document (or one holding ``pages``)."""
    if pages is None:
        failed = Page(
            number=3,
            geometry=PT,
            status="failed",
            issues=[
                Issue(code="engine_error", severity="error", message="CUDA out of memory"),
                Issue(code="retry", severity="info", message="retried at lower max_pixels"),
            ],
            attempts=[
                Attempt(
                    index=0,
                    engine="transformers",
                    model_width=1232,
                    model_height=1596,
                    output="<html><body><p>partial",
                    stop_reason="error",
                    error="CUDA out of memory",
                    settings={"max_pixels": 1000000, "temperature": 0.0},
                )
            ],
        )
        pending = Page(number=4, status="pending", issues=[Issue(code="needs_vlm", severity="info", message="no text")])
        pages = [page_one(), page_two(), failed, pending]
    stamp = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    return Document(
        id=DOC_ID,
        sha256="0" * 64,
        filename="report <2024>.pdf",
        media_type="application/pdf",
        page_count=len(pages),
        status="partial",
        settings_fingerprint="fp-1",
        created_at=stamp,
        updated_at=stamp,
        pages=pages,
    )


def make_document(*blocks_per_page: list[Block]) -> Document:
    """A document whose pages hold exactly the given blocks (boxes as built)."""
    pages = [Page(number=i + 1, geometry=PT, status="ok", blocks=blocks) for i, blocks in enumerate(blocks_per_page)]
    return build_document(pages)


@pytest.fixture
def document() -> Document:
    return build_document()


@pytest.fixture
def tiny_png() -> bytes:
    return TINY_PNG
