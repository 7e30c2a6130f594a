"""HTML export: a clean, semantic reconstruction of the document from its typed blocks.

Mapping: heading -> ``h1``..``h6``; paragraph -> ``p``; list -> ``ul``/``ol`` (``start``
kept, nested lists inside their items); table -> ``table`` built from the cell grid
(``th`` for header cells, ``rowspan``/``colspan``, ``caption``); chart -> ``figure`` with
its data table; formula -> ``div.formula`` holding ``$$…$$`` text; image -> ``figure``
with ``figcaption`` and OCR text; caption -> ``p.caption``; music sheet / chemical formula
-> ``pre`` with ``data-format``; author -> ``address``; header/footer/page number ->
``header``/``footer``/``div.page-number``; code -> ``pre > code``; unknown -> ``div.unknown``.
Every block element has ``id="page-N-block-M"`` (the same anchors the Markdown export uses).
The reading flow comes from the document pass, as in Markdown: continued paragraphs, lists
and tables merged where they start, running headers, footers and page numbers left out
unless ``furniture`` is set; the overlay still draws every block's box.

Safety: the output is sanitized by construction — the model's ``html`` is never used, every
text and attribute value is escaped, there is no script, no event handler and no URL other
than in-page ``#`` links and ``data:`` images; a strict Content-Security-Policy forbids
every load except ``data:`` images. ``overlay=True`` adds a page view per page (see
:mod:`docparse.export.html_overlay`).
"""

from __future__ import annotations

from collections.abc import Iterator

from docparse.export._html import Markup, css_class, esc, h, join, table_html, text_with_breaks
from docparse.export.base import Chunks, ExportOptions, anchor, flow, labels_printed
from docparse.export.html_overlay import OVERLAY_CSS, legend, page_view
from schemas import Block, Document, ListItem, Page

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:60rem;padding:1rem;color:#222}
section.page{border-top:1px solid #ccc;padding-top:1rem;margin-top:1rem}
.page-label{color:#777;font-size:.8rem}
.page-status{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #999;padding:.2rem .4rem;vertical-align:top}
.formula,pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;white-space:pre-wrap}
figure{margin:.5rem 0;border:1px dashed #bbb;padding:.5rem}
.image-placeholder{color:#888;font-style:italic}
header.page-header,footer.page-footer,.page-number{color:#888;font-size:.85rem}
.unknown{color:#555}
ol.labelled,ul.labelled{list-style:none;padding-left:1.5rem}
:target{outline:3px solid #f0a020}
"""


def _list_items(items: list[ListItem]) -> Markup:
    """``<li>`` elements; each keeps its printed label as ``data-label``, shown before the text
    when the list's numbering cannot render it (see :func:`labels_printed`; the list is then
    ``class="labelled"``, without markers of its own)."""
    shown = labels_printed(items)
    parts: list[Markup] = []
    for item in items:
        nested = None
        if item.children:
            kind = "ol" if item.children_ordered else "ul"
            nested = h(kind, _list_items(item.children), class_="labelled" if labels_printed(item.children) else None)
        label = join([h("span", item.label, class_="label"), Markup(" ")]) if shown and item.label else None
        parts.append(h("li", label, text_with_breaks(item.text), nested, data_label=item.label))
    return join(parts)


def block_html(block: Block) -> Markup:
    """The semantic HTML element of one block."""
    ident = anchor(block)
    if block.type == "heading":
        return h(f"h{block.level}", text_with_breaks(block.text), id=ident)
    if block.type == "paragraph":
        return h("p", text_with_breaks(block.text), id=ident)
    if block.type == "list":
        tag = "ol" if block.ordered else "ul"
        start = block.start if block.ordered and block.start not in (None, 1) else None
        labelled = "labelled" if labels_printed(block.items) else None
        return h(tag, _list_items(block.items), id=ident, start=start, class_=labelled)
    if block.type == "table":
        return table_html(block, block.caption, id=ident)
    if block.type == "chart":
        data = table_html(block.data, class_="chart-data") if block.data is not None else None
        caption = h("figcaption", text_with_breaks(block.text)) if block.text else None
        return h("figure", data, caption, id=ident, class_="chart")
    if block.type == "formula":
        content = block.content or block.text
        return h("div", f"$${content}$$", id=ident, class_="formula", data_format=block.format)
    if block.type == "image":
        placeholder = h("div", "[image]", class_="image-placeholder")
        text = block.caption or (block.text if block.text and block.text != block.ocr_text else None)
        caption = h("figcaption", text_with_breaks(text)) if text else None
        ocr = h("pre", block.ocr_text, class_="ocr") if block.ocr_text else None
        return h("figure", placeholder, caption, ocr, id=ident, class_="image")
    if block.type == "caption":
        return h("p", text_with_breaks(block.text), id=ident, class_="caption")
    if block.type == "music_sheet" or block.type == "chemical_formula":
        code = h("code", block.content or block.text)
        return h("pre", code, id=ident, class_=block.type.replace("_", "-"), data_format=block.format)
    if block.type == "author":
        return h("address", text_with_breaks(block.text), id=ident, class_="author")
    if block.type == "header":
        return h("header", text_with_breaks(block.text), id=ident, class_="page-header")
    if block.type == "footer":
        return h("footer", text_with_breaks(block.text), id=ident, class_="page-footer")
    if block.type == "page_number":
        return h("div", block.text, id=ident, class_="page-number")
    if block.type == "code":
        lang = f"language-{css_class(block.language)}" if block.language and css_class(block.language) else None
        return h("pre", h("code", block.text, class_=lang), id=ident, class_="code")
    if block.type == "key_value":
        pair = join([h("dt", block.key), h("dd", text_with_breaks(block.value))])
        return h("dl", pair, id=ident, class_="key-value")
    return h("div", text_with_breaks(block.text), id=ident, class_="unknown", data_tag=block.tag or None)


def page_status_html(page: Page) -> Markup | None:
    """A notice for a page that is not ``ok``: its status and its issues."""
    if page.status == "ok":
        return None
    issues = [h("li", f"{i.code} ({i.severity}): {i.message}") for i in page.issues]
    return h(
        "div",
        h("p", f"Page {page.number}: {page.status}"),
        h("ul", join(issues)) if issues else None,
        class_="page-status",
    )


def page_html(page: Page, options: ExportOptions, shown: list[Block] | None = None) -> Markup:
    """One ``section.page``: the overlay view (if asked for, with every block of the page), the
    status notice, and ``shown`` (the page's share of the reading flow; default: every block)."""
    view = None
    if options.overlay:
        image = options.page_images.get(page.number) if options.page_images else None
        view = page_view(page, image)
    blocks = join(block_html(b) + "\n" for b in (page.blocks if shown is None else shown))
    return h(
        "section",
        h("p", f"Page {page.number}", class_="page-label"),
        page_status_html(page),
        view,
        h("div", Markup("\n") + blocks, class_="blocks"),
        id=f"page-{page.number}",
        class_="page",
        data_status=page.status,
    )


def head_html(document: Document, options: ExportOptions) -> Markup:
    """``<!DOCTYPE html>`` up to the start of ``<body>``."""
    css = CSS + (OVERLAY_CSS if options.overlay else "")
    head = join(
        [
            h("meta", charset="utf-8"),
            h("meta", http_equiv="Content-Security-Policy", content=CSP),
            h("meta", name="referrer", content="no-referrer"),
            h("meta", name="viewport", content="width=device-width, initial-scale=1"),
            h("title", document.filename),
            h("style", Markup(css)),
        ]
    )
    return Markup(f"<!DOCTYPE html>\n<html>\n<head>{head}</head>\n<body>\n")


class HtmlExporter:
    """Document -> one self-contained, sanitized HTML page; chunks are the head, each page, the tail."""

    name = "html"
    media_type = "text/html"
    extension = ".html"

    def stream(self, document: Document, options: ExportOptions) -> Chunks:
        """The HTML page, a page section per chunk."""
        yield head_html(document, options)
        meta = f"{document.filename} — {document.status}, {document.page_count} page(s)"
        yield h("header", h("p", meta), class_="document") + "\n"
        if document.error:
            yield h("p", document.error, class_="page-status") + "\n"
        if options.overlay:
            yield legend() + "\n"
        yield "<main>\n"
        for page, shown in flow(document, options):
            yield page_html(page, options, shown) + "\n"
        yield "</main>\n</body>\n</html>\n"

    def files(self, document: Document, options: ExportOptions) -> Iterator[tuple[str, Chunks]]:
        """One file: ``document.html``."""
        yield "document.html", self.stream(document, options)


__all__ = ["CSP", "HtmlExporter", "block_html", "esc"]
