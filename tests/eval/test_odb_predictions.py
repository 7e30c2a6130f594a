"""Prediction folders for the OmniDocBench protocol: Markdown, docparse exports and QwenVL HTML, mixed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from docparse.eval import EvalConfig, run
from docparse.eval.odb.gold import image_name
from docparse.eval.omnidocbench import convert_page
from tests.paths import SHARED_DIR

ODB = SHARED_DIR / "omnidocbench"
GOLD = ODB / "ground_truth" / "OmniDocBench_demo.json"
pytestmark = pytest.mark.skipif(not GOLD.is_file(), reason="the shared OmniDocBench demo set is not present")


def _entries() -> list[dict[str, Any]]:
    return list(json.loads(GOLD.read_text(encoding="utf-8")))


def _with(category: str) -> dict[str, Any]:
    return next(e for e in _entries() if any(d["category_type"] == category for d in e["layout_dets"]))


def test_a_mixed_folder_scores_markdown_exports_and_qwenvl_html(tmp_path: Path) -> None:
    table_page = _with("table")
    text_page = next(e for e in _entries() if e is not table_page and image_name(e) != image_name(table_page))
    for path in (ODB / "predictions" / "end2end").glob("*.md"):
        if path.stem + ".jpg" not in (image_name(table_page), image_name(text_page)):
            shutil.copy(path, tmp_path / path.name)
    document = convert_page(table_page)  # the ground truth itself, as a docparse export
    (tmp_path / "export-of-any-name.json").write_text(document.model_dump_json(), encoding="utf-8")
    first_text = next(
        d["text"]
        for d in sorted(text_page["layout_dets"], key=lambda d: d.get("order") or 0)
        if d["category_type"] == "text_block"
    )
    html = f'<html><body><p data-bbox="10 10 200 40">{first_text}</p></body></html>'
    (tmp_path / (image_name(text_page).removesuffix(".jpg") + ".html")).write_text(html, encoding="utf-8")
    (tmp_path / "stray.md").write_text("nothing", encoding="utf-8")
    report = run(GOLD, tmp_path)
    result = report.omnidocbench
    assert result is not None and result["missing_predictions"] == []
    tables = {k: v for k, v in result["table"]["per_table"].items() if k.startswith(image_name(table_page))}
    assert tables and all(v["TEDS"] == 1.0 for v in tables.values())
    assert result["text_block"]["per_page"][image_name(text_page)] < 1.0
    assert result["unused_predictions"] == ["stray.md"]


def test_ground_truth_scored_against_itself_as_markdown(tmp_path: Path) -> None:
    result = run(GOLD, GOLD).omnidocbench
    assert result is not None
    assert result["table"]["TEDS"]["all"] == 1.0 and result["table"]["TEDS_structure_only"]["all"] == 1.0
    assert result["reading_order"]["Edit_dist"]["ALL_page_avg"] == 0.0
    assert result["text_block"]["Edit_dist"]["ALL_page_avg"] < 0.02  # the official code gives 0.0126 too


def test_docparse_protocol_scores_ground_truth_against_itself_as_perfect() -> None:
    """Page sizes come from the images (page_info is swapped on 10 pages), so boxes are not clamped away."""
    overall = run(GOLD, GOLD, config=EvalConfig(protocol="docparse")).overall
    assert overall["detection_f1"].value == 1.0 and overall["detection_f1"].n > 0
    assert overall["table_teds"].value == 1.0 and overall["table_teds_struct"].value == 1.0
    assert overall["text_ned"].value == 0.0 and overall["reading_order_ed"].value == 0.0
