"""Boxes: read ``data-bbox``/``data-polygon``, repair them, map them from model space to page space.

Model space depends on the convention: ``qwen2.5-absolute`` boxes are pixels of the resized
model input (``0..model_width`` x ``0..model_height``); ``qwen3-relative`` boxes are on a
``0..1000`` scale of each side. A box is first repaired in model space (corners swapped,
clamped to the model image), then scaled to the page (``geometry.width`` x
``geometry.height``) and normalized to ``0..1``. Every output box lies inside its page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from schemas import BBox, CoordinateConvention, IssueCode, PageGeometry

RELATIVE_SCALE = 1000.0
"""The full extent of a ``qwen3-relative`` coordinate."""

_SEPARATORS = re.compile(r"[\s,;()\[\]]+")
_PAGE_DIGITS = 3
_NORM_DIGITS = 6


@dataclass(frozen=True)
class BoxFix:
    """One repair applied to a box, as an issue code and a message."""

    code: IssueCode
    message: str


@dataclass(frozen=True)
class MappedBox:
    """A box in page space and normalized; both ``None`` when the source was unusable."""

    bbox: BBox | None
    bbox_norm: BBox | None
    fixes: tuple[BoxFix, ...] = ()


def parse_numbers(raw: str) -> list[float] | None:
    """The numbers of an attribute value (space, comma or bracket separated); ``None`` if any is not one."""
    if raw.isascii() and raw.replace(" ", "").replace(".", "").replace("-", "").isdigit():
        tokens = raw.split()  # digits, dots and minus signs only: no other separator to split on
    else:
        tokens = [token for token in _SEPARATORS.split(raw.strip()) if token]
    try:
        values = list(map(float, tokens))
    except ValueError:
        return None
    return values if all(map(math.isfinite, values)) else None  # a 400-digit number is inf


def model_extent(geometry: PageGeometry, convention: CoordinateConvention) -> tuple[float, float]:
    """The width and height of model space for a convention."""
    if convention == "qwen3-relative":
        return RELATIVE_SCALE, RELATIVE_SCALE
    return float(geometry.model_width), float(geometry.model_height)


def _clamp(value: float, high: float) -> float:
    return min(max(value, 0.0), high)


_QUICK_LIMIT = 2.0**30
"""Below this magnitude a scaled coordinate's float error is under 1e-7, far below :data:`_TIE_MARGIN`."""

_TIE_MARGIN = 1e-6
"""How far from a rounding tie a scaled coordinate must lie for :func:`_rounded` to take the quick way."""


def _rounded(values: Sequence[float], digits: int) -> list[float]:
    """``[round(v, digits) for v in values]``, bit for bit, mostly without ``round``'s decimal conversion.

    ``round`` is exact: the nearest float to the decimal ``k / 10**digits`` where ``k`` is
    the exactly rounded ``value * 10**digits``. When the float product lies more than
    :data:`_TIE_MARGIN` away from a tie, its nearest integer is that ``k``, and ``k / factor``
    (a correctly rounded division of exact integers) is that same float. Near a tie, or for
    huge values, ``round`` itself decides.
    """
    factor = 10.0**digits
    limit, margin = _QUICK_LIMIT, 0.5 - _TIE_MARGIN
    out: list[float] = []
    for value in values:
        scaled = value * factor
        k = round(scaled) if -limit < scaled < limit else None
        if k is not None and -margin < scaled - k < margin:
            out.append(k / factor if k else math.copysign(0.0, value))  # round keeps the sign of a zero
        else:
            out.append(round(value, digits))
    return out


def _capped_box(values: list[float], high_x: float, high_y: float) -> dict[str, float]:
    """A box's fields, each coordinate ``min(value, high)`` (the first of equal values, as :func:`min` returns)."""
    x0, y0, x1, y1 = values
    return {
        "x0": high_x if high_x < x0 else x0,
        "y0": high_y if high_y < y0 else y0,
        "x1": high_x if high_x < x1 else x1,
        "y1": high_y if high_y < y1 else y1,
    }


class MappedFields(NamedTuple):
    """:class:`MappedBox` with the boxes as unvalidated :class:`schemas.BBox` fields (for one-shot validation).

    A named tuple: one is made per box of a page, and a tuple is made at half a frozen dataclass's cost.
    """

    bbox: dict[str, float] | None
    bbox_norm: dict[str, float] | None
    fixes: tuple[BoxFix, ...] = ()

    def boxes(self) -> MappedBox:
        bbox = BBox.model_validate(self.bbox) if self.bbox is not None else None
        norm = BBox.model_validate(self.bbox_norm) if self.bbox_norm is not None else None
        return MappedBox(bbox, norm, self.fixes)


def map_box(coords: Sequence[float], geometry: PageGeometry, convention: CoordinateConvention) -> MappedBox:
    """Map ``(x1, y1, x2, y2)`` in model space to page space; see :func:`map_box_fields`."""
    return map_box_fields(coords, geometry, convention).boxes()


def map_box_fields(coords: Sequence[float], geometry: PageGeometry, convention: CoordinateConvention) -> MappedFields:
    """Map ``(x1, y1, x2, y2)`` in model space to page space, repairing it on the way.

    Inverted corners are swapped (``bbox_swapped``), coordinates outside model space are
    clamped to it (``bbox_clamped``), a box left with zero width or height is kept and
    flagged (``bbox_degenerate``). Anything but four finite numbers gives no box
    (``bbox_malformed``).
    """
    if len(coords) != 4:
        return MappedFields(None, None, (BoxFix("bbox_malformed", f"expected 4 numbers, got {len(coords)}"),))
    x1, y1, x2, y2 = coords
    isfinite = math.isfinite
    if not (isfinite(x1) and isfinite(y1) and isfinite(x2) and isfinite(y2)):
        return MappedFields(None, None, (BoxFix("bbox_malformed", f"non-finite coordinate in {tuple(coords)}"),))
    fixes: list[BoxFix] = []
    if x1 > x2 or y1 > y2:
        fixes.append(BoxFix("bbox_swapped", f"inverted corners swapped in ({x1:g}, {y1:g}, {x2:g}, {y2:g})"))
        x1, x2 = min(x1, x2), max(x1, x2)
        y1, y2 = min(y1, y2), max(y1, y2)
    width, height = model_extent(geometry, convention)
    if x1 < 0 or y1 < 0 or x2 > width or y2 > height:
        fixes.append(
            BoxFix("bbox_clamped", f"({x1:g}, {y1:g}, {x2:g}, {y2:g}) clamped to the {width:g}x{height:g} model image")
        )
        x1, y1, x2, y2 = _clamp(x1, width), _clamp(y1, height), _clamp(x2, width), _clamp(y2, height)
    if x1 == x2 or y1 == y2:
        fixes.append(BoxFix("bbox_degenerate", f"zero-area box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) kept"))
    page_w, page_h = geometry.width, geometry.height
    sx, sy = page_w / width, page_h / height
    page = _capped_box(_rounded((x1 * sx, y1 * sy, x2 * sx, y2 * sy), _PAGE_DIGITS), page_w, page_h)
    norm = _capped_box(_rounded((x1 / width, y1 / height, x2 / width, y2 / height), _NORM_DIGITS), 1.0, 1.0)
    return MappedFields(page, norm, tuple(fixes))


_PLAIN_BOX = re.compile(r"\s*(\d{1,9})\s+(\d{1,9})\s+(\d{1,9})\s+(\d{1,9})\s*")
"""Four unsigned integers, space separated: a ``data-bbox`` as the model writes it."""


def _map_plain(groups: Sequence[str], geometry: PageGeometry, convention: CoordinateConvention) -> MappedFields | None:
    """:func:`map_box_fields` of four integers that need no repair (corners in order, inside model
    space, not degenerate): the same floats, each integer coordinate mapped once per page size
    (:class:`_Axes`), without the checks each repair needs; ``None`` when one is due (the caller
    takes the general way)."""
    x1, y1, x2, y2 = int(groups[0]), int(groups[1]), int(groups[2]), int(groups[3])
    axes = _axes(geometry, convention)
    if not (x1 < x2 <= axes.width and y1 < y2 <= axes.height):
        return None
    px, nx, py, ny = axes.x, axes.x_norm, axes.y, axes.y_norm
    page = {"x0": px(x1), "y0": py(y1), "x1": px(x2), "y1": py(y2)}
    norm = {"x0": nx(x1), "y0": ny(y1), "x1": nx(x2), "y1": ny(y2)}
    return MappedFields(page, norm)


class _Axes:
    """The page and normalized coordinate of each integer model coordinate, for one page size and
    convention, computed as :func:`map_box_fields` does (scaled, :func:`_rounded`, capped at the
    page's extent) the first time it is asked for: a page's boxes share most of their edges."""

    def __init__(self, width: float, height: float, page_w: float, page_h: float) -> None:
        self.width, self.height = width, height
        self.x = self._axis(page_w / width, _PAGE_DIGITS, page_w, multiply=True)
        self.y = self._axis(page_h / height, _PAGE_DIGITS, page_h, multiply=True)
        self.x_norm = self._axis(width, _NORM_DIGITS, 1.0, multiply=False)
        self.y_norm = self._axis(height, _NORM_DIGITS, 1.0, multiply=False)

    @staticmethod
    def _axis(factor: float, digits: int, high: float, *, multiply: bool) -> Callable[[int], float]:
        known: dict[int, float] = {}

        def coordinate(value: int) -> float:
            found = known.get(value)
            if found is None:
                scaled = value * factor if multiply else value / factor
                rounded = _rounded((scaled,), digits)[0]
                found = known[value] = high if high < rounded else rounded
            return found

        return coordinate


_AXES: dict[tuple[float, float, float, float], _Axes] = {}
_AXES_KEPT = 16
"""Page sizes whose coordinates are kept (a worker sees few: the model's sizes for a few page formats)."""


def _axes(geometry: PageGeometry, convention: CoordinateConvention) -> _Axes:
    width, height = model_extent(geometry, convention)
    key = (width, height, geometry.width, geometry.height)
    axes = _AXES.get(key)
    if axes is None:
        if len(_AXES) >= _AXES_KEPT:
            _AXES.clear()
        axes = _AXES[key] = _Axes(width, height, geometry.width, geometry.height)
    return axes


def polygon_bounds(values: Sequence[float]) -> list[float] | None:
    """The bounding box ``[x1, y1, x2, y2]`` of ``x y`` point pairs; ``None`` for fewer than two points."""
    if len(values) < 4 or len(values) % 2:
        return None
    xs, ys = values[0::2], values[1::2]
    return [min(xs), min(ys), max(xs), max(ys)]


def read_box(
    bbox_attr: str | None, polygon_attr: str | None, geometry: PageGeometry, convention: CoordinateConvention
) -> MappedBox | None:
    """The box of an element from its ``data-bbox`` (preferred) or ``data-polygon``; ``None`` if it has neither."""
    fields = read_box_fields(bbox_attr, polygon_attr, geometry, convention)
    return fields.boxes() if fields is not None else None


def read_box_fields(
    bbox_attr: str | None, polygon_attr: str | None, geometry: PageGeometry, convention: CoordinateConvention
) -> MappedFields | None:
    """Like :func:`read_box`, with the boxes as fields to validate later."""
    if bbox_attr is not None:
        plain = _PLAIN_BOX.fullmatch(bbox_attr)
        if plain is not None:  # what the model writes nearly always: four pixel integers
            mapped = _map_plain(plain.groups(), geometry, convention)
            if mapped is not None:
                return mapped
        numbers = parse_numbers(bbox_attr)
        if numbers is None:
            return MappedFields(None, None, (BoxFix("bbox_malformed", f"non-numeric data-bbox {bbox_attr!r}"),))
        if len(numbers) != 4:
            return MappedFields(None, None, (BoxFix("bbox_malformed", f"data-bbox {bbox_attr!r} is not 4 numbers"),))
        return map_box_fields(numbers, geometry, convention)
    if polygon_attr is not None:
        numbers = parse_numbers(polygon_attr)
        bounds = polygon_bounds(numbers) if numbers is not None else None
        if bounds is None:
            return MappedFields(None, None, (BoxFix("bbox_malformed", f"unusable data-polygon {polygon_attr!r}"),))
        return map_box_fields(bounds, geometry, convention)
    return None
