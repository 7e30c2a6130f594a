"""Small documents built from the schema models, for the document pass's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas import (
    BBox,
    Block,
    Document,
    FooterBlock,
    HeaderBlock,
    ListBlock,
    ListItem,
    Page,
    PageGeometry,
    PageNumberBlock,
    ParagraphBlock,
    TableBlock,
    TableCell,
    block_id,
)

DOC_ID = "doc-pass"
GEOMETRY = PageGeometry(
    unit="pt", width=612, height=792, pixel_width=1224, pixel_height=1584, model_width=1232, model_height=1596
)
LEFT = (54.0, 297.0)
RIGHT = (315.0, 558.0)
FULL = (54.0, 558.0)


class PageBuilder:
    """Blocks of one page with consecutive orders, deterministic ids and boxes in points."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.blocks: list[Block] = []

    def add(self, cls: type[Any], x: tuple[float, float], y: tuple[float, float], **fields: Any) -> PageBuilder:
        order = len(self.blocks)
        box = BBox(x0=x[0], y0=y[0], x1=x[1], y1=y[1])
        norm = BBox(x0=x[0] / 612, y0=y[0] / 792, x1=x[1] / 612, y1=y[1] / 792)
        ident = block_id(DOC_ID, self.number, order)
        self.blocks.append(cls(id=ident, page=self.number, order=order, bbox=box, bbox_norm=norm, **fields))
        return self

    def para(self, text: str, x: tuple[float, float] = FULL, y: tuple[float, float] = (100, 200)) -> PageBuilder:
        return self.add(ParagraphBlock, x, y, text=text)

    def add_text(self, text: str, x: tuple[float, float], y: tuple[float, float]) -> PageBuilder:
        return self.add(ParagraphBlock, x, y, text=text)

    def header(self, text: str, y: tuple[float, float] = (30, 42)) -> PageBuilder:
        return self.add(HeaderBlock, (200, 400), y, text=text)

    def footer(self, text: str, y: tuple[float, float] = (750, 762)) -> PageBuilder:
        return self.add(FooterBlock, (200, 400), y, text=text)

    def page_number(self, text: str, y: tuple[float, float] = (766, 776)) -> PageBuilder:
        return self.add(PageNumberBlock, (290, 320), y, text=text)

    def lst(
        self, items: list[str], ordered: bool = False, start: int | None = None, y: tuple[float, float] = (300, 400)
    ) -> PageBuilder:
        entries = [ListItem(text=t) for t in items]
        return self.add(ListBlock, FULL, y, items=entries, ordered=ordered, start=start, text="\n".join(items))

    def table(
        self, rows: list[list[str]], header: int = 0, y: tuple[float, float] = (400, 700), caption: str | None = None
    ) -> PageBuilder:
        cells = [
            TableCell(row=r, col=c, header=r < header, text=text)
            for r, row in enumerate(rows)
            for c, text in enumerate(row)
        ]
        text = "\n".join("\t".join(row) for row in rows)
        return self.add(
            TableBlock, (72, 540), y, n_rows=len(rows), n_cols=len(rows[0]), cells=cells, text=text, caption=caption
        )

    def page(self) -> Page:
        return Page(number=self.number, status="ok", geometry=GEOMETRY, blocks=self.blocks)


def document(*pages: PageBuilder) -> Document:
    now = datetime(2024, 3, 15, tzinfo=UTC)
    return Document(
        id=DOC_ID,
        sha256="0" * 64,
        filename="built.pdf",
        media_type="application/pdf",
        page_count=len(pages),
        status="done",
        settings_fingerprint="test",
        created_at=now,
        updated_at=now,
        pages=[p.page() for p in pages],
    )
