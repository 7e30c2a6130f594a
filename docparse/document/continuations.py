"""Which consecutive blocks of the reading flow are one block cut by a column or page break.

Two neighbours of the flow (furniture left out) can be parts of one block only across a
*break*: a page break (the last block of one page, ending at the bottom, and the first of the
next page, starting at the top) or a column break (:func:`~docparse.document.geometry.is_column_break`). Then, by type:

* paragraphs — the first does not end a sentence (``. ! ? : …`` and closing quotes or
  brackets; ``。！？`` too) and the second starts in lower case, or the first ends with a
  hyphen, a comma or a semicolon, or with a letter or digit followed by a second part that
  starts with a character that has no case (a digit, CJK);
* lists — both ordered or both unordered; an ordered continuation starts where the first
  part stopped (or states no start);
* tables — the same number of columns, about the same horizontal extent across a page break
  (:data:`TABLE_X_SIMILARITY`), no caption of its own on the continuation unless it says
  "continued", and a header row that repeats the first part's header or no header at all
  (:func:`~docparse.document.merge.repeated_header`).

Chains run over any number of parts (a table over three pages is one chain).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from docparse.document.geometry import Placed, is_column_break, x_similarity
from docparse.document.merge import repeated_header
from schemas import BreakKind

PAGE_EDGE = 0.35
"""Across a page break, the first part must end below ``1 - PAGE_EDGE`` of its page's height and
the next must start above ``PAGE_EDGE`` of its page's height."""
TABLE_X_SIMILARITY = 0.6
"""Minimum intersection-over-union of the horizontal extents of two parts of a table across a page."""

_TERMINAL = re.compile(r"[.!?:…。！？]['\"”’»)\]]*$")
_CONTINUED = re.compile(r"cont(?:inued|\.|'d)", re.IGNORECASE)


def break_between(a: Placed, b: Placed) -> BreakKind | None:
    """The break between two neighbours of the flow, if ``b`` starts a new column or page: a
    page break needs ``a`` to end in the lower part of its page and ``b`` to start in the
    upper part of the next one (:data:`PAGE_EDGE`)."""
    if b.page.number == a.page.number + 1:
        if a.box is not None and b.box is not None and (a.box.y1 < 1 - PAGE_EDGE or b.box.y0 > PAGE_EDGE):
            return None
        return "page"
    if is_column_break(a, b):
        return "column"
    return None


def paragraph_continues(a: str, b: str) -> bool:
    """Whether text ``b`` reads as the rest of the sentence that ``a`` leaves open."""
    a, b = a.rstrip(), b.lstrip()
    if not a or not b or _TERMINAL.search(a):
        return False
    first, last = b[0], a[-1]
    if first.islower() or last in "-‐,;":
        return True
    return last.isalnum() and first.isalnum() and not first.isupper()


def _table_continues(head: Placed, prev: Placed, cur: Placed, kind: BreakKind) -> int | None:
    """Rows of ``cur`` repeating the header (0 or more) when it continues the table, else ``None``."""
    h, c = head.block, cur.block
    if h.type != "table" or c.type != "table" or h.n_cols == 0 or h.n_cols != c.n_cols or c.n_rows == 0:
        return None
    if c.caption and not _CONTINUED.search(c.caption):
        return None
    a, b = prev.box, cur.box
    if kind == "page" and a is not None and b is not None and x_similarity(a, b) < TABLE_X_SIMILARITY:
        return None
    return repeated_header(h, c)


def _continues(head: Placed, prev: Placed, cur: Placed, kind: BreakKind, count: int) -> int | None:
    """``None`` when ``cur`` does not continue the chain; otherwise rows to skip (tables) or 0.
    ``count`` is the number of list items in the chain so far."""
    a, b = prev.block, cur.block
    if a.type != b.type:
        return None
    if a.type == "paragraph" and b.type == "paragraph":
        return 0 if paragraph_continues(a.text, b.text) else None
    if a.type == "list" and b.type == "list" and head.block.type == "list":
        if a.ordered != b.ordered or not a.items or not b.items:
            return None
        if a.ordered and b.start not in (None, (head.block.start or 1) + count):
            return None
        return 0
    if a.type == "table":
        return _table_continues(head, prev, cur, kind)
    return None


class Chain:
    """Consecutive flow blocks that form one logical block: the parts, the breaks between
    them and, for tables, the rows of each part that repeat the header."""

    def __init__(self, first: Placed) -> None:
        self.parts = [first]
        self.breaks: list[BreakKind] = []
        self.skips = [0]
        self.items = len(first.block.items) if first.block.type == "list" else 0

    def offer(self, cur: Placed) -> bool:
        """Append ``cur`` when it continues this chain."""
        prev = self.parts[-1]
        kind = break_between(prev, cur)
        if kind is None:
            return False
        skip = _continues(self.parts[0], prev, cur, kind, self.items)
        if skip is None:
            return False
        self.parts.append(cur)
        self.breaks.append(kind)
        self.skips.append(skip)
        if cur.block.type == "list":
            self.items += len(cur.block.items)
        return True


def find_chains(flow: Iterable[Placed]) -> Iterator[Chain]:
    """The flow cut into chains, in reading order, one at a time (memory stays with the chain
    being built, not with the whole document)."""
    chain: Chain | None = None
    for item in flow:
        if chain is not None and chain.offer(item):
            continue
        if chain is not None:
            yield chain
        chain = Chain(item)
    if chain is not None:
        yield chain
