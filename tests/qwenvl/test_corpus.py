"""Every real Qwen2.5-VL output of the shared corpus parses with every box and every word accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.paths import CORPUS_DIR
from tests.qwenvl.helpers import CORPUS_GEOMETRY, boxed_elements, codes, missing_tokens, parse, strip_fence

SAMPLES = sorted(CORPUS_DIR.glob("*.html"))
EXPECTED_ISSUES = {
    "001": {"element_empty"},
    "003": {"fence_stripped", "element_empty", "bbox_missing"},
    "005": {"fence_stripped", "no_boxes", "element_unknown", "text_outside_body"},  # its <title>
    "010": {"fence_stripped", "element_empty"},  # the empty <p data-bbox> before the abstract
}
DEFAULT_ISSUES = {"fence_stripped"}


def sidecar(path: Path) -> dict[str, object]:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_corpus_is_present() -> None:
    assert len(SAMPLES) == 12


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_corpus_sample(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    stats = sidecar(path)["stats"]
    result = parse(text, geometry=CORPUS_GEOMETRY)

    # The issues expected for this sample, and nothing worse.
    assert set(codes(result)) == EXPECTED_ISSUES.get(path.name[:3], DEFAULT_ISSUES)
    assert "truncated" not in codes(result)
    assert "repetition_loop" not in codes(result)

    # Every data-bbox is accounted for: top-level ones as blocks (or dropped empty
    # separators), <li> ones as list items, <img> ones as image boxes, nested ones inside
    # their block (the outer box is authoritative).
    boxed = boxed_elements(strip_fence(text))
    assert len(boxed) == stats["n_bbox"]
    top = sum(1 for tag, depth in boxed if depth == 0)
    items = sum(1 for tag, _ in boxed if tag == "li")
    images = sum(1 for tag, depth in boxed if tag == "img" and depth > 0)
    dropped_with_box = sum(1 for i in result.issues if i.code == "element_empty" and i.detail != "no box")
    assert sum(1 for b in result.blocks if b.bbox is not None) + dropped_with_box == top
    assert sum(1 for b in result.blocks if b.type == "list" for it in b.items if it.bbox is not None) == items
    assert sum(1 for b in result.blocks if getattr(b, "image_bbox", None) is not None) == images

    # Every word of the body is in some block.
    assert missing_tokens(strip_fence(text), result) == []

    # Blocks are numbered in reading order and every box lies in the page.
    assert [b.order for b in result.blocks] == list(range(len(result.blocks)))
    assert [b.id for b in result.blocks] == [f"doc:p1:b{i}" for i in range(len(result.blocks))]
    for block in result.blocks:
        if block.bbox is not None:
            assert 0 <= block.bbox.x0 <= block.bbox.x1 <= CORPUS_GEOMETRY.width
            assert 0 <= block.bbox.y0 <= block.bbox.y1 <= CORPUS_GEOMETRY.height


def test_corpus_001_keeps_both_columns_in_model_order() -> None:
    result = parse((CORPUS_DIR / "001_qwen25vl-blog-docparsing1-footnotes.html").read_text(encoding="utf-8"))
    assert len(result.blocks) == 16  # 17 <p>, the empty separator dropped
    assert result.blocks[0].text == "${ }^{8}$ das Phon: 吋 (响度单位)"
    assert result.blocks[10].text.startswith("Geruch von Industrierauch")


def test_corpus_005_ordinary_html_keeps_body_text_only() -> None:
    result = parse((CORPUS_DIR / "005_qwen25vl-blog-docparsing8-ordinary-html.html").read_text(encoding="utf-8"))
    text = "\n".join(b.text for b in result.blocks)
    assert "淘宝·许愿淘彩头分25亿" in text
    assert "background-color" not in text  # <style> is not text
    assert text.split("\n")[0] == "淘宝许愿淘彩头分25亿"  # the <title> in <head>: kept, once, flagged
    assert "text_outside_body" in codes(result)
    assert all(b.bbox is None for b in result.blocks)
    assert "bbox_missing" not in codes(result)  # one no_boxes instead of one issue per block


def test_corpus_013_formula_latex_is_entity_decoded_once() -> None:
    result = parse((CORPUS_DIR / "013_qwen25vl72b-modelscope-diffcl-page04.html").read_text(encoding="utf-8"))
    formulas = [b for b in result.blocks if b.type == "formula"]
    assert len(formulas) == 7
    aligned = formulas[1]
    assert aligned.content.startswith("$$\\begin{aligned} & \\left\\|")
    assert "&amp;" not in aligned.content
    assert all(f.image_bbox is not None for f in formulas)


def test_corpus_016_tables_become_grids() -> None:
    result = parse((CORPUS_DIR / "016_qwen25vl72b-modelscope-diffcl-page08.html").read_text(encoding="utf-8"))
    tables = [b for b in result.blocks if b.type == "table"]
    assert [(t.n_rows, t.n_cols) for t in tables] == [(14, 11), (3, 5)]
    big = tables[0].grid()
    assert big[0][:3] == ["Method", "In-house Steel", "In-house Steel"]
    assert big[1][0] == "Method"  # rowspan=2 covers the slot below
    assert big[2][:3] == ["Baseline", "0.7655", "0.6448"]
    assert tables[1].grid()[0][0] == ""  # <td class="_empty">
    lists = [b for b in result.blocks if b.type == "list"]
    assert [(lst.ordered, lst.start) for lst in lists] == [(True, 2), (True, 3)]
