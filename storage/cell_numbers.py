"""Table cell text read as a number, for the ``table_cells.number`` column."""

from __future__ import annotations

import re

_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:\.\d+)?")
_CURRENCY = "$€£¥₹"
_FIRST = frozenset("0123456789.+-\u2212(" + _CURRENCY)
_LAST = frozenset("0123456789%)" + _CURRENCY)
"""The characters besides digits (any script's: ``١٢٣`` is 123) a number's text can start and end
with: anything else is rejected at once (most cells are words, and a document's pass reads
thousands of them)."""


def cell_number(text: str) -> float | None:
    """The number a cell's whole text states, else ``None``.

    Accepted: digits with an optional decimal point (``13.1``, ``.5``), thousands grouped by
    commas or (narrow) no-break spaces (``1,204.50``), a leading sign (``-``, ``+``, ``−``), a
    currency symbol before or after (``$1,204.50``, ``12 €``), a trailing ``%`` (``12%`` is 12),
    and accounting negatives in parentheses (``(3.4)`` is -3.4). Anything else — dates, ranges,
    words, ``1.234,56`` — is not a number here.
    """
    t = text.strip()
    if not t or len(t) > 64:
        return None
    if not (t[0] in _FIRST or t[0].isdecimal()) or not (t[-1] in _LAST or t[-1].isdecimal()):
        return None
    if _PLAIN.fullmatch(t):  # the common case: nothing to take off
        return float(t)
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    t = t.replace("\u2212", "-")
    for _ in range(2):  # sign and currency, in either order
        if t[:1] and t[0] in "+-":
            negative ^= t[0] == "-"
            t = t[1:].strip()
        if t[:1] and t[0] in _CURRENCY:
            t = t[1:].strip()
    if t.endswith("%"):
        t = t[:-1].strip()
    if t[-1:] and t[-1] in _CURRENCY:
        t = t[:-1].strip()
    if _PLAIN.fullmatch(t):
        value = float(t)
    elif _GROUPED.fullmatch(t):
        value = float(re.sub(r"[,\u00a0\u202f ]", "", t))
    else:
        return None
    return -value if negative else value
