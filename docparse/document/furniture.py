"""Running headers, footers and page numbers: by repetition across pages and by the model's classes.

A block is running *furniture* when

* the model itself classed it ``header``, ``footer`` or ``page_number``; or
* it sits in the top or bottom band of its page (:data:`BAND`; or it is the page's topmost
  or bottommost block, within :data:`EDGE` of that edge), is short, and text of the
  same shape — case and whitespace folded, every run of digits (and every lone roman
  numeral) replaced by ``#`` so that "page 3 of 9" matches "page 4 of 9" — appears at about
  the same height (:data:`Y_TOLERANCE`) on at least two pages. A repeated block whose whole
  text is a page number ("7", "- 7 -", "Page 7", "7 / 9", "vii") is a ``page_number`` when its
  numbers differ between pages; any other repeated block is a ``header`` in the top band and
  a ``footer`` in the bottom band. Horizontal position is not compared, so headers that
  alternate between left and right on facing pages are found too.

Tables, lists, images, charts and formulas are never furniture.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from statistics import median

from docparse.document.geometry import Placed
from schemas import BlockLabel, FurnitureLabel, LabelSource

BAND = 0.13
"""The top and bottom bands of a page, as a fraction of its height, where furniture sits."""
EDGE = 0.25
"""The page's topmost or bottommost block counts as in the band when within this fraction of the edge."""
Y_TOLERANCE = 0.03
"""How far (fraction of page height) the repeats of one running element may drift."""
MAX_CHARS = 200
"""Longer blocks are body text, never furniture."""

_TEXT_TYPES = frozenset({"paragraph", "heading", "header", "footer", "page_number", "caption", "author", "unknown"})
_MODEL_LABELS: dict[str, FurnitureLabel] = {"header": "header", "footer": "footer", "page_number": "page_number"}
_ROMAN = r"(?:[ivxlcdm]{1,7})"
_NUMBER = re.compile(rf"\d+|\b{_ROMAN}\b", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    rf"^[\s\-–—(\[]*(?:page|p\.|pg\.?|seite|página|pagina)?\s*(\d{{1,5}}|{_ROMAN})"
    rf"(?:\s*(?:/|of|von|de|sur)\s*(\d{{1,5}}|{_ROMAN}))?[\s\-–—)\].]*$",
    re.IGNORECASE,
)


def shape(text: str) -> str:
    """The text with case and whitespace folded and every number replaced by ``#``."""
    return _NUMBER.sub("#", " ".join(text.lower().split()))


def page_number_value(text: str) -> str | None:
    """The page number a block's whole text states (``"Page 7 of 9"`` -> ``"7"``), else ``None``."""
    match = _PAGE_NUMBER.match(text.strip())
    return match.group(1).lower() if match else None


def _zone(item: Placed, top: float, bottom: float) -> str | None:
    """``top``/``bottom`` when the block sits in that band of its page — or is the page's
    topmost (bottommost) block within :data:`EDGE` of that edge (``top``/``bottom``: the page's
    highest block top and lowest block bottom)."""
    box = item.box
    if box is None:
        return None
    if box.y1 <= BAND or (box.y0 <= top and box.y1 <= EDGE):
        return "top"
    if box.y0 >= 1 - BAND or (box.y1 >= bottom and box.y0 >= 1 - EDGE):
        return "bottom"
    return None


def _candidates(items: Iterable[Placed]) -> Iterator[tuple[Placed, str | None]]:
    """Each block with its band, page by page (only one page is held at a time)."""
    for _, group in groupby(items, key=lambda i: i.page.number):
        page = list(group)
        boxes = [i.box for i in page if i.box is not None]
        top = min((b.y0 for b in boxes), default=0.0)
        bottom = max((b.y1 for b in boxes), default=1.0)
        for item in page:
            yield item, _zone(item, top, bottom)


def _repeated(items: Sequence[tuple[Placed, str | None]]) -> dict[str, FurnitureLabel]:
    """Block id -> label of every block found by repetition."""
    groups: defaultdict[tuple[str, str], list[Placed]] = defaultdict(list)
    for item, zone in items:
        text = item.block.text.strip()
        if zone is None or not text or len(text) > MAX_CHARS or item.block.type not in _TEXT_TYPES:
            continue
        groups[(zone, shape(text))].append(item)
    found: dict[str, FurnitureLabel] = {}
    for (zone, _), group in groups.items():
        assert all(item.box is not None for item in group)
        middle = median((i.box.y0 + i.box.y1) / 2 for i in group if i.box is not None)
        near = [i for i in group if i.box is not None and abs((i.box.y0 + i.box.y1) / 2 - middle) <= Y_TOLERANCE]
        if len({i.page.number for i in near}) < 2:
            continue
        values = [page_number_value(i.block.text) for i in near]
        numbered = all(v is not None for v in values) and len(set(values)) > 1
        label: FurnitureLabel = "page_number" if numbered else ("header" if zone == "top" else "footer")
        for item in near:
            found[item.block.id] = label
    return found


def find_furniture(items: Iterable[Placed]) -> list[BlockLabel]:
    """Labels for the running headers, footers and page numbers among ``items`` (every block of
    the document, in reading order), in the same order. One pass; only blocks in the bands or
    with a furniture class are kept meanwhile."""
    candidates = [(i, zone) for i, zone in _candidates(items) if i.block.type in _MODEL_LABELS or zone is not None]
    repeated = _repeated(candidates)
    labels: list[BlockLabel] = []
    for item, _ in candidates:
        block = item.block
        model = _MODEL_LABELS.get(block.type)
        found = repeated.get(block.id)
        if model is None and found is None:
            continue
        source: LabelSource = "model+repetition" if model and found else ("model" if model else "repetition")
        label = model or found
        assert label is not None
        labels.append(BlockLabel(block_id=block.id, page=block.page, order=block.order, label=label, source=source))
    return labels
