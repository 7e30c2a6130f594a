"""The ``pdf-text`` engine's writer: elements in displayed page points -> QwenVL HTML in model pixels.

The markup is what Qwen2.5-VL writes (see ``shared/qwenvl-html.md``), so the same parser reads
it; where the model has no form for what a text layer knows, the form is documented here and
the parser (:mod:`docparse.qwenvl`) maps it:

* display formula: ``<div class="formula" format="text"><div>x² + y² = z²</div></div>`` — the
  formula as its Unicode text (a text layer has no LaTeX), ``format`` says so;
* figure: ``<div class="image">`` with its ``<img>``; a caption tied to it makes it
  ``image caption`` with ``<p>caption</p>``; the labels read inside a drawing (axis ticks,
  legends) go in a ``<p>`` (the block's OCR text), the caption then in a ``<figcaption>``;
* table: ``<div class="table">`` with its ``<table>`` and, when tied, the caption in a ``<p>``
  before or after it (the parser's table ``caption``); a right-to-left table's columns in
  logical order, ``<table dir="rtl">`` (:func:`~docparse.engines.pdf_text_grid.table_html`);
* an untied caption ``<p class="caption">``; an author line ``<address class="author">``;
* a form field: ``<dl class="key_value"><dt>name</dt><dd>value</dd></dl>``.

Each box is ``data-bbox="x1 y1 x2 y2"`` in integer pixels, clamped to the image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from docparse.engines.pdf_text_layout import Box, Element

Scale = tuple[float, float]
Size = tuple[int, int]


def px(box: Box, scale: Scale, size: Size) -> str:
    """A displayed-space box as ``"x1 y1 x2 y2"`` integer pixels, clamped to the image."""
    w, h = size
    x0, x1 = (min(max(math.floor(v * scale[0] + 0.5), 0), w) for v in (box[0], box[2]))
    y0, y1 = (min(max(math.floor(v * scale[1] + 0.5), 0), h) for v in (box[1], box[3]))
    if x1 <= x0:
        x0, x1 = (x0, x0 + 1) if x0 < w else (w - 1, w)
    if y1 <= y0:
        y0, y1 = (y0, y0 + 1) if y0 < h else (h - 1, h)
    return f"{x0} {y0} {x1} {y1}"


def _image(el: Element, scale: Scale, size: Size) -> str:
    bb, inner = px(el.box, scale, size), px(el.content_box or el.box, scale, size)
    img = f'<img data-bbox="{inner}"/>'
    labels = f'<p data-bbox="{inner}">{escape(el.text)}</p>' if el.text else ""
    if el.caption is None:
        return f'<div class="image" data-bbox="{bb}">{img}{labels}</div>'
    cap_box, cap = px(el.caption[0], scale, size), escape(el.caption[1])
    if not labels:
        return f'<div class="image caption" data-bbox="{bb}">{img}<p data-bbox="{cap_box}">{cap}</p></div>'
    caption = f'<figcaption data-bbox="{cap_box}">{cap}</figcaption>'
    return f'<div class="image" data-bbox="{bb}">{img}{labels}{caption}</div>'


def _table(el: Element, scale: Scale, size: Size) -> str:
    bb = px(el.box, scale, size)
    table = el.inner_html
    if el.caption is None:
        return f'<div class="table" data-bbox="{bb}">{table}</div>'
    cap = f'<p data-bbox="{px(el.caption[0], scale, size)}">{escape(el.caption[1])}</p>'
    above = el.content_box is not None and el.caption[0][1] < el.content_box[1]
    return f'<div class="table" data-bbox="{bb}">{cap + table if above else table + cap}</div>'


def _label(label: str | None) -> str:
    return f' data-label="{escape(label, quote=True)}"' if label else ""


def element_html(el: Element, scale: Scale, size: Size) -> str:
    """One element as QwenVL HTML."""
    bb = px(el.box, scale, size)
    if el.kind in ("ul", "ol"):
        start = f' start="{el.start}"' if el.kind == "ol" and el.start != 1 else ""
        items = "".join(
            f'<li data-bbox="{px(b, scale, size)}"{_label(label)}>{escape(t)}</li>' for b, t, label in el.items
        )
        return f'<{el.kind} data-bbox="{bb}"{start}>{items}</{el.kind}>'
    if el.kind == "table":
        return _table(el, scale, size)
    if el.kind == "image":
        return _image(el, scale, size)
    if el.kind == "formula":
        return f'<div class="formula" format="text" data-bbox="{bb}"><div>{escape(el.text)}</div></div>'
    if el.kind == "author":
        return f'<address class="author" data-bbox="{bb}">{escape(el.text)}</address>'
    if el.kind == "caption":
        return f'<p class="caption" data-bbox="{bb}">{escape(el.text)}</p>'
    if el.kind == "key_value":
        return f'<dl class="key_value" data-bbox="{bb}"><dt>{escape(el.key)}</dt><dd>{escape(el.text)}</dd></dl>'
    return f'<{el.kind} data-bbox="{bb}">{escape(el.text)}</{el.kind}>'


def render_html(elements: Sequence[Element], scale: Scale, size: Size) -> str:
    """Elements (in reading order, displayed points) as QwenVL HTML in model pixels."""
    parts = [element_html(el, scale, size) for el in elements]
    return "<html><body>\n" + " \n ".join(parts) + " \n</body></html>"
