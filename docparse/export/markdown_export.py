"""Markdown export (CommonMark with GitHub pipe tables and ``$$`` math).

Mapping: heading -> ``#``..``######``; paragraph and unknown -> a paragraph; list -> ``-``
or ``N.`` items (numbering from ``start``), nested lists indented to their parent's text;
table -> a pipe table (``|`` escaped, line breaks as ``<br>``, the first row as header), or
an HTML ``<table>`` when a cell spans several slots (pipe tables cannot express spans);
chart -> an image reference plus its data table; formula -> a ``$$`` block; image ->
``![caption](#page-N-block-M)`` (the HTML export's anchor) with the caption in italics and
OCR text as a quote; caption and author -> italics; code -> a fence with its language;
music sheet / chemical formula -> a fence whose info string is the format.

The reading flow comes from the document pass (:mod:`docparse.document`): a paragraph, list
or table continued across a column or page break is shown once, merged, where it starts
(``merge_continuations``); running headers, footers and page numbers are left out unless
``furniture`` is set (then they are plain lines where they are).

Pages start with ``<!-- page N -->`` and are separated by ``---``; a page that is not
``ok`` gets a visible quote with its status and issues. ``md_box_comments=True`` writes
``<!-- page N, bbox x0 y0 x1 y1 (unit) -->`` (or ``no bbox``) before each block.

Text is escaped only where it would otherwise render differently
(:mod:`docparse.export.md_escape`): numbers, periods and parentheses stay as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docparse.export._html import has_spans, table_html
from docparse.export.base import (
    NUMBERED_LABEL,
    Chunks,
    ExportOptions,
    anchor,
    flow,
    fmt_num,
    labels_printed,
    unit_of,
)
from docparse.export.md_escape import md_cell, md_inline, md_lines, md_one_line
from schemas import Block, Document, ListItem, Page, TableData

__all__ = ["MarkdownExporter", "block_md", "comment", "fence", "md_inline", "md_lines", "md_one_line", "table_md"]


def comment(text: str) -> str:
    """An HTML comment holding ``text`` on one line (``--`` and ``>`` defused)."""
    body = " ".join(text.split())
    while "--" in body:
        body = body.replace("--", "- -")
    return f"<!-- {body.replace('>', '&gt;')} -->"


def fence(content: str, info: str) -> str:
    """A backtick fence around ``content``, longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    ticks = "`" * max(3, longest + 1)
    info = re.sub(r"[`\s]+", " ", info).strip()
    return f"{ticks}{info}\n{content.rstrip(chr(10))}\n{ticks}"


def _list(items: list[ListItem], ordered: bool, start: int, indent: str) -> list[str]:
    """Markdown list lines; items whose printed labels Markdown cannot number (``(a)``, ``iv.``)
    become bullets that start with their label, so the text reads as printed."""
    labelled = labels_printed(items)
    out: list[str] = []
    for i, item in enumerate(items):
        marker = f"{start + i}." if ordered and not labelled else "-"
        pad = " " * (len(marker) + 1)
        lines = md_lines(item.text) or [""]
        if labelled and item.label:
            lines[0] = f"{_label_md(item.label)} {lines[0]}".rstrip()
        out.append(f"{indent}{marker} {lines[0]}".rstrip())
        out.extend(f"{indent}{pad}{line}" for line in lines[1:])
        if item.children:
            out.extend(_list(item.children, item.children_ordered, 1, indent + pad))
    return out


def _label_md(label: str) -> str:
    """A label written at the start of a bullet item's text, on one line: a character that
    would start a block there (``#``, ``>``, ``*``, ``-``, ``+``, …) or a number with its
    delimiter (``1.``: a nested list) is escaped, so the label shows as printed."""
    text = md_one_line(label)
    if NUMBERED_LABEL.fullmatch(text):
        return f"{text[:-1]}\\{text[-1]}"
    return "\\" + text if text[:1] in _BLOCK_STARTS else text


_BLOCK_STARTS = frozenset("#>*-+=|`~_<")
"""Characters that can open a block at the start of a line (headings, quotes, lists, rules,
setext underlines, tables, fences, HTML)."""


def table_md(table: TableData, caption: str | None = None) -> str:
    """A pipe table, or an HTML table when a cell spans several slots; ``""`` for an empty grid."""
    if table.n_rows == 0 or table.n_cols == 0:
        return ""
    if has_spans(table):
        return str(table_html(table, caption))
    rows = ["| " + " | ".join(md_cell(text) for text in row) + " |" for row in table.grid()]
    rows.insert(1, "|" + " --- |" * table.n_cols)
    if caption:
        rows.append(f"\n*{md_one_line(caption)}*")
    return "\n".join(rows)


def block_md(block: Block) -> str:
    """The Markdown of one block (``""`` when it has nothing to show)."""
    if block.type == "heading":
        return f"{'#' * block.level} {md_one_line(block.text)}".rstrip()
    if block.type in ("paragraph", "unknown"):
        return "\n".join(md_lines(block.text))
    if block.type == "list":
        return "\n".join(_list(block.items, block.ordered, block.start or 1, ""))
    if block.type == "table":
        return table_md(block, block.caption)
    if block.type == "chart":
        ref = f"![{md_one_line(block.text) or 'chart'}](#{anchor(block)})"
        data = table_md(block.data) if block.data is not None else ""
        return f"{ref}\n\n{data}".strip()
    if block.type == "formula":
        return f"$$\n{(block.content or block.text).strip()}\n$$"
    if block.type == "image":
        parts = [f"![{md_one_line(block.caption or block.text) or 'image'}](#{anchor(block)})"]
        if block.caption:
            parts.append(f"*{md_one_line(block.caption)}*")
        if block.ocr_text:
            parts.append("\n".join(f"> {line}" for line in md_lines(block.ocr_text)))
        return "\n\n".join(parts)
    if block.type in ("caption", "author"):
        text = md_one_line(block.text)
        return f"*{text}*" if text else ""
    if block.type == "code":
        return fence(block.text, block.language or "")
    if block.type in ("music_sheet", "chemical_formula"):
        return fence(block.content or block.text, block.format)
    if block.type == "key_value":
        value = md_one_line(block.value)
        return f"**{md_one_line(block.key)}:** {value}".rstrip() if block.key.strip() else value
    # header, footer, page_number: only in the flow when asked for (``furniture``), as plain lines
    return "\n".join(md_lines(block.text))


def box_comment(page: Page, block: Block) -> str:
    """``<!-- page N, bbox x0 y0 x1 y1 (unit) -->``, or ``<!-- page N, no bbox -->``."""
    if block.bbox is None:
        return f"<!-- page {page.number}, no bbox -->"
    coords = " ".join(fmt_num(v) for v in block.bbox.as_tuple())
    return f"<!-- page {page.number}, bbox {coords} ({unit_of(page) or 'unknown unit'}) -->"


def page_md(page: Page, blocks: list[Block], options: ExportOptions) -> Iterator[str]:
    """The chunks of one page: its comment, a status note when not ``ok``, each of ``blocks``
    (the page's share of the reading flow)."""
    yield comment(f"page {page.number}") + "\n\n"
    if page.status != "ok":
        note = [f"> **Page {page.number}: {page.status}**"]
        note.extend(f"> - {md_one_line(f'{i.code}: {i.message}')}" for i in page.issues)
        yield "\n".join(note) + "\n\n"
    for block in blocks:
        text = block_md(block)
        if options.md_box_comments:
            text = f"{box_comment(page, block)}\n{text}".rstrip()
        if text:
            yield text + "\n\n"


class MarkdownExporter:
    """Document -> Markdown, one chunk per block."""

    name = "md"
    media_type = "text/markdown"
    extension = ".md"

    def stream(self, document: Document, options: ExportOptions) -> Chunks:
        """The Markdown text, page by page and block by block."""
        yield comment(f"docparse export of {document.filename} ({document.id}), schema {document.schema_version}")
        yield "\n\n"
        for i, (page, blocks) in enumerate(flow(document, options)):
            if i:
                yield "---\n\n"
            yield from page_md(page, blocks, options)

    def files(self, document: Document, options: ExportOptions) -> Iterator[tuple[str, Chunks]]:
        """One file: ``document.md``."""
        yield "document.md", self.stream(document, options)
