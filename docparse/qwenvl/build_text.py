"""Blocks made of text: paragraphs, headings, captions, lists, code, unknown elements, loose text."""

from __future__ import annotations

import re
from typing import TypedDict

from docparse.qwenvl.context import PageContext
from docparse.qwenvl.dom import Element, tag_of
from docparse.qwenvl.elements import Kind, LooseText, classify
from docparse.qwenvl.text import class_string, element_text, has_text, normalize_ws, raw_text
from schemas import (
    AuthorBlock,
    Block,
    CaptionBlock,
    CodeBlock,
    FooterBlock,
    HeaderBlock,
    HeadingBlock,
    KeyValueBlock,
    ListBlock,
    PageNumberBlock,
    ParagraphBlock,
    UnknownBlock,
    block_id,
    clean_label,
    item_line,
)

_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_SIMPLE: dict[
    str,
    type[ParagraphBlock]
    | type[CaptionBlock]
    | type[AuthorBlock]
    | type[HeaderBlock]
    | type[FooterBlock]
    | type[PageNumberBlock],
] = {
    "paragraph": ParagraphBlock,
    "caption": CaptionBlock,
    "author": AuthorBlock,
    "header": HeaderBlock,
    "footer": FooterBlock,
    "page_number": PageNumberBlock,
}


def drop_empty(element: Element, ctx: PageContext) -> None:
    box = element.get("data-bbox")
    detail = f"data-bbox={box!r}" if box is not None else "no box"
    ctx.log.add("element_empty", f"empty <{tag_of(element)}> dropped", block=None, detail=detail)


def build_simple(element: Element, kind: Kind, ctx: PageContext) -> Block | None:
    """A paragraph-like block (paragraph, heading, caption, author, header, footer, page number, unknown)."""
    text = element_text(element)
    if not text and not (kind == "unknown" and element.get("data-bbox")):
        drop_empty(element, ctx)
        return None
    if kind == "heading":
        level = int(tag_of(element)[1]) if re.fullmatch(r"h[1-6]", tag_of(element)) else 1
        return HeadingBlock(**ctx.common(element), text=text, level=level)
    if kind == "unknown":
        classes = element.get("class")
        ctx.log.add("element_unknown", f"unrecognised <{tag_of(element)}> kept as unknown", block=ctx.next_index)
        return UnknownBlock(**ctx.common(element), text=text, tag=tag_of(element), classes=classes)
    return _SIMPLE[kind](**ctx.common(element), text=text)


def _is_list(element: Element) -> bool:
    return tag_of(element) in ("ul", "ol")


class _ItemFields(TypedDict):
    """The fields of a :class:`schemas.ListItem`, validated in one go with the list block."""

    text: str
    label: str | None
    bbox: dict[str, float] | None
    bbox_norm: dict[str, float] | None
    children: list[_ItemFields]
    children_ordered: bool


def _item(text: str) -> _ItemFields:
    return {"text": text, "label": None, "bbox": None, "bbox_norm": None, "children": [], "children_ordered": False}


def _label(li: Element) -> str | None:
    """The item's printed marker from ``data-label``, cleaned as :attr:`schemas.ListItem.label`
    holds it (the item's line is built from it before the item is validated)."""
    label = li.get("data-label")
    return clean_label(label) if label else None


def _items(container: Element, ctx: PageContext) -> list[_ItemFields]:
    """Items of a ``<ul>``/``<ol>``; stray text or elements between items become box-less items."""
    items: list[_ItemFields] = []
    stray: list[str] = [container.text] if container.text else []  # empty strings would add nothing

    def flush_stray() -> None:
        text = normalize_ws(" ".join(stray))
        if text:
            items.append(_item(text))
        stray.clear()

    for child in container:
        if tag_of(child) != "li":
            if classify(child) != "skip":
                stray.append(raw_text(child))
            if child.tail:
                stray.append(child.tail)
            continue
        if stray:
            flush_stray()
        items.append(_list_item(child, ctx))
        if child.tail:
            stray.append(child.tail)
    flush_stray()
    return items


def _list_item(li: Element, ctx: PageContext) -> _ItemFields:
    """One ``<li>`` with its box, its own text and the items of the lists nested in it."""
    mapped = ctx.box_fields(li, what="<li>", required=False)
    nested = [grand for grand in li if _is_list(grand)]
    return {
        "text": element_text(li, skip=_is_list),  # a plain <li> takes raw_text's no-children fast path
        "label": _label(li),
        "bbox": mapped.bbox if mapped else None,
        "bbox_norm": mapped.bbox_norm if mapped else None,
        "children": [item for lst in nested for item in _items(lst, ctx)],
        "children_ordered": bool(nested) and tag_of(nested[0]) == "ol",
    }


def _item_lines(items: list[_ItemFields], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for item in items:
        lines.append("  " * depth + item_line(item["label"], item["text"]))
        lines.extend(_item_lines(item["children"], depth + 1))
    return lines


def build_list(element: Element, ctx: PageContext) -> Block | None:
    """A list block: one item per ``<li>`` with its own box, nested lists as item children."""
    if not has_text(element):
        drop_empty(element, ctx)
        return None
    start_attr = element.get("start")
    start = int(start_attr) if start_attr is not None and re.fullmatch(r"\s*-?\d{1,9}\s*", start_attr) else None
    common = ctx.common(element)
    items = _items(element, ctx)
    text = "\n".join(line for line in _item_lines(items) if line.strip())
    return ListBlock.model_validate(
        {**common, "text": text, "ordered": tag_of(element) == "ol", "start": start, "items": items}
    )


def build_code(element: Element, ctx: PageContext) -> Block | None:
    """Preformatted code; its whitespace is kept (only blank lines around it are trimmed)."""
    text = raw_text(element).strip("\n")
    if not text.strip():
        drop_empty(element, ctx)
        return None
    classes = " ".join([element.get("class") or ""] + [c.get("class") or "" for c in element if tag_of(c) == "code"])
    language = _LANGUAGE.search(classes)
    return CodeBlock(**ctx.common(element), text=text.rstrip(), language=language.group(1) if language else None)


def _parts(element: Element, tags: tuple[str, ...], css: str) -> str:
    found = [c for c in element.iter() if c is not element and (tag_of(c) in tags or class_string(c) == css)]
    return normalize_ws(" ".join(element_text(c) for c in found))


def build_key_value(element: Element, ctx: PageContext) -> Block | None:
    """A key and its value (a form field): ``<dl class="key_value"><dt>key</dt><dd>value</dd></dl>``,
    or any element of that class holding ``class="key"`` and ``class="value"`` children.

    Text outside the key and the value is kept, appended to the value (``mixed_content``);
    without either part the whole text is the value."""
    key = _parts(element, ("dt",), "key")
    value = _parts(element, ("dd",), "value")
    found = [c for c in element.iter() if tag_of(c) in ("dt", "dd") or class_string(c) in ("key", "value")]
    rest = element_text(element, skip=lambda e: any(e is f for f in found))
    if not key and not value and not rest:
        drop_empty(element, ctx)
        return None
    if rest:
        if key or value:
            ctx.log.add("mixed_content", "text beside the key and the value kept in the value", block=ctx.next_index)
        value = normalize_ws(f"{value} {rest}")
    text = f"{key}: {value}".rstrip() if key else value
    return KeyValueBlock(**ctx.common(element), text=text, key=key, value=value)


def build_loose(loose: LooseText, ctx: PageContext) -> Block:
    """A paragraph for text found outside any element (``text_unwrapped``)."""
    index = ctx.next_index
    ctx.log.add("text_unwrapped", "text outside any element kept as a paragraph", block=index)
    return ParagraphBlock(
        id=block_id(ctx.document_id, ctx.page, index),
        page=ctx.page,
        order=index,
        text=normalize_ws(loose.text),
        html=loose.html,
    )
