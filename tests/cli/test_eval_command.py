"""`docparse eval` from the command line: OmniDocBench predictions, docparse-protocol options, --engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.paths import SHARED_DIR

ODB = SHARED_DIR / "omnidocbench"
GOLD = ODB / "ground_truth" / "OmniDocBench_demo.json"
needs_demo = pytest.mark.skipif(not GOLD.is_file(), reason="the shared OmniDocBench demo set is not present")


def _one_page(tmp_path: Path, index: int) -> Path:
    """A one-page ground truth with its image under images/ beside it."""
    entry = json.loads(GOLD.read_text(encoding="utf-8"))[index]
    (tmp_path / "gt").mkdir()
    (tmp_path / "images").mkdir()
    gold = tmp_path / "gt" / "page.json"
    gold.write_text(json.dumps([entry]), encoding="utf-8")
    name = Path(entry["page_info"]["image_path"]).name
    shutil.copy(ODB / "images" / name, tmp_path / "images" / name)
    return gold


@needs_demo
def test_markdown_predictions_give_the_official_headline_in_json(docparse: Run, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = docparse("eval", str(GOLD), str(ODB / "predictions" / "end2end"), "--json", str(out))
    assert done.returncode == 0, done.stderr
    official = json.loads((ODB / "official" / "end2end_quick_match_metric_result.json").read_text(encoding="utf-8"))
    result = json.loads(out.read_text(encoding="utf-8"))["omnidocbench"]
    assert result["table"]["TEDS"]["all"] == pytest.approx(official["table"]["all"]["TEDS"]["all"], abs=0.005)
    assert "0.7838" in done.stdout


@needs_demo
def test_docparse_protocol_options_reach_the_config(docparse: Run, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = [
        "--protocol",
        "docparse",
        "--ignore-types",
        "header,footer",
        "--type-group",
        "heading=text",
        "--type-group",
        "paragraph=text",
        "--strip-markup",
        "--iou-threshold",
        "0.6",
        "--json",
        str(out),
    ]
    done = docparse("eval", str(GOLD), str(GOLD), *args)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["config"] == report["config"] | {
        "protocol": "docparse",
        "ignore_types": ["header", "footer"],
        "strip_markup": True,
        "iou_threshold": 0.6,
        "type_groups": {"heading": "text", "paragraph": "text"},
    }
    assert report["overall"]["detection_f1"]["value"] == pytest.approx(1.0)
    assert docparse("eval", str(GOLD), str(GOLD), "--type-group", "heading").returncode == 2


@needs_demo
@pytest.mark.slow
def test_engine_parses_each_ground_truth_page_and_scores_it(docparse: Run, tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    gold = _one_page(tmp_path, 0)
    model = tmp_path / "tiny"
    assert docparse("dev", "tiny-model", str(model)).returncode == 0
    out, saved = tmp_path / "r.json", tmp_path / "md"
    args = [
        "--engine",
        "transformers",
        "--model",
        str(model),
        "--min-pixels",
        str(16 * 28 * 28),
        "--max-pixels",
        str(64 * 28 * 28),
        "--max-new-tokens",
        "24",
        "--save-predictions",
        str(saved),
        "--json",
        str(out),
    ]
    done = docparse("eval", str(gold), *args)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))["omnidocbench"]
    assert result["pages"] == 1 and result["missing_predictions"] == []
    assert len(list(saved.glob("*.md"))) == 1
    assert result["text_block"]["Edit_dist"]["ALL_page_avg"] is not None
