"""Where blocks sit on their pages, in 0..1 page units, and what lies between two blocks."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import BBox, Block, Page, PartRef


def norm_box(page: Page, block: Block) -> BBox | None:
    """The block's box normalized to 0..1 of its page: ``bbox_norm``, else ``bbox`` / page size."""
    if block.bbox_norm is not None:
        return block.bbox_norm
    if block.bbox is None or page.geometry is None:
        return None
    g, b = page.geometry, block.bbox
    return BBox(
        x0=min(max(b.x0 / g.width, 0.0), 1.0),
        y0=min(max(b.y0 / g.height, 0.0), 1.0),
        x1=min(max(b.x1 / g.width, 0.0), 1.0),
        y1=min(max(b.y1 / g.height, 0.0), 1.0),
    )


@dataclass(frozen=True, slots=True)
class Placed:
    """A block with its page and normalized box (``None`` when the model gave no usable box)."""

    page: Page
    block: Block
    box: BBox | None

    @property
    def ref(self) -> PartRef:
        b = self.block
        return PartRef(block_id=b.id, page=b.page, order=b.order, bbox=b.bbox, bbox_norm=self.box)


def x_overlap(a: BBox, b: BBox) -> float:
    """The horizontal overlap of two boxes as a fraction of the narrower one (0 when disjoint)."""
    inter = min(a.x1, b.x1) - max(a.x0, b.x0)
    narrower = min(a.width, b.width)
    if narrower <= 0:
        return 1.0 if inter >= 0 else 0.0
    return max(0.0, inter) / narrower


def x_similarity(a: BBox, b: BBox) -> float:
    """Intersection over union of the two boxes' horizontal extents."""
    inter = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    union = max(a.x1, b.x1) - min(a.x0, b.x0)
    return inter / union if union > 0 else 1.0


def is_column_break(a: Placed, b: Placed) -> bool:
    """``b`` follows ``a`` on the same page at the top of the next column: it starts higher up
    than ``a`` does and to its right, and their horizontal extents barely overlap."""
    if a.page.number != b.page.number or a.box is None or b.box is None:
        return False
    return b.box.y0 < a.box.y0 and b.box.x0 > a.box.x0 and x_overlap(a.box, b.box) < 0.2
