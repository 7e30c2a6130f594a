"""Reading order of the ``pdf-text`` engine: columns, bands and gutters. Pure, on elements in
displayed page points.

Full-width elements (crossing the middle with nothing beside them) cut the page into bands;
inside a band the columns are read left to right, each top to bottom, recursively for nested
columns. Columns are found at vertical gaps of the elements' x-projection or, when a few
elements stick into the gap (a hanging list marker, an equation number, a wide formula), at
the gutter that the fewest elements cross (:func:`gutter`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docparse.engines.pdf_text_layout import Element
from docparse.engines.pdf_text_rows import h_overlap, v_overlap

GUTTER_MAX_CROSSING = 0.12
"""A gutter may be crossed by elements holding at most this share of the band's height x area."""
BESIDE_MAX_OVERLAP = 0.15
"""Elements side by side may overlap horizontally by this share of the narrower one."""
GUTTER_MIN_SIDE = 0.2
"""Each side of a gutter holds at least this share of the band's elements (by area)."""


def reading_order(elements: Sequence[Element]) -> list[Element]:
    """Column-aware order: full-width elements split the page into bands; inside a band the
    columns are read left to right, each top to bottom (recursively, for nested columns)."""
    return _order(list(elements), 0)


def _by_y(els: Iterable[Element]) -> list[Element]:
    return sorted(els, key=lambda e: (round(e.box[1], 1), e.box[0]))


def _order(els: list[Element], depth: int) -> list[Element]:
    if len(els) <= 1 or depth > 6:
        return _by_y(els)
    x0 = min(e.box[0] for e in els)
    x1 = max(e.box[2] for e in els)
    mid, tol = (x0 + x1) / 2, 0.02 * (x1 - x0)
    crossing = [e for e in els if e.box[0] < mid - tol and e.box[2] > mid + tol]
    wide = [e for e in crossing if not any(_beside(e, o) for o in els if o is not e)]
    narrow = [e for e in els if not any(e is w for w in wide)]
    if not narrow or (not wide and len(_x_groups(narrow)) == 1):
        return _by_y(els)
    wide = _by_y(wide)
    bands: list[list[Element]] = [[] for _ in range(len(wide) + 1)]
    for e in narrow:
        cy = (e.box[1] + e.box[3]) / 2
        k = sum(1 for w in wide if (w.box[1] + w.box[3]) / 2 < cy)
        bands[k].append(e)
    out: list[Element] = []
    for k, band in enumerate(bands):
        groups = _x_groups(band)
        if len(groups) == 1:
            out.extend(_by_y(band) if not wide else _order(band, depth + 1))
        else:
            for g in groups:
                out.extend(_order(g, depth + 1))
        if k < len(wide):
            out.append(wide[k])
    return out


def _beside(a: Element, b: Element) -> bool:
    """``b`` sits beside ``a`` on the same rows (so ``a`` is not a full-width element); they may
    overlap a little (:data:`BESIDE_MAX_OVERLAP` of the narrower), as a column's element that
    reaches into the gutter overlaps the one beside it."""
    return h_overlap(a.box, b.box) <= BESIDE_MAX_OVERLAP and v_overlap(a.box, b.box) > 0.3


def _x_groups(els: Sequence[Element], min_gap: float = 3.0) -> list[list[Element]]:
    """Elements split at vertical gaps of their x-projection (the columns), left to right, or at
    a :func:`gutter` few of them cross."""
    groups: list[list[Element]] = []
    right = float("-inf")
    for e in sorted(els, key=lambda e: e.box[0]):
        if groups and e.box[0] < right + min_gap:
            groups[-1].append(e)
            right = max(right, e.box[2])
        else:
            groups.append([e])
            right = e.box[2]
    if len(groups) == 1 and len(els) >= 4:
        g = gutter(els)
        if g is not None:
            return [[e for e in els if _side(e, g) < 0], [e for e in els if _side(e, g) >= 0]]
    return groups


def _area(e: Element) -> float:
    return max(e.box[2] - e.box[0], 0.0) * max(e.box[3] - e.box[1], 0.0)


def _side(e: Element, x: float) -> float:
    """Negative when most of the element lies left of ``x``."""
    return (e.box[0] + e.box[2]) / 2 - x


def gutter(els: Sequence[Element]) -> float | None:
    """The x of a column gutter that few elements cross (see the module docstring), if any."""
    x0 = min(e.box[0] for e in els)
    x1 = max(e.box[2] for e in els)
    total = sum(_area(e) for e in els)
    if x1 - x0 < 50 or total <= 0:
        return None
    best: tuple[float, float] | None = None
    x = x0 + 0.25 * (x1 - x0)
    while x <= x0 + 0.75 * (x1 - x0):
        crossing = sum(_area(e) for e in els if e.box[0] < x < e.box[2])
        if best is None or crossing < best[0]:
            best = (crossing, x)
        x += 1.0
    if best is None or best[0] > GUTTER_MAX_CROSSING * total:
        return None
    g = best[1]
    left = sum(_area(e) for e in els if e.box[2] <= g)
    right = sum(_area(e) for e in els if e.box[0] >= g)
    return g if min(left, right) >= GUTTER_MIN_SIDE * total else None
