"""Shared helpers of the ``pdf-text`` engine tests: page inputs at the model size, running the
engine, and checking its QwenVL HTML with lxml: every element that carries text has a
``data-bbox`` of four integers inside the model image (table cells are covered by their
table's box, a formula's source and a form field's key and value by theirs, as in real model
output).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import lxml.html
import pymupdf
from lxml.html import HtmlElement

from docparse.engines.base import PageInput
from docparse.engines.pdf_text import PdfTextEngine
from docparse.engines.specs import COOKBOOK_MAX_PIXELS, COOKBOOK_MIN_PIXELS

BOXED = {"p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "div", "img", "address", "dl", "figcaption"}
TABLE_PARTS = {"table", "thead", "tbody", "tr", "td", "th"}
UNBOXED_PARTS = {"dt", "dd"}  # inside a boxed <dl class="key_value">, like cells in a table


def smart_resize(width: float, height: float, factor: int = 28) -> tuple[int, int]:
    """(width, height) of the Qwen2.5-VL input under the cookbook budget (Qwen's rule)."""
    h_bar, w_bar = max(factor, round(height / factor) * factor), max(factor, round(width / factor) * factor)
    if h_bar * w_bar > COOKBOOK_MAX_PIXELS:
        beta = math.sqrt(height * width / COOKBOOK_MAX_PIXELS)
        h_bar, w_bar = math.floor(height / beta / factor) * factor, math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < COOKBOOK_MIN_PIXELS:
        beta = math.sqrt(COOKBOOK_MIN_PIXELS / (height * width))
        h_bar, w_bar = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return w_bar, h_bar


def page_input(path: Path, index: int = 0, dpi: float = 144) -> PageInput:
    with pymupdf.open(path) as doc:
        rect = doc[index].rect
    w, h = smart_resize(rect.width * dpi / 72, rect.height * dpi / 72)
    return PageInput(image=None, model_width=w, model_height=h, pdf_path=path, pdf_page_index=index)


def run(path: Path, index: int = 0) -> tuple[str, PageInput]:
    page = page_input(path, index)
    (out,) = PdfTextEngine().infer([page])
    assert out.stop_reason == "stop", out.error
    assert out.error is None
    validate(out.text, page.model_width, page.model_height)
    return out.text, page


def bbox(el: HtmlElement) -> tuple[int, ...]:
    return tuple(int(v) for v in el.get("data-bbox").split())


def validate(html: str, width: int, height: int) -> None:
    """The document shape, and a box of four integers inside the image on every element."""
    assert html.startswith("<html><body>\n")
    assert html.endswith("\n</body></html>")
    body = lxml.html.document_fromstring(html).find("body")
    for el in body.iter():
        if el is body or not isinstance(el.tag, str):
            continue
        if el.tag in TABLE_PARTS:  # cells are covered by their table's box, as in model output
            holder = next(a for a in el.iterancestors() if a.get("class") == "table")
            assert holder.get("data-bbox"), f"<{el.tag}> outside a boxed table"
            continue
        parent = el.getparent()
        if el.tag in UNBOXED_PARTS or (el.tag == "div" and parent is not None and parent.get("class") == "formula"):
            assert parent is not None and parent.get("data-bbox"), f"<{el.tag}> outside a boxed element"
            continue  # a formula's source and a field's key and value are covered by their box
        assert el.tag in BOXED, f"unexpected <{el.tag}>"
        raw = el.get("data-bbox", "")
        assert re.fullmatch(r"\d+ \d+ \d+ \d+", raw), f"<{el.tag}> bad data-bbox {raw!r}"
        x1, y1, x2, y2 = (int(p) for p in raw.split())
        assert (0 <= x1 < x2 <= width, 0 <= y1 < y2 <= height) == (True, True), (raw, width, height)
        if el.tag not in ("img", "div", "ul", "ol"):
            assert el.text_content().strip(), f"empty <{el.tag}>"


def elements(html: str) -> list[HtmlElement]:
    return list(lxml.html.document_fromstring(html).find("body"))


def find(html: str, text: str) -> HtmlElement:
    """The innermost element (li included) whose whole text is ``text``."""
    root = lxml.html.document_fromstring(html)
    hits = [el for el in root.iter() if el.tag in BOXED and el.text_content().strip() == text]
    assert hits, f"{text!r} not found in {html[:400]}"
    return hits[-1]


def expected_px(page: pymupdf.Page, text: str, pin: PageInput) -> tuple[float, float, float, float]:
    """``page.search_for(text)`` mapped to the displayed page, then to model pixels."""
    (r,) = page.search_for(text)  # the texts used are unique on their page and on one line
    r = (r * page.rotation_matrix).normalize()
    sx, sy = pin.model_width / page.rect.width, pin.model_height / page.rect.height
    return r.x0 * sx, r.y0 * sy, r.x1 * sx, r.y1 * sy


def assert_close(got: tuple[int, ...], want: tuple[float, ...], tol: float = 1.0) -> None:
    assert all(abs(g - w) <= tol for g, w in zip(got, want, strict=True)), (got, want)
