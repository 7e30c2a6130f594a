"""One OmniDocBench ground-truth page as the end-to-end evaluation reads it (``get_page_elements``).

Every ``layout_dets`` element is kept (``ignore`` flags included, as the official evaluation
does), grouped by ``category_type``. Elements joined by a ``truncated`` relation in
``extra.relation`` become one element: texts concatenated in ``order`` (an element linked
twice in a chain appears twice, as in the official code), category, order and id of the
first, no attributes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

TEXT_CATEGORIES = (
    "text_block",
    "title",
    "code_txt",
    "code_txt_caption",
    "reference",
    "equation_caption",
    "figure_caption",
    "figure_footnote",
    "table_caption",
    "table_footnote",
    "code_algorithm",
    "code_algorithm_caption",
    "header",
    "footer",
    "page_footnote",
    "page_number",
)
"""Gold categories scored as text (matched together with ``equation_isolated``)."""

IGNORED_CATEGORIES = (
    "figure_caption",
    "figure_footnote",
    "table_caption",
    "table_footnote",
    "code_algorithm",
    "code_algorithm_caption",
    "header",
    "footer",
    "page_footnote",
    "page_number",
    "equation_caption",
)
"""Text categories matched first and then left out of the text and reading-order scores."""


@dataclass
class GoldItem:
    """One gold element: ``text`` is its ``text``, ``latex`` or ``html`` as the category needs."""

    category: str
    text: str
    order: float | None = None
    attribute: dict[str, Any] = field(default_factory=dict)


@dataclass
class GoldPage:
    """A ground-truth page: its image name, page attributes and elements by category."""

    image_name: str
    attributes: dict[str, Any]
    elements: dict[str, list[GoldItem]]

    def of(self, *categories: str) -> list[GoldItem]:
        """Elements of these categories (in the order given), sorted by ``order`` (missing or 0 first)."""
        items = [item for category in categories for item in self.elements.get(category, [])]
        return sorted(items, key=lambda item: item.order or 0)


def image_name(entry: Mapping[str, Any]) -> str:
    """The base name of the page's ``page_info.image_path``."""
    info = entry.get("page_info") or {}
    path = str(info.get("image_path", ""))
    return PureWindowsPath(PurePosixPath(path).name).name


def _order(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _field(det: Mapping[str, Any]) -> str:
    category = det.get("category_type")
    key = "latex" if category == "equation_isolated" else "html" if category == "table" else "text"
    value = det.get(key)
    return "" if value is None else str(value)


def _item(det: Mapping[str, Any]) -> GoldItem:
    attribute = det.get("attribute")
    return GoldItem(
        category=str(det.get("category_type", "")),
        text=_field(det),
        order=_order(det.get("order")),
        attribute=dict(attribute) if isinstance(attribute, dict) else {},
    )


def _chains(relations: list[Any]) -> tuple[set[object], list[list[object]]]:
    linked: set[object] = set()
    chains: list[list[object]] = []
    for relation in relations:
        if not isinstance(relation, dict) or relation.get("relation_type") != "truncated":
            continue
        source, target = relation.get("source_anno_id"), relation.get("target_anno_id")
        linked |= {source, target}
        joined = False
        for chain in chains:
            if source in chain or target in chain:
                chain.extend((source, target))
                joined = True
        if not joined:
            chains.append([source, target])
    return linked, chains


def read_gold_page(entry: Mapping[str, Any]) -> GoldPage:
    """The elements of one ground-truth page entry (see the module docstring)."""
    extra = entry.get("extra") or {}
    linked, chains = _chains(list(extra.get("relation") or []))
    elements: dict[str, list[GoldItem]] = defaultdict(list)
    by_id: dict[object, Mapping[str, Any]] = {}
    for det in entry.get("layout_dets") or []:
        if det.get("anno_id") in linked:
            by_id[det.get("anno_id")] = det
        else:
            elements[str(det.get("category_type", ""))].append(_item(det))
    for chain in chains:
        dets = sorted((by_id[key] for key in chain if key in by_id), key=lambda d: _order(d.get("order")) or 0)
        if not dets:
            continue
        first = dets[0]
        text = "".join(str(d.get("text") or "") for d in dets)
        category = str(first.get("category_type", ""))
        elements[category].append(GoldItem(category=category, text=text, order=_order(first.get("order"))))
    info = entry.get("page_info") or {}
    attributes = info.get("page_attribute") or {}
    return GoldPage(image_name(entry), dict(attributes), dict(elements))
