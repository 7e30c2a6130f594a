"""Blocks around a picture or a grid: tables, charts, formulas, music, chemistry, images.

The outer element's box is the block box; an ``<img>`` child's box becomes ``image_bbox``
(it repeats the outer box, sometimes off by a pixel). A figure whose outer element has no
box borrows its ``<img>`` box.
"""

from __future__ import annotations

from collections.abc import Callable

from docparse.qwenvl.context import PageContext
from docparse.qwenvl.dom import Element, serialize, tag_of
from docparse.qwenvl.elements import Kind, has_box
from docparse.qwenvl.tables import grid_text, table_grid
from docparse.qwenvl.text import SKIPPED_TAGS, class_string, element_text, normalize_ws, raw_text
from schemas import Block, ChartBlock, ChemicalFormulaBlock, FormulaBlock, ImageBlock, MusicSheetBlock, TableBlock


def _first(element: Element, tag: str) -> Element | None:
    return next((e for e in element.iter() if e is not element and tag_of(e) == tag), None)


def _without(target: Element | None) -> Callable[[Element], bool]:
    return lambda e: e is target


def _style_sources(table: Element, ctx: PageContext) -> str:
    """``<style>`` blocks naming one of the table's classes (the report's ``tableN`` template)."""
    classes = set(class_string(table).split())
    return "".join(source for text, source in ctx.styles if classes and any(c in text for c in classes))


def _drop(element: Element, ctx: PageContext) -> None:
    ctx.log.add("element_empty", f"empty <{tag_of(element)}> dropped", detail="no box")


def build_table(element: Element, ctx: PageContext) -> Block | None:
    """A table block: the cell grid, the source markup (with its template ``<style>``), a caption if any."""
    table = element if tag_of(element) == "table" else _first(element, "table")
    if table is None:
        text = element_text(element)
        if not text and not has_box(element):
            _drop(element, ctx)
            return None
        return TableBlock(**ctx.common(element), text=text)
    grid = table_grid(table)
    outside = element_text(element, skip=_without(table)) if table is not element else ""
    caption = normalize_ws(" ".join(t for t in (grid.caption, outside) if t)) or None
    if grid.n_rows == 0 and caption is None and not has_box(element):
        _drop(element, ctx)
        return None
    html = _style_sources(table, ctx) + serialize(element)
    common = ctx.common(element, html=html)
    if grid.fixes:
        ctx.log.add("table_normalized", "table made rectangular", block=ctx.next_index, detail="; ".join(grid.fixes))
    return TableBlock.model_validate(
        {
            **common,
            "n_rows": grid.n_rows,
            "n_cols": grid.n_cols,
            "cells": grid.cells,
            "caption": caption,
            "text": grid_text(grid),
        }
    )


def build_chart(element: Element, ctx: PageContext) -> Block:
    """A chart block with the data table the model read from it, when it gave one."""
    common = ctx.common(element)
    image = _first(element, "img")
    table = _first(element, "table")
    grid = table_grid(table) if table is not None else None
    if grid is not None and grid.fixes:
        ctx.log.add(
            "table_normalized", "chart data made rectangular", block=ctx.next_index, detail="; ".join(grid.fixes)
        )
    other = element_text(element, skip=_without(table))
    text = "\n".join(t for t in (other, grid_text(grid) if grid else "") if t)
    image_bbox = ctx.image_box(image) if image is not None else None
    data = grid.table_data() if grid is not None else None
    return ChartBlock(**common, data=data, image_bbox=image_bbox, text=text)


def _variant(classes: str) -> str | None:
    for variant in ("machine_printed", "handwritten"):
        if variant in classes:
            return variant
    return None


def build_source_block(element: Element, kind: Kind, ctx: PageContext) -> Block | None:
    """Formula, music sheet or chemical formula: ``content`` is the inner ``<div>``'s source text,
    in the ``format`` the element names (a formula's default: LaTeX; ``format="text"`` is
    plain Unicode text, as the ``pdf-text`` engine reads it from a text layer).

    Content after (or before) the inner element is kept, appended to ``content``, and
    reported as ``mixed_content``.
    """
    image = _first(element, "img")
    inner = next((c for c in element if tag_of(c) not in ("img", "", *SKIPPED_TAGS)), None)
    keep_lines = kind == "music_sheet"
    clean: Callable[[str], str] = str.strip if keep_lines else normalize_ws
    content = clean(raw_text(inner) if inner is not None else raw_text(element))
    extra = clean(raw_text(element, skip=_without(inner))) if inner is not None else ""
    if not content and not extra and image is None and not has_box(element):
        _drop(element, ctx)
        return None
    common = ctx.common(element)
    if extra:
        ctx.log.add("mixed_content", f"content beside the inner element of a {kind} kept", block=ctx.next_index)
        content = ("\n" if keep_lines else " ").join(t for t in (content, extra) if t)
    image_bbox = ctx.image_box(image) if image is not None else None
    if kind == "music_sheet":
        fmt = normalize_ws(element.get("format") or "") or "abc notation"
        return MusicSheetBlock(**common, content=content, text=content, format=fmt, image_bbox=image_bbox)
    if kind == "chemical_formula":
        fmt = normalize_ws(element.get("format") or "").lower() or "smiles"
        fmt = "smiles" if fmt == "smile" else fmt
        return ChemicalFormulaBlock(**common, content=content, text=content, format=fmt, image_bbox=image_bbox)
    variant = _variant(class_string(element))
    return FormulaBlock(
        **common,
        content=content,
        text=content,
        format=normalize_ws(element.get("format") or "").lower() or "latex",
        variant="machine_printed" if variant == "machine_printed" else "handwritten" if variant else None,
        image_bbox=image_bbox,
    )


def build_image(element: Element, ctx: PageContext) -> Block | None:
    """An image block; ``caption`` for ``image caption`` and ``<figcaption>``, ``ocr_text`` for other text."""
    image = element if tag_of(element) == "img" else _first(element, "img")
    classes = class_string(element)
    captions = [c for c in element.iter() if tag_of(c) == "figcaption"]
    if captions:
        caption = normalize_ws(" ".join(element_text(c) for c in captions))
        rest = element_text(element, skip=lambda e: tag_of(e) == "figcaption")
    elif classes == "image caption":
        caption, rest = element_text(element), ""
    else:
        caption, rest = "", element_text(element)
    if not caption and not rest and image is None and not has_box(element):
        _drop(element, ctx)
        return None
    if not has_box(element) and image is not None and image is not element and has_box(image):
        if ctx.report_missing:
            ctx.log.add("bbox_missing", f"<{tag_of(element)}> has no box; its <img> box was used", block=ctx.next_index)
        common = ctx.common(image, html=serialize(element))
        image_bbox = common["bbox"]
    else:
        common = ctx.common(element)
        image_bbox = ctx.image_box(image) if image is not None and image is not element else None
    return ImageBlock(
        **common,
        caption=caption or None,
        ocr_text=rest or None,
        image_bbox=image_bbox,
        text="\n".join(t for t in (caption, rest) if t),
    )
