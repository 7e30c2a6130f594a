"""Words hyphenated across two elements joined again: ``tech-`` / ``nical`` -> ``technical``.

MuPDF sometimes puts the lines of one paragraph in two text blocks — a reference whose
continuation lines hang indented, a list item whose wrapped line starts left of the item's
text, the two columns of a parallel edition cut at the same height — so the paragraph becomes
two elements and the word broken at the line end between them is never joined
(:func:`~docparse.engines.pdf_text_hyphens.join_rows` only sees the rows of one element).

:func:`join_broken_words` takes a paragraph or the last item of a list that ends in a
line-break hyphen and the paragraph that starts on the next line right under it (vertical
gap within :data:`NEXT_LINE_EM` body sizes, overlapping it horizontally): when the hyphen is a
soft break by the rule of :func:`~docparse.engines.pdf_text_hyphens.soft_break`, the
paragraph is the rest of the broken element and is folded into it. A hyphen the rule keeps
(a compound) leaves both elements as they are. Pure: elements in displayed points.
"""

from __future__ import annotations

from collections.abc import Sequence

from docparse.engines.pdf_text_hyphens import HYPHENS, SOFT_HYPHEN, join_rows, soft_break
from docparse.engines.pdf_text_layout import Element
from docparse.engines.pdf_text_rows import h_overlap, union

_BREAKS = (*HYPHENS, SOFT_HYPHEN)
NEXT_LINE_EM = 0.8
"""Most vertical gap, in body sizes, between an element's last line and the next element's first."""


def _tail(el: Element) -> str:
    return el.items[-1][1] if el.kind in ("ul", "ol") and el.items else el.text


def _continues(head: Element, rest: Element, body: float, words: frozenset[str]) -> bool:
    if rest.kind != "p" or head.kind not in ("p", "ul", "ol") or head is rest:
        return False
    gap = rest.box[1] - head.box[3]
    if not -0.5 * body <= gap <= NEXT_LINE_EM * body or h_overlap(head.box, rest.box) < 0.5:
        return False
    return soft_break(_tail(head), rest.text, words) is True


def join_broken_words(elements: Sequence[Element], body: float, words: frozenset[str] = frozenset()) -> list[Element]:
    """Elements with each paragraph that finishes a word hyphenated at the end of the element
    above folded into that element (see the module docstring); other elements unchanged."""
    out = list(elements)
    for head in list(out):
        if not any(head is e for e in out):  # folded into an element above
            continue
        # the folded-in rest may end in a broken word too: keep folding (each fold removes one element)
        while (
            _tail(head).endswith(_BREAKS)
            and (rest := next((e for e in out if _continues(head, e, body, words)), None)) is not None
        ):
            if head.kind in ("ul", "ol"):
                item = head.items[-1]
                text = join_rows([item.text, rest.text], words)
                head.items[-1] = item._replace(box=union([item.box, rest.box]), text=text)
            else:
                head.text = join_rows([head.text, rest.text], words)
            head.box = union([head.box, rest.box])
            out = [e for e in out if e is not rest]
    return out
