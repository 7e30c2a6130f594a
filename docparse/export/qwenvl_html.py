"""Blocks -> QwenVL HTML, the model's own output format (see ``shared/qwenvl-html.md``).

Used for a reviewer's correction (stored as the ``output`` of a ``human`` attempt, and as each
corrected block's ``html``) and for fine-tuning pairs (page image + this HTML as the target).
Boxes are written in the coordinate convention of the model being trained:

* ``qwen2.5-absolute`` — integer pixels of the resized model input: ``bbox_norm`` times
  ``model_width`` / ``model_height`` of the page geometry;
* ``qwen3-relative`` — integers on a 0..1000 scale of each side.

The markup follows what Qwen2.5-VL writes in practice: ``<h1>``..``<h6>``, ``<p>``,
``<ul>/<ol>`` with boxed ``<li>``, ``<div class="table"><table>`` with ``rowspan``/``colspan``,
``div.formula``/``div.chart``/``div.image caption|ocr``/``div.music sheet``/``div.chemical
formula`` with an ``<img data-bbox>`` child repeating the box, ``<address class="author">``,
``<pre>`` for code, and ``class`` names for captions, headers, footers and page numbers. All
text is escaped; line breaks in flowing text are ``<br>``. :func:`docparse.qwenvl.parse_qwenvl_html`
reads it back to the same blocks (whitespace normalized, as it does for model output).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from schemas import BBox, Block, CoordinateConvention, ListItem, Page, PageGeometry, TableData

_RELATIVE = 1000


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _text(value: str | None) -> str:
    return escape(value or "", quote=False)


def _flow(value: str | None) -> str:
    """Flowing text: escaped, line breaks as ``<br>`` (the parser reads them back as newlines)."""
    return _text(value).replace("\n", "<br>")


def model_box(norm: BBox | None, geometry: PageGeometry, convention: CoordinateConvention) -> str | None:
    """``"x1 y1 x2 y2"`` in model space for a normalized box (``None``: no box)."""
    if norm is None:
        return None
    w, h = (_RELATIVE, _RELATIVE) if convention == "qwen3-relative" else (geometry.model_width, geometry.model_height)
    return f"{round(norm.x0 * w)} {round(norm.y0 * h)} {round(norm.x1 * w)} {round(norm.y1 * h)}"


def _norm(box: BBox | None, norm: BBox | None, geometry: PageGeometry) -> BBox | None:
    if norm is not None or box is None:
        return norm
    return BBox(
        x0=min(max(box.x0 / geometry.width, 0.0), 1.0),
        y0=min(max(box.y0 / geometry.height, 0.0), 1.0),
        x1=min(max(box.x1 / geometry.width, 0.0), 1.0),
        y1=min(max(box.y1 / geometry.height, 0.0), 1.0),
    )


def _boxed(tag: str, box: str | None, inner: str, classes: str | None = None, extra: str = "") -> str:
    attrs = (f' class="{_attr(classes)}"' if classes else "") + (f' data-bbox="{box}"' if box else "") + extra
    return f"<{tag}{attrs}>{inner}</{tag}>"


def table_html(data: TableData) -> str:
    """``<table>`` rows of ``<td>``/``<th>`` (spans kept, header cells as ``th``)."""
    rows: list[list[str]] = [[] for _ in range(data.n_rows)]
    for cell in sorted(data.cells, key=lambda c: (c.row, c.col)):
        tag = "th" if cell.header else "td"
        spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
            f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
        )
        rows[cell.row].append(f"<{tag}{spans}>{_flow(cell.text)}</{tag}>")
    return "<table><tbody>" + "".join(f"<tr>{''.join(r)}</tr>" for r in rows) + "</tbody></table>"


def _items(items: Sequence[ListItem], geometry: PageGeometry, convention: CoordinateConvention) -> str:
    out = []
    for item in items:
        inner = _flow(item.text)
        if item.children:
            tag = "ol" if item.children_ordered else "ul"
            inner += f"<{tag}>{_items(item.children, geometry, convention)}</{tag}>"
        label = f' data-label="{_attr(item.label)}"' if item.label else ""
        box = model_box(_norm(item.bbox, item.bbox_norm, geometry), geometry, convention)
        out.append(_boxed("li", box, inner, extra=label))
    return "".join(out)


def _figure(block: Block, box: str | None, classes: str, inner: str, fmt: str | None = None) -> str:
    img = f'<img data-bbox="{box}"/>' if box else ""
    extra = f' format="{_attr(fmt)}"' if fmt else ""
    return _boxed("div", box, img + inner, classes, extra)


def block_html(block: Block, geometry: PageGeometry, convention: CoordinateConvention) -> str:
    """One block as the model would write it."""
    box = model_box(_norm(block.bbox, block.bbox_norm, geometry), geometry, convention)
    text = _flow(block.text)
    match block.type:
        case "heading":
            return _boxed(f"h{block.level}", box, text)
        case "list":
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start not in (None, 1) else ""
            return _boxed(tag, box, _items(block.items, geometry, convention), extra=start)
        case "table":
            return _boxed("div", box, table_html(block), "table")
        case "chart":
            data = table_html(block.data) if block.data is not None and block.data.cells else ""
            return _figure(block, box, "chart", data or text)
        case "formula":
            classes = "formula" if block.variant is None else f"formula.{block.variant}"
            fmt = block.format if block.format != "latex" else None  # format="text": from a text layer
            return _figure(block, box, classes, f"<div>{_text(block.content or block.text)}</div>", fmt)
        case "image":
            if block.caption:
                return _figure(block, box, "image caption", f"<p>{_flow(block.caption)}</p>")
            if block.ocr_text:
                return _figure(block, box, "image ocr", f"<p>{_flow(block.ocr_text)}</p>")
            return _figure(block, box, "image", "")
        case "music_sheet":
            return _figure(block, box, "music sheet", f"<div>{_text(block.content)}</div>", block.format)
        case "chemical_formula":
            fmt = "smile" if block.format == "smiles" else block.format  # sic: the model's spelling
            return _figure(block, box, "chemical formula", f"<div>{_text(block.content)}</div>", fmt)
        case "author":
            return _boxed("address", box, text, "author")
        case "code":
            return _boxed("pre", box, _text(block.text))
        case "caption" | "header" | "footer" | "page_number":
            return _boxed("p", box, text, block.type.replace("_", "-") if block.type == "page_number" else block.type)
        case "unknown":
            return _boxed("div", box, text, block.classes or None)
        case "key_value":
            return _boxed("dl", box, f"<dt>{_text(block.key)}</dt><dd>{_text(block.value)}</dd>", "key_value")
        case _:  # paragraph
            return _boxed("p", box, text)


def page_html(blocks: Sequence[Block], geometry: PageGeometry, convention: CoordinateConvention) -> str:
    """A whole page: ``<html><body>`` with the blocks in reading order, separated as the model does."""
    body = " \n ".join(block_html(b, geometry, convention) for b in blocks)
    return f"<html><body>\n {body} \n</body></html>" if body else "<html><body></body></html>"


def page_target(page: Page, convention: CoordinateConvention) -> str | None:
    """The QwenVL HTML of a page's blocks (``None`` for a page without geometry)."""
    return page_html(page.blocks, page.geometry, convention) if page.geometry is not None else None
