"""A tiny HTML builder that is safe by construction.

Everything that is not already :class:`Markup` is escaped (text and attribute values);
element and attribute names come only from this package's code, never from a document.
Nothing from a block's ``html`` field is ever copied into output: exports are rebuilt from
the typed fields, so the model's markup (scripts, handlers, URLs) cannot reach a reader.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from docparse.export.base import clean_text
from schemas import TableCell, TableData

_VOID = frozenset({"meta", "br", "img", "hr"})
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


class Markup(str):
    """A string that is already HTML and is inserted as is; ``+`` escapes a plain ``str`` operand."""

    __slots__ = ()

    def __add__(self, other: str) -> Markup:
        return Markup(str.__add__(self, other if isinstance(other, Markup) else esc(other)))

    def __radd__(self, other: str) -> Markup:
        return Markup(str.__add__(other if isinstance(other, Markup) else esc(other), self))


def esc(text: str) -> Markup:
    """``text`` escaped for element content or a quoted attribute value, control characters removed."""
    return Markup(html.escape(clean_text(text), quote=True))


def h(tag: str, *children: str | None, **attrs: str | int | None) -> Markup:
    """The element ``<tag attrs>children</tag>``; plain ``str`` children are escaped, ``None`` skipped.

    Attribute names are written with ``_`` as ``-`` and a trailing ``_`` dropped
    (``class_`` -> ``class``, ``data_block_id`` -> ``data-block-id``); ``None`` values are left out.
    """
    if not _NAME.match(tag):
        raise ValueError(f"bad tag name {tag!r}")
    parts = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if not _NAME.match(name):
            raise ValueError(f"bad attribute name {name!r}")
        parts.append(f' {name}="{esc(str(value))}"')
    parts.append(">")
    if tag in _VOID:
        return Markup("".join(parts))
    for child in children:
        if child is None:
            continue
        parts.append(child if isinstance(child, Markup) else esc(child))
    parts.append(f"</{tag}>")
    return Markup("".join(parts))


def join(items: Iterable[str]) -> Markup:
    """Concatenate markup (plain strings are escaped)."""
    return Markup("".join(i if isinstance(i, Markup) else esc(i) for i in items))


def text_with_breaks(text: str) -> Markup:
    """``text`` escaped with its line breaks kept as ``<br>``."""
    return Markup("<br>".join(esc(line) for line in text.split("\n")))


def css_class(value: str) -> str:
    """A value reduced to characters that are safe and meaningful in a class name."""
    return re.sub(r"[^A-Za-z0-9_+-]+", "-", value).strip("-")


def has_spans(table: TableData) -> bool:
    """Whether any cell spans more than one grid slot."""
    return any(c.rowspan > 1 or c.colspan > 1 for c in table.cells)


def _cell(cell: TableCell) -> Markup:
    return h(
        "th" if cell.header else "td",
        text_with_breaks(cell.text),
        rowspan=cell.rowspan if cell.rowspan > 1 else None,
        colspan=cell.colspan if cell.colspan > 1 else None,
    )


def table_html(table: TableData, caption: str | None = None, **attrs: str | None) -> Markup:
    """A ``<table>`` from the cell grid: ``th`` for header cells, ``rowspan``/``colspan`` kept.

    Leading rows whose anchored cells are all headers form the ``<thead>``.
    """
    rows: list[list[TableCell]] = [[] for _ in range(table.n_rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        rows[cell.row].append(cell)
    head_rows = 0
    for row in rows:
        if row and all(c.header for c in row):
            head_rows += 1
        else:
            break
    if head_rows == len(rows):
        head_rows = 0
    trs = [h("tr", join(_cell(c) for c in row)) for row in rows]
    head = h("thead", join(trs[:head_rows])) if head_rows else None
    body = h("tbody", join(trs[head_rows:]))
    cap = h("caption", caption) if caption else None
    return h("table", cap, head, body, **attrs)
