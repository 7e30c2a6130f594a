"""The OmniDocBench protocol reproduces the official evaluation's own numbers on the shipped demo set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from docparse.eval import run
from tests.paths import REPO_ROOT, SHARED_DIR

ODB = SHARED_DIR / "omnidocbench"
GOLD = ODB / "ground_truth" / "OmniDocBench_demo.json"
PRED = ODB / "predictions" / "end2end"
OFFICIAL = ODB / "official"
DERIVED = REPO_ROOT / "tests" / "eval" / "data" / "odb_derived"
ELEMENTS = ("text_block", "display_formula", "table", "reading_order")

pytestmark = pytest.mark.skipif(not GOLD.is_file(), reason="the shared OmniDocBench demo set is not present")


def _official(name: str, folder: Path = OFFICIAL) -> Any:
    path = folder / f"end2end_quick_match_{name}.json"
    return json.loads((path if path.is_file() else folder / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("odb") / "report.json"
    run(GOLD, PRED, json_out=out)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["config"]["protocol"] == "omnidocbench"
    return dict(written["omnidocbench"])


def _share_close(result: dict[str, Any], official_dir: Path) -> float:
    """The share of per-page values (and per-table TEDS / TEDS-S) within 0.01 of the official ones."""
    close = total = 0
    for element in ELEMENTS:
        for page, expected in _official(f"{element}_per_page_edit", official_dir).items():
            total += 1
            got = result[element]["per_page"].get(page)
            close += got is not None and abs(got - expected) <= 0.01
    for key, scores in _official("table_per_table_TEDS", official_dir).items():
        for metric in ("TEDS", "TEDS_structure_only"):
            total += 1
            close += abs(result["table"]["per_table"][key][metric] - scores[metric]) <= 0.01
    return close / total


def _headlines(official: dict[str, Any]) -> list[tuple[str, str, str]]:
    keys = []
    for element in ELEMENTS:
        for metric, values in official[element]["all"].items():
            keys.extend((element, metric, aggregate) for aggregate in values)
    return keys


def test_every_headline_figure_is_within_0_005_of_the_official_one(result: dict[str, Any]) -> None:
    official = _official("metric_result")
    keys = _headlines(official)
    assert len(keys) == 14  # three edit aggregates for each of the four elements, TEDS and TEDS-structure
    for element, metric, aggregate in keys:
        expected = official[element]["all"][metric][aggregate]
        got = result[element][metric][aggregate]
        assert got == pytest.approx(expected, abs=0.005), (element, metric, aggregate)


def test_at_least_95_percent_of_per_page_values_are_within_0_01(result: dict[str, Any]) -> None:
    assert sum(len(_official(f"{e}_per_page_edit")) for e in ELEMENTS) == 18 + 2 + 9 + 18
    assert _share_close(result, OFFICIAL) >= 0.95


@pytest.mark.parametrize("name", ["perturbed", "styled"])
def test_the_same_agreement_holds_on_derived_predictions(name: str) -> None:
    """Predictions derived from the ground truth (see data/odb_derived/README.md), scored by the official code."""
    official_dir = DERIVED / name / "official"
    report = run(GOLD, DERIVED / name / "predictions")
    assert report.omnidocbench is not None
    official = _official("metric_result", official_dir)
    for element, metric, aggregate in _headlines(official):
        expected = official[element]["all"][metric][aggregate]
        assert report.omnidocbench[element][metric][aggregate] == pytest.approx(expected, abs=0.005), (element, metric)
    assert _share_close(report.omnidocbench, official_dir) >= 0.95


def test_the_json_has_the_official_structure_and_the_breakdowns(result: dict[str, Any]) -> None:
    official = _official("metric_result")
    for element in ELEMENTS:
        assert set(official[element]["all"]) <= set(result[element])
        assert set(result[element]["per_page"]) >= set(_official(f"{element}_per_page_edit"))
    assert result["table"]["page"]["TEDS"]["ALL"] == pytest.approx(official["table"]["page"]["TEDS"]["ALL"], abs=1e-9)
    for label, value in official["text_block"]["group"]["Edit_dist"].items():
        assert result["text_block"]["group"]["Edit_dist"][label] == pytest.approx(value, abs=1e-9)
    assert result["missing_predictions"] == []


def test_a_missing_prediction_counts_as_an_empty_page_and_is_listed(tmp_path: Path) -> None:
    folder = tmp_path / "pred"
    folder.mkdir()
    files = sorted(PRED.glob("*.md"))
    for path in files[1:]:
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    report = run(GOLD, folder)
    assert report.omnidocbench is not None
    missing = files[0].name.removesuffix(".md") + ".jpg"
    assert report.omnidocbench["missing_predictions"] == [missing]
    assert report.omnidocbench["text_block"]["per_page"][missing] == 1.0
    assert report.omnidocbench["pages"] == 18
