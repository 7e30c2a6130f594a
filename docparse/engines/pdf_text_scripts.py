"""Raised note markers: a footnote number set as a superscript right before a word is its own word.

TeX and most typesetters write a footnote's text after its mark with no gap: ``¹Normally
pronounced …``. Read as one run of characters that is ``1Normally``, and the footnote's first
word is lost to a search. :func:`raised_marker` tells, from the boxes of two neighbouring
pieces of a line (spans or rows of a smaller size on another baseline), that the first is such
a mark — digits or a note symbol (:data:`NOTE_SYMBOLS`), smaller than the second and raised
above its baseline — and the second starts a word, so that the caller writes a space between
them (``1 Normally``). Subscripts (``Cu₂O``) and superscripts after a letter (``x²``) are
not marks and stay attached. (Stacked scripts, a subscript set right under a superscript,
are :func:`docparse.engines.pdf_text_rows.attach_fragments`'s.) Pure: boxes in displayed page
points (y grows downwards).
"""

from __future__ import annotations

from collections.abc import Sequence

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
