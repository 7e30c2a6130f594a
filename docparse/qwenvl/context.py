"""The state shared while one page is turned into blocks: geometry, issues, the blocks so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docparse.qwenvl.boxes import MappedBox, MappedFields, read_box_fields
from docparse.qwenvl.dom import Element, serialize, tag_of
from docparse.qwenvl.issues import IssueLog
from schemas import Block, CoordinateConvention, PageGeometry, block_id


@dataclass
class PageContext:
    """One page being built. ``report_missing`` is false on pages without any box (one ``no_boxes`` instead)."""

    geometry: PageGeometry
    convention: CoordinateConvention
    page: int
    document_id: str
    log: IssueLog
    report_missing: bool = True
    blocks: list[Block] = field(default_factory=list)
    styles: list[tuple[str, str]] = field(default_factory=list)

    @property
    def next_index(self) -> int:
        return len(self.blocks)

    def box(self, element: Element, *, what: str = "", required: bool = True) -> MappedBox | None:
        """Read an element's box, logging each repair against the block being built.

        ``None`` means the element has no box attribute (logged as ``bbox_missing`` when
        ``required``); a :class:`MappedBox` without ``bbox`` means the attribute was unusable.
        """
        fields = self.box_fields(element, what=what, required=required)
        return fields.boxes() if fields is not None else None

    def box_fields(self, element: Element, *, what: str = "", required: bool = True) -> MappedFields | None:
        """:meth:`box` with the boxes as fields, validated later with the block that holds them."""
        bbox = element.get("data-bbox")
        polygon = element.get("data-polygon") if bbox is None else None  # read only without a data-bbox
        mapped = read_box_fields(bbox, polygon, self.geometry, self.convention)
        if mapped is None:
            if required and self.report_missing:
                label = what or f"<{tag_of(element)}>"
                self.log.add("bbox_missing", f"{label} has no data-bbox; kept without a box", block=self.next_index)
            return None
        if mapped.fixes:
            label = what or f"<{tag_of(element)}>"
            for fix in mapped.fixes:
                self.log.add(fix.code, f"{label}: {fix.message}", block=self.next_index)
        return mapped

    def common(self, element: Element, *, html: str | None = None) -> dict[str, Any]:
        """The fields every block has, for the block about to be appended (boxes as fields, validated with it)."""
        mapped = self.box_fields(element)
        index = self.next_index
        return {
            "id": block_id(self.document_id, self.page, index),
            "page": self.page,
            "order": index,
            "bbox": mapped.bbox if mapped else None,
            "bbox_norm": mapped.bbox_norm if mapped else None,
            "html": serialize(element) if html is None else html,
        }

    def image_box(self, element: Element) -> dict[str, float] | None:
        """The page-space box of an ``<img>`` child as fields (not required: many figures have none)."""
        mapped = self.box_fields(element, what="<img>", required=False)
        return mapped.bbox if mapped else None
