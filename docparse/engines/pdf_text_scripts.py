"""Raised note markers: a footnote number set as a superscript right before a word is its own word.

TeX and most typesetters write a footnote's text after its mark with no gap: ``¹Normally
pronounced …``. Read as one run of characters that is ``1Normally``, and the footnote's first
word is lost to a search. :func:`raised_marker` tells, from the boxes of two neighbouring
pieces of a line (spans or rows of a smaller size on another baseline), that the first is such
a mark — digits or a note symbol (:data:`NOTE_SYMBOLS`), smaller than the second and raised
above its baseline — and the second starts a word, so that the caller writes a space between
them (``1 Normally``). Subscripts (``Cu₂O``) and superscripts after a letter (``x²``) are
not marks and stay attached. (Stacked scripts, a subscript set right under a superscript,
are :func:`docparse.engines.pdf_text_rows.attach_fragments`'s.)

A script ends its word where the text after it stands apart by TeX's ``\\scriptspace`` (0.5pt,
set after every sub- and superscript of a formula): :func:`script_space` tells so from the
sizes and baselines of the two and the gap between them, far narrower than a word gap. In a
formula that gap separates two symbols — a product ``d_1 Z``, ``A_n x``, ``φ_n ψ_n``, the
next term after ``(2iπ/ω_2)^k`` — which run together as one word without it (``d1Z``, ``Anx``);
a script set with no gap after it (``H₂O`` from a word processor) stays attached. Pure: boxes
in displayed page points (y grows downwards).
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


SCRIPT_SIZE = 0.9
"""A script is set at most this share of the size of the text after it ..."""
SCRIPT_SHIFT = 0.1
"""... on a baseline that far (this share of that size) above or below its baseline ..."""
SCRIPT_SPACE_EM = 0.025
"""... and stands apart from it by this share of its size or more (TeX's 0.5pt ``\\scriptspace``
is 0.05 em at 10pt; glyphs of one word touch or overlap)."""


def script_space(script: tuple[float, float], text: tuple[float, float], gap: float, next_char: str) -> bool:
    """A script (``(size, baseline y)``) is followed, ``gap`` points after it, by a letter or
    digit ``next_char`` of larger text on another baseline (``text``: its size and baseline)
    set apart by a script space: a word break belongs between them."""
    size, base = text
    if not next_char[:1].isalnum() or size <= 0:
        return False
    smaller = script[0] <= SCRIPT_SIZE * size
    shifted = abs(script[1] - base) >= SCRIPT_SHIFT * size
    return smaller and shifted and gap >= SCRIPT_SPACE_EM * size
