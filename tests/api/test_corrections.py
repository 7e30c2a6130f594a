"""Normalizing a reviewer's blocks (pure): ids and order from position, boxes clamped with the
page-space box authoritative, derived text and html rebuilt, anything invalid refused."""

from __future__ import annotations

import math

import pytest

from docparse.api.corrections import human_attempt, normalize_blocks
from docparse.qwenvl import parse_qwenvl_html
from schemas import BBox, FormulaBlock, ListBlock, ListItem, PageGeometry, ParagraphBlock, TableBlock, TableCell

GEOMETRY = PageGeometry(
    unit="pt", width=600, height=800, pixel_width=1200, pixel_height=1600, model_width=1204, model_height=1596
)


def _para(order: int, **fields: object) -> ParagraphBlock:
    return ParagraphBlock(id=f"anything-{order}", page=9, order=order * 7, **fields)  # type: ignore[arg-type]


def test_ids_order_and_boxes_are_rebuilt() -> None:
    blocks = [
        _para(5, text="b", bbox=BBox(x0=60, y0=80, x1=700, y1=400), bbox_norm=BBox(x0=0.9, y0=0.9, x1=1, y1=1)),
        _para(1, text="a", bbox_norm=BBox(x0=0.5, y0=0.25, x1=0.75, y1=1.0)),
        _para(2, text="c"),
    ]
    out = normalize_blocks("doc", 3, blocks, GEOMETRY, "qwen2.5-absolute")
    assert [(b.id, b.page, b.order) for b in out] == [("doc:p3:b0", 3, 0), ("doc:p3:b1", 3, 1), ("doc:p3:b2", 3, 2)]
    assert out[0].bbox == BBox(x0=60, y0=80, x1=600, y1=400)  # clamped to the page; bbox wins over a stale norm
    assert out[0].bbox_norm == BBox(x0=0.1, y0=0.1, x1=1.0, y1=0.5)
    assert out[1].bbox == BBox(x0=300, y0=200, x1=450, y1=800)  # from the normalized box alone
    assert out[2].bbox is None and out[2].bbox_norm is None
    assert out[0].html == '<p data-bbox="120 160 1204 798">b</p>'


def test_derived_text_is_rebuilt() -> None:
    table = TableBlock(
        id="t",
        page=1,
        order=0,
        n_rows=2,
        n_cols=2,
        text="stale",
        cells=[
            TableCell(row=0, col=0, colspan=2, header=True, text="Head"),
            TableCell(row=1, col=0, text="x"),
            TableCell(row=1, col=1, text="y"),
        ],
    )
    formula = FormulaBlock(id="f", page=1, order=1, content=r"\alpha", text="old")
    out = normalize_blocks("doc", 1, [table, formula], GEOMETRY, "qwen3-relative")
    assert out[0].text == "Head\nx\ty" and 'colspan="2"' in out[0].html
    assert out[1].text == r"\alpha"
    attempt = human_attempt(out, GEOMETRY, "qwen3-relative", "rita")
    assert attempt.kind == "human" and attempt.reviewer == "rita" and attempt.convention == "qwen3-relative"
    assert attempt.output.startswith("<html><body>") and "Head" in attempt.output


def test_a_corrected_lists_text_is_rebuilt_as_the_parser_builds_it_labels_included() -> None:
    items = [
        ListItem(text="first", label="(a)", children=[ListItem(text="inner", label="i.")]),
        ListItem(text="second", label="(b)"),
        ListItem(text="third"),
    ]
    block = ListBlock(id="l", page=1, order=0, text="stale", ordered=True, items=items)
    (out,) = normalize_blocks("doc", 1, [block], GEOMETRY, "qwen2.5-absolute")
    assert out.text == "(a) first\n  i. inner\n(b) second\nthird"
    parsed = parse_qwenvl_html(out.html, GEOMETRY, "qwen2.5-absolute", document_id="doc").blocks[0]
    assert parsed.text == out.text  # what the parser makes of the block's own html


def test_non_finite_boxes_are_refused() -> None:
    bad = _para(0, text="x", bbox=BBox.model_construct(x0=math.nan, y0=0, x1=1, y1=1))
    with pytest.raises(ValueError, match="non-finite"):
        normalize_blocks("doc", 1, [bad], GEOMETRY, "qwen2.5-absolute")
