"""OmniDocBench ground truth -> docparse documents, on a small fixture in its published format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docparse.eval.omnidocbench import convert, convert_page, html_table, looks_like_omnidocbench, poly_to_bbox
from docparse.eval.readers import read_file
from schemas import FormulaBlock, HeadingBlock, TableBlock, UnknownBlock

FIXTURE = Path(__file__).parent / "data" / "omnidocbench_sample.json"


@pytest.fixture(scope="module")
def data() -> list[dict[str, object]]:
    loaded: list[dict[str, object]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def test_detected_as_omnidocbench(data: list[dict[str, object]]) -> None:
    assert looks_like_omnidocbench(data)
    assert looks_like_omnidocbench(data[0])
    assert not looks_like_omnidocbench({"pages": [], "sha256": "0" * 64})
    assert not looks_like_omnidocbench([])


def test_one_document_per_page(data: list[dict[str, object]]) -> None:
    docs = convert(data)
    assert [d.filename for d in docs] == ["academic_paper_page_007.jpg", "note_0001.png"]
    assert [d.media_type for d in docs] == ["image/jpeg", "image/png"]
    assert all(d.page_count == 1 and d.pages[0].number == 1 for d in docs)


def test_types_in_reading_order(data: list[dict[str, object]]) -> None:
    page = convert(data)[0].pages[0]
    # ignored region and "abandon" dropped; the figure without an order goes last
    assert [b.type for b in page.blocks] == [
        "header",
        "heading",
        "paragraph",
        "formula",
        "caption",
        "table",
        "caption",
        "unknown",
        "paragraph",
        "page_number",
        "image",
    ]
    assert [b.order for b in page.blocks] == list(range(11))
    assert "an ignored region" not in [b.text for b in page.blocks]
    assert "watermark" not in [b.text for b in page.blocks]


def test_boxes(data: list[dict[str, object]]) -> None:
    page = convert(data)[0].pages[0]
    assert page.geometry is not None
    assert (page.geometry.unit, page.geometry.width, page.geometry.height) == ("px", 1200, 1684)
    title = page.blocks[1]
    assert isinstance(title, HeadingBlock)
    assert title.level == 1
    assert title.bbox is not None
    assert title.bbox.as_tuple() == (100.0, 100.0, 1100.0, 160.0)
    assert title.bbox_norm is not None
    assert title.bbox_norm.as_tuple() == pytest.approx((100 / 1200, 100 / 1684, 1100 / 1200, 160 / 1684))
    page_number = page.blocks[9]
    assert page_number.bbox is not None
    assert page_number.bbox.x1 == 1200.0  # clamped to the page
    no_poly = page.blocks[8]
    assert (no_poly.text, no_poly.bbox, no_poly.bbox_norm) == ("no polygon here", None, None)


def test_table_cells_from_html(data: list[dict[str, object]]) -> None:
    block = convert(data)[0].pages[0].blocks[5]
    assert isinstance(block, TableBlock)
    assert (block.n_rows, block.n_cols) == (3, 3)
    cells = {(c.row, c.col): (c.text, c.rowspan, c.colspan, c.header) for c in block.cells}
    assert cells == {
        (0, 0): ("Name", 2, 1, True),
        (0, 1): ("Score", 1, 2, True),
        (1, 1): ("A", 1, 1, True),
        (1, 2): ("B", 1, 1, True),
        (2, 0): ("x", 1, 1, False),
        (2, 1): ("1", 1, 1, False),
        (2, 2): ("2", 1, 1, False),
    }
    assert block.grid() == [["Name", "Score", "Score"], ["Name", "A", "B"], ["x", "1", "2"]]
    assert "<table>" in block.html


def test_formula_and_unknown(data: list[dict[str, object]]) -> None:
    blocks = convert(data)[0].pages[0].blocks
    formula = blocks[3]
    assert isinstance(formula, FormulaBlock)
    assert formula.content == "$$E = mc^2$$"
    unknown = blocks[7]
    assert isinstance(unknown, UnknownBlock)
    assert (unknown.tag, unknown.text) == ("some_new_category", "mystery")


def test_missing_page_size_gives_boxes_without_normalization(data: list[dict[str, object]]) -> None:
    page = convert(data)[1].pages[0]
    assert page.geometry is None
    (block,) = page.blocks
    assert block.type == "paragraph"
    assert block.bbox is not None
    assert block.bbox.as_tuple() == (10.0, 10.0, 90.0, 30.0)
    assert block.bbox_norm is None


def test_tolerates_garbage() -> None:
    doc = convert_page({"layout_dets": [None, {"poly": ["a", 1, 2, 3]}, {"category_type": "table"}]})
    assert [b.type for b in doc.pages[0].blocks] == ["unknown", "table"]
    assert doc.filename == "omnidocbench-page-0"
    assert poly_to_bbox([1, 2, 3], None, None) is None
    assert poly_to_bbox([0, 0, 10, 5], None, None) is not None
    data, text = html_table("<p>no table</p>")
    assert (data.n_rows, data.n_cols, text) == (0, 0, "")


def test_read_file_detects_the_format() -> None:
    docs = read_file(FIXTURE)
    assert len(docs) == 2
    assert all(d.omnidocbench for d in docs)
