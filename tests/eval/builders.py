"""Builders for small hand-made pages and documents (normalized boxes, page 1)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from schemas import (
    BBox,
    Block,
    Document,
    FooterBlock,
    FormulaBlock,
    HeadingBlock,
    Page,
    PageGeometry,
    ParagraphBlock,
    TableBlock,
    TableCell,
    TableData,
)

Box = tuple[float, float, float, float]
GEOMETRY = PageGeometry(
    unit="pt", width=100, height=200, pixel_width=100, pixel_height=200, model_width=100, model_height=200
)
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _common(order: int, box: Box | None, page: int = 1) -> dict[str, Any]:
    norm = BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3]) if box is not None else None
    return {"id": f"d:p{page}:b{order}", "page": page, "order": order, "bbox_norm": norm}


def para(order: int, text: str, box: Box | None = None) -> Block:
    return ParagraphBlock(text=text, **_common(order, box))


def heading(order: int, text: str, box: Box | None = None) -> Block:
    return HeadingBlock(text=text, **_common(order, box))


def footer(order: int, text: str, box: Box | None = None) -> Block:
    return FooterBlock(text=text, **_common(order, box))


def formula(order: int, latex: str, box: Box | None = None) -> Block:
    return FormulaBlock(content=latex, text=latex, **_common(order, box))


def grid(rows: list[list[str]]) -> TableData:
    """A table without spans from rows of cell texts."""
    cells = [TableCell(row=r, col=c, text=t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return TableData(n_rows=len(rows), n_cols=len(rows[0]) if rows else 0, cells=cells)


def table(order: int, data: TableData, box: Box | None = None) -> Block:
    return TableBlock(n_rows=data.n_rows, n_cols=data.n_cols, cells=data.cells, text="", **_common(order, box))


def document(blocks: list[Block], *, name: str = "a.pdf", seed: str | None = None, pages: int = 1) -> Document:
    sha = hashlib.sha256((seed or name).encode()).hexdigest()
    page_list = [
        Page(number=n, geometry=GEOMETRY, status="ok", blocks=blocks if n == 1 else []) for n in range(1, pages + 1)
    ]
    return Document(
        id=f"{sha[:16]}-test",
        sha256=sha,
        filename=name,
        media_type="application/pdf",
        page_count=pages,
        status="done",
        settings_fingerprint="test",
        created_at=NOW,
        updated_at=NOW,
        pages=page_list,
    )
