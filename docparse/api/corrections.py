"""A reviewer's corrected blocks -> the page's new blocks and its ``human`` attempt (pure).

The submitted blocks are normalized so that a corrected page obeys the same contract as a
parsed one: ``page``/``order``/``id`` from the position in the list (``order`` 0..n-1, ids
deterministic); boxes clamped to the page, ``bbox`` authoritative and ``bbox_norm`` recomputed
from it (or ``bbox`` from ``bbox_norm`` when only that was sent); derived text rebuilt the way
the parser builds it (a table's rows on lines with tab-separated cells, a list's items with
nested items indented, a formula's / music sheet's / chemical formula's content, a figure's
caption or OCR text); ``html`` rebuilt as the block's QwenVL HTML. Every block is validated
again through the discriminated union. The attempt's ``output`` is the whole page as QwenVL
HTML in the convention of the page's model attempts, so the correction doubles as a
fine-tuning target.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from docparse.export.qwenvl_html import block_html, page_html
from schemas import Attempt, BBox, Block, CoordinateConvention, ListItem, PageGeometry, TableData, block_id, item_line

_BLOCK: TypeAdapter[Block] = TypeAdapter(Block)
HUMAN_ENGINE = "human"


def _clamp(v: float, high: float) -> float:
    return min(max(v, 0.0), high)


def _boxes(box: BBox | None, norm: BBox | None, g: PageGeometry) -> tuple[BBox | None, BBox | None]:
    for given in (box, norm):
        if given is not None and not all(math.isfinite(v) for v in given.as_tuple()):
            raise ValueError(f"a box has a non-finite coordinate: {given.as_tuple()}")
    if box is not None:
        page = BBox(
            x0=_clamp(box.x0, g.width),
            y0=_clamp(box.y0, g.height),
            x1=_clamp(box.x1, g.width),
            y1=_clamp(box.y1, g.height),
        )
    elif norm is not None:
        page = BBox(
            x0=round(_clamp(norm.x0, 1) * g.width, 3),
            y0=round(_clamp(norm.y0, 1) * g.height, 3),
            x1=round(_clamp(norm.x1, 1) * g.width, 3),
            y1=round(_clamp(norm.y1, 1) * g.height, 3),
        )
    else:
        return None, None
    normalized = BBox(
        x0=round(page.x0 / g.width, 6),
        y0=round(page.y0 / g.height, 6),
        x1=round(page.x1 / g.width, 6),
        y1=round(page.y1 / g.height, 6),
    )
    return page, normalized


def grid_text(data: TableData) -> str:
    """A table as text: rows on lines, cells tab-separated, spanned slots left empty."""
    lines = [["" for _ in range(data.n_cols)] for _ in range(data.n_rows)]
    for cell in data.cells:
        lines[cell.row][cell.col] = cell.text
    return "\n".join("\t".join(line).rstrip("\t") for line in lines).strip("\n")


def list_text(items: Sequence[ListItem], depth: int = 0) -> str:
    """A list as text, as the parser builds it: one item per line after its label (when it has
    one), nested items indented by two spaces per level."""
    lines: list[str] = []
    for item in items:
        lines.append("  " * depth + item_line(item.label, item.text))
        if item.children:
            lines.append(list_text(item.children, depth + 1))
    return "\n".join(lines)


def _items(items: Sequence[ListItem], g: PageGeometry) -> list[dict[str, Any]]:
    out = []
    for item in items:
        box, norm = _boxes(item.bbox, item.bbox_norm, g)
        data = item.model_dump()
        data.update(bbox=box, bbox_norm=norm, children=_items(item.children, g))
        out.append(data)
    return out


def _derived_text(block: Block) -> str | None:
    match block.type:
        case "table":
            return grid_text(block)
        case "list":
            return list_text(block.items)
        case "formula" | "music_sheet" | "chemical_formula":
            return block.content or block.text
        case "image":
            return block.caption or block.ocr_text or block.text
        case "chart":
            return grid_text(block.data) if block.data is not None and block.data.cells and not block.text else None
        case _:
            return None


def normalize_blocks(
    document_id: str, number: int, blocks: Sequence[Block], geometry: PageGeometry, convention: CoordinateConvention
) -> list[Block]:
    """The submitted blocks as the page's blocks (see the module docstring); ``ValueError`` (a
    pydantic ``ValidationError``) when one does not validate."""
    out: list[Block] = []
    for order, block in enumerate(blocks):
        box, norm = _boxes(block.bbox, block.bbox_norm, geometry)
        data = block.model_dump()
        data.update(id=block_id(document_id, number, order), page=number, order=order, bbox=box, bbox_norm=norm)
        if block.type == "list":
            data["items"] = _items(block.items, geometry)
        typed = _BLOCK.validate_python(data)
        text = _derived_text(typed)
        if text is not None:
            data["text"] = text
        data["html"] = block_html(_BLOCK.validate_python(data), geometry, convention)
        final = _BLOCK.validate_python(data)
        json.dumps(final.model_dump(mode="json"), allow_nan=False)  # ValueError on NaN/inf anywhere
        out.append(final)
    return out


def human_attempt(
    blocks: Sequence[Block], geometry: PageGeometry, convention: CoordinateConvention, reviewer: str
) -> Attempt:
    """The ``human`` attempt recording a correction (storage assigns its index and time)."""
    return Attempt(
        index=0,
        engine=HUMAN_ENGINE,
        convention=convention,
        model_width=geometry.model_width,
        model_height=geometry.model_height,
        output=page_html(blocks, geometry, convention),
        stop_reason="stop",
        kind="human",
        reviewer=reviewer,
    )
