"""Shared test helpers: page geometries, text gathering, element counting."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree  # type: ignore[import-untyped]

from docparse.qwenvl import ParseResult, parse_qwenvl_html
from schemas import Block, CoordinateConvention, ListItem, PageGeometry

# A US-letter PDF page (points) rendered at 150 DPI and resized by smart_resize to 1092x1428.
LETTER = PageGeometry(
    unit="pt", width=612, height=792, pixel_width=1275, pixel_height=1650, model_width=1092, model_height=1428, dpi=150
)
# An A4 page (points), whose scale factors to and from its model input are not round numbers.
A4 = PageGeometry(
    unit="pt",
    width=595.276,
    height=841.89,
    pixel_width=1240,
    pixel_height=1754,
    model_width=1232,
    model_height=1764,
    dpi=150,
)
# A scan (pixels) whose model input is half its size.
SCAN = PageGeometry(
    unit="px", width=2000, height=3000, pixel_width=2000, pixel_height=3000, model_width=1000, model_height=1500
)
# The corpus pages: boxes reach x=2202, y=3058 (blog pages) and 1012x1412 (DiffCL pages).
CORPUS_GEOMETRY = PageGeometry(
    unit="px", width=2240, height=3080, pixel_width=2240, pixel_height=3080, model_width=2240, model_height=3080
)


def parse(
    text: str, convention: CoordinateConvention = "qwen2.5-absolute", geometry: PageGeometry = LETTER
) -> ParseResult:
    return parse_qwenvl_html(text, geometry, convention, page=1, document_id="doc")


def codes(result: ParseResult) -> list[str]:
    return [issue.code for issue in result.issues]


def _item_texts(items: list[ListItem]) -> Iterator[str]:
    for item in items:
        yield item.text
        yield from _item_texts(item.children)


def block_texts(block: Block) -> Iterator[str]:
    """Every string a block holds: text, content, caption, OCR text, items, cells."""
    yield block.text
    for name in ("content", "caption", "ocr_text"):
        value = getattr(block, name, None)
        if isinstance(value, str):
            yield value
    if block.type == "list":
        yield from _item_texts(block.items)
    if block.type == "table":
        yield from (cell.text for cell in block.cells)
    if block.type == "chart" and block.data is not None:
        yield from (cell.text for cell in block.data.cells)


def all_text(result: ParseResult) -> str:
    return "\n".join(text for block in result.blocks for text in block_texts(block))


def body_tokens(html: str) -> list[str]:
    """The whitespace-separated tokens of the text of <body> (entities decoded, style/script/head left out)."""
    if not html.strip():
        return []
    root = etree.fromstring(html.encode(), etree.HTMLParser(recover=True, encoding="utf-8"))
    body = root.find("body") if root is not None else None
    if body is None:
        return []
    for element in body.iter("style", "script"):
        element.text = ""
    return " ".join(body.itertext()).split()


def missing_tokens(html: str, result: ParseResult) -> list[str]:
    text = all_text(result)
    return [token for token in body_tokens(html) if token not in text]


def boxed_elements(html: str) -> list[tuple[str, int]]:
    """(tag, nesting depth below body) of every element carrying data-bbox, in document order."""
    root = etree.fromstring(html.encode(), etree.HTMLParser(recover=True, encoding="utf-8"))
    out = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("data-bbox") is not None:
            depth = sum(1 for _ in element.iterancestors()) - 2
            out.append((element.tag, depth))
    return out


def strip_fence(text: str) -> str:
    return re.sub(r"^```\w*\n|\n?```\s*$", "", text.strip())
