"""What an element is: its block kind from tag and whole class string, and the top-level walk.

Class values are matched whole (``"image caption"`` is one value, not two classes). Generic
containers (a ``<div>``/``<section>`` without a known class, holding block elements) are
walked through, so their children become blocks; text that sits loose between elements is
gathered into :class:`LooseText` runs.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from typing import Literal

from docparse.qwenvl.dom import Element, serialize, tag_of
from docparse.qwenvl.text import BLOCK_TAGS, INLINE_TAGS, SKIPPED_TAGS, class_string, raw_text

Kind = Literal[
    "heading", "paragraph", "caption", "list", "table", "chart", "formula", "image", "music_sheet",
    "chemical_formula", "author", "header", "footer", "page_number", "code", "key_value", "unknown",
    "container", "inline", "skip",
]  # fmt: skip

CLASS_KINDS: dict[str, Kind] = {
    "table": "table",
    "chart": "chart",
    "formula": "formula",
    "formula.machine_printed": "formula",
    "formula.handwritten": "formula",
    "formula machine_printed": "formula",
    "formula handwritten": "formula",
    "image": "image",
    "image caption": "image",
    "image ocr": "image",
    "music sheet": "music_sheet",
    "chemical formula": "chemical_formula",
    "text": "paragraph",
    "caption": "caption",
    "author": "author",
    "header": "header",
    "page-header": "header",
    "page_header": "header",
    "footer": "footer",
    "page-footer": "footer",
    "page_footer": "footer",
    "page-number": "page_number",
    "page_number": "page_number",
    "pagenumber": "page_number",
    "key_value": "key_value",
    "key-value": "key_value",
}
"""Whole class strings with a meaning of their own, whatever the tag."""

TAG_KINDS: dict[str, Kind] = {
    **{f"h{level}": "heading" for level in range(1, 7)},
    "p": "paragraph",
    "figcaption": "caption",
    "caption": "caption",
    "ul": "list",
    "ol": "list",
    "table": "table",
    "address": "author",
    "header": "header",
    "footer": "footer",
    "pre": "code",
    "code": "code",
    "figure": "image",
    "img": "image",
}
"""Tags with a meaning of their own when the class says nothing."""


def has_box(element: Element) -> bool:
    return element.get("data-bbox") is not None or element.get("data-polygon") is not None


def classify(element: Element) -> Kind:
    """The block kind of an element (``container``: walk into it; ``inline``: part of loose text)."""
    tag = tag_of(element)
    if tag == "" or tag in SKIPPED_TAGS:
        return "skip"
    by_class = CLASS_KINDS.get(class_string(element))
    if by_class is not None:
        return by_class
    by_tag = TAG_KINDS.get(tag)
    if by_tag is not None:
        return by_tag
    if tag in INLINE_TAGS:
        return "paragraph" if has_box(element) else "inline"
    children = [child for child in element if tag_of(child) not in ("", *SKIPPED_TAGS)]
    if has_box(element):
        return "container" if any(has_box(child) for child in children) else "unknown"
    if any(tag_of(child) in BLOCK_TAGS or has_box(child) for child in children):
        return "container"
    return "unknown"


@dataclass(frozen=True)
class LooseText:
    """Text (with inline markup) lying directly in the body or a container, outside any block element."""

    text: str
    html: str


Node = Element | LooseText


def top_level_nodes(container: Element) -> list[Node]:
    """The block elements and loose text runs of ``container`` in document order, containers flattened."""
    out: list[Node] = []
    text_parts: list[str] = []
    html_parts: list[str] = []

    def add(text: str | None, source: str | None = None) -> None:
        if text:
            text_parts.append(text)
            html_parts.append(html_lib.escape(text, quote=False) if source is None else source)

    def flush() -> None:
        if "".join(text_parts).strip():
            out.append(LooseText("".join(text_parts), "".join(html_parts).strip()))
        text_parts.clear()
        html_parts.clear()

    stack: list[Element | str] = [container]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item == "\x00flush":
                flush()
            else:
                add(item)
            continue
        if item is not container:
            kind = classify(item)
            if item.tail:
                stack.append(item.tail)
            if kind == "skip":
                continue
            if kind == "inline":
                add(raw_text(item), serialize(item))
                continue
            flush()
            if kind != "container":
                out.append(item)
                continue
        stack.append("\x00flush")
        stack.extend(reversed(list(item)))
        if item.text:
            stack.append(item.text)
    flush()
    return out
