"""Blocks -> QwenVL HTML (corrections and fine-tuning targets): docparse's own parser reads it
back to the same blocks, in both coordinate conventions, and text is always escaped."""

from __future__ import annotations

import pytest

from docparse.export.qwenvl_html import block_html, model_box, page_html
from docparse.qwenvl import parse_qwenvl_html
from schemas import BBox, CoordinateConvention, PageGeometry, ParagraphBlock, TableBlock, block_id
from tests.storage.factories import every_block

GEOMETRY = PageGeometry(
    unit="pt", width=612, height=792, pixel_width=1275, pixel_height=1650, model_width=1260, model_height=1624
)


@pytest.mark.parametrize("convention", ["qwen2.5-absolute", "qwen3-relative"])
def test_every_block_type_parses_back(convention: CoordinateConvention) -> None:
    blocks = every_block("doc", 1)
    parsed = parse_qwenvl_html(page_html(blocks, GEOMETRY, convention), GEOMETRY, convention, document_id="doc")
    assert [b.type for b in parsed.blocks] == [b.type for b in blocks]
    extent = (1000, 1000) if convention == "qwen3-relative" else (GEOMETRY.model_width, GEOMETRY.model_height)
    for ours, theirs in zip(blocks, parsed.blocks, strict=True):
        if ours.type == "code":
            assert theirs.text == ours.text.rstrip("\n")  # whitespace kept (but the final newline)
        elif ours.type in ("paragraph", "heading", "caption", "author", "header", "footer", "page_number"):
            assert theirs.text == " ".join(ours.text.split())  # the parser normalizes whitespace
        if ours.bbox_norm is not None:
            assert theirs.bbox_norm is not None
            assert abs(theirs.bbox_norm.x0 - ours.bbox_norm.x0) <= 1 / extent[0]
            assert abs(theirs.bbox_norm.y1 - ours.bbox_norm.y1) <= 1 / extent[1]
    table = next(b for b in parsed.blocks if isinstance(b, TableBlock))
    source = next(b for b in blocks if isinstance(b, TableBlock))
    assert table.cells == source.cells  # spans and header cells kept


def test_text_is_escaped_and_comes_back_verbatim() -> None:
    hostile = '<img src=x onerror="alert(1)"> & </p><script>x</script>'
    block = ParagraphBlock(
        id=block_id("d", 1, 0), page=1, order=0, text=hostile, bbox_norm=BBox(x0=0, y0=0, x1=0.5, y1=0.1)
    )
    html = block_html(block, GEOMETRY, "qwen2.5-absolute")
    assert "<img" not in html and "<script" not in html and "&lt;img" in html
    parsed = parse_qwenvl_html(page_html([block], GEOMETRY, "qwen2.5-absolute"), GEOMETRY, "qwen2.5-absolute")
    assert [b.text for b in parsed.blocks] == [hostile]


def test_model_boxes_follow_the_convention() -> None:
    norm = BBox(x0=0.1, y0=0.2, x1=0.5, y1=1.0)
    assert model_box(norm, GEOMETRY, "qwen2.5-absolute") == "126 325 630 1624"
    assert model_box(norm, GEOMETRY, "qwen3-relative") == "100 200 500 1000"
    assert model_box(None, GEOMETRY, "qwen3-relative") is None
