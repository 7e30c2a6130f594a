"""Plain text out of elements: whitespace rules, skipped tags, class strings."""

from __future__ import annotations

from collections.abc import Callable

from docparse.qwenvl.dom import Element, tag_of

SKIPPED_TAGS = frozenset({"style", "script", "head", "title", "meta", "link", "noscript", "template", "base"})
"""Elements whose content is never text of the page (CSS, scripts, document metadata)."""

BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
        "caption", "ul", "ol", "li", "dl", "dt", "dd", "address", "pre", "figure", "figcaption", "header",
        "footer", "section", "article", "aside", "nav", "main", "blockquote", "hr", "form", "center", "fieldset",
        "img",
    }
)  # fmt: skip
"""Tags that start a new text run: their text is separated from the text around them."""

INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "big", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "font", "i", "ins", "kbd",
        "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u",
        "var", "br", "wbr", "math", "button",
    }
)  # fmt: skip
"""Phrasing markup whose text belongs to the text run it sits in."""


def normalize_ws(text: str) -> str:
    """Strip and collapse every run of whitespace to one space."""
    return " ".join(text.split())


def class_string(element: Element) -> str:
    """The element's whole class attribute, lower-cased, whitespace collapsed (``"image caption"``)."""
    return normalize_ws(element.get("class") or "").lower()


def raw_text(element: Element, skip: Callable[[Element], bool] | None = None) -> str:
    """The element's text in document order, block boundaries as spaces, ``<br>`` as newlines.

    Content of :data:`SKIPPED_TAGS` and of descendants for which ``skip`` is true is left
    out (their tails are kept). Iterative, so deep nesting cannot exhaust the stack.
    """
    if len(element) == 0:  # fast path: no children
        return "" if tag_of(element) in SKIPPED_TAGS else (element.text or "")
    parts: list[str] = []
    todo: list[Element | str] = [element]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = tag_of(item)
        is_root = item is element
        if not is_root and item.tail:
            todo.append(item.tail)
        if not is_root and (tag in SKIPPED_TAGS or tag == "" or (skip is not None and skip(item))):
            continue
        sep = "" if is_root else "\n" if tag == "br" else (" " if tag in BLOCK_TAGS else "")
        if sep:
            todo.append(sep)
        todo.extend(reversed(list(item)))
        if item.text and tag not in SKIPPED_TAGS:
            todo.append(item.text)
        if sep:
            todo.append(sep)
    return "".join(parts)


def element_text(element: Element, skip: Callable[[Element], bool] | None = None) -> str:
    """:func:`raw_text`, whitespace-normalized."""
    return normalize_ws(raw_text(element, skip))


def has_text(element: Element) -> bool:
    """Whether :func:`element_text` of the element is not empty, stopping at the first visible character.

    The same text counts as in :func:`raw_text`: the element's own text unless its tag is
    skipped, every tail below it, and the text of descendants outside skipped subtrees.
    """
    if element.text and not element.text.isspace() and tag_of(element) not in SKIPPED_TAGS:
        return True
    todo = list(element)
    while todo:
        item = todo.pop()
        if item.tail and not item.tail.isspace():
            return True
        tag = tag_of(item)
        if tag in SKIPPED_TAGS or tag == "":
            continue
        if item.text and not item.text.isspace():
            return True
        todo.extend(item)
    return False
