"""Scripts that a plain left-to-right reading gets wrong: raised note markers and stacked scripts.

**Raised note markers**: a footnote number set as a superscript right before a word is its own word.

TeX and most typesetters write a footnote's text after its mark with no gap: ``¹Normally
pronounced …``. Read as one run of characters that is ``1Normally``, and the footnote's first
word is lost to a search. :func:`raised_marker` tells, from the boxes of two neighbouring
pieces of a line (spans or rows of a smaller size on another baseline), that the first is such
a mark — digits or a note symbol (:data:`NOTE_SYMBOLS`), smaller than the second and raised
above its baseline — and the second starts a word, so that the caller writes a space between
them (``1 Normally``). Subscripts (``Cu₂O``) and superscripts after a letter (``x²``) are
not marks and stay attached.

**Stacked scripts**: a subscript set right under a superscript (``L_p^{(r)}``, ``H^1_{dR}``)
starts at the same x as it; MuPDF may put the subscript in a block of its own, which would
take it to another element. :func:`stacked` tells two such pieces, so that the index is
kept with its row. Pure: boxes in displayed page points (y grows downwards).
"""

from __future__ import annotations

from collections.abc import Sequence

Box = Sequence[float]

NOTE_SYMBOLS = "*†‡§¶⋆∗"
SMALLER = 0.85
"""A mark's box is at most this share of the height of the text after it ..."""
RAISED = 0.2
"""... and its bottom is above that text's bottom by at least this share of that height."""


def raised_marker(mark_box: Sequence[float], mark_text: str, next_box: Sequence[float], next_text: str) -> bool:
    """``mark_text`` (ending at ``mark_box``) is a raised note mark and ``next_text`` (at
    ``next_box``, right after it) starts a word: a space belongs between them."""
    mark, word = mark_text.rstrip(), next_text.lstrip()
    if not mark or not word or not word[0].isalpha():
        return False
    if not (mark[-1].isdigit() or mark[-1] in NOTE_SYMBOLS):
        return False
    height = next_box[3] - next_box[1]
    if height <= 0:
        return False
    smaller = mark_box[3] - mark_box[1] <= SMALLER * height
    return smaller and mark_box[3] <= next_box[3] - RAISED * height


STACK_MIN_WIDTH = 0.5
"""Stacked pieces share at least this share of the narrower one's width ..."""
STACK_MAX_HEIGHT = 0.3
"""... and at most this share of the shorter one's height."""


def _shared(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(min(a1, b1) - max(a0, b0), 0.0) / max(min(a1 - a0, b1 - b0), 1e-6)


def stacked(a: Box, b: Box) -> bool:
    """One box set right above the other, as a superscript over a subscript: they share most
    of the narrower one's width and little of the shorter one's height."""
    return _shared(a[0], a[2], b[0], b[2]) >= STACK_MIN_WIDTH and _shared(a[1], a[3], b[1], b[3]) <= STACK_MAX_HEIGHT
