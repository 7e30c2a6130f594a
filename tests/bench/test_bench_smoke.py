"""Smoke test of ``python -m bench --quick``: every scenario runs on tiny inputs and the report has
its shape (figures with baselines, ratios, targets and verdicts; JSON with machine, versions,
settings). No timing is asserted: speeds depend on the machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import main
from bench.report import Figure, Report, ScenarioResult, Target, print_report
from bench.scenarios import SCENARIOS
from bench.services import postgres_unreachable, redis_unreachable

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

FIGURE_KEYS = {"name", "value", "unit", "baseline", "baseline_name", "ratio", "target", "met", "note"}


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of one ``--quick`` run of every scenario (the model one is skipped: no --engine)."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    assert main(["--quick", "--json", str(out)]) == 0
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _scenario(report: dict[str, Any], key: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in report["scenarios"] if s["key"] == key]
    assert len(found) == 1, key
    return found[0]


def _check_figures(scenario: dict[str, Any]) -> None:
    assert scenario["figures"], scenario
    for figure in scenario["figures"]:
        assert set(figure) == FIGURE_KEYS
        assert isinstance(figure["value"], (int, float)) and figure["value"] >= 0
        if figure["baseline"] is not None:
            assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"])
        if figure["target"] is not None:
            assert isinstance(figure["met"], bool)  # judged: met or missed, never hidden
        else:
            assert figure["met"] is None


def test_the_report_names_machine_versions_and_settings(quick_report: dict[str, Any]) -> None:
    assert quick_report["machine"]["cpu_count"] >= 1 and quick_report["machine"]["python"]
    for name in ("docparse", "pymupdf", "sqlalchemy", "celery", "postgres_server"):
        assert name in quick_report["versions"]
    assert quick_report["settings"]["quick"] is True
    assert [s["key"] for s in quick_report["scenarios"]] == list(SCENARIOS)
    summary = quick_report["summary"]
    judged = [f for s in quick_report["scenarios"] for f in s["figures"] if f["met"] is not None]
    assert summary["targets_met"] + summary["targets_missed"] == len(judged)


@pytest.mark.parametrize("key", ["render", "parser", "persistence", "memory"])
def test_each_local_scenario_reports_figures_against_same_run_baselines(quick_report: dict[str, Any], key: str) -> None:
    scenario = _scenario(quick_report, key)
    assert scenario["status"] == "ok", scenario["reason"]
    _check_figures(scenario)
    assert any(f["target"] for f in scenario["figures"])
    assert any(f["baseline"] is not None for f in scenario["figures"])


def test_render_compares_with_bare_pymupdf_and_pdf2image(quick_report: dict[str, Any]) -> None:
    names = [f["name"] for f in _scenario(quick_report, "render")["figures"]]
    assert any(n.startswith("PyMuPDF render, samples") for n in names)
    assert any(n.startswith("PyMuPDF render, mixed-") for n in names)
    assert any(n.startswith("pdf2image render") for n in names)
    assert {"png", "png-small", "webp", "jpeg"} <= {
        n.split()[2].rstrip(",") for n in names if n.startswith("HTTP encode")
    }


def test_orchestration_runs_one_then_two_workers_or_says_why_not(quick_report: dict[str, Any]) -> None:
    scenario = _scenario(quick_report, "orchestration")
    reason = redis_unreachable() or postgres_unreachable()
    if reason is not None:
        assert scenario["status"] == "skipped" and scenario["reason"]
        pytest.skip(f"orchestration skipped: {reason}")
    assert scenario["status"] == "ok", scenario["reason"]
    _check_figures(scenario)
    assert scenario["settings"]["worker_processes"] == [1, 2]
    assert "measuring instrument" in scenario["settings"]["engine"]
    assert scenario["settings"]["worker"].startswith("docparse worker")
    throughput = [f for f in scenario["figures"] if f["name"].startswith("throughput")]
    assert [f["name"].split(", ")[1] for f in throughput] == ["1 worker process", "2 worker processes"]
    assert [f["baseline"] for f in throughput] == pytest.approx([5.0, 10.0])  # ideal at 0.2 s per page


@pytest.mark.parametrize(
    ("key", "figure"), [("capacity", "worker CPU per page"), ("orchestration", "worker CPU outside the engine")]
)
def test_worker_cpu_is_reported_against_the_floor_and_the_embedded_pipeline(
    quick_report: dict[str, Any], key: str, figure: str
) -> None:
    scenario = _scenario(quick_report, key)
    reason = redis_unreachable() or postgres_unreachable()
    if reason is not None:
        pytest.skip(f"{key} skipped: {reason}")
    assert scenario["status"] == "ok", scenario["reason"]
    figures = scenario["figures"]
    floor = [f for f in figures if f["name"].startswith(f"{figure}, ")]
    embedded = [f for f in figures if f["name"].startswith(f"{figure} against the embedded pipeline, ")]
    assert floor and len(embedded) == len(floor)
    for bare, full in zip(floor, embedded, strict=True):
        assert bare["target"] and full["target"] is None  # judged against the floor; the embedded one informs
        assert full["value"] == bare["value"]
        assert full["baseline"] > 0 and bare["baseline"] > 0  # (not compared: two short timings)


def test_the_model_scenario_is_skipped_with_a_reason_without_an_engine(quick_report: dict[str, Any]) -> None:
    scenario = _scenario(quick_report, "model")
    assert scenario["status"] == "skipped" and "--engine" in scenario["reason"]


def test_the_model_scenario_runs_the_tiny_model(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    out = tmp_path / "model.json"
    argv = ["--quick", "--only", "model", "--engine", "transformers", "--model", "tiny", "--json", str(out)]
    assert main([*argv, "--max-new-tokens", "16"]) == 0
    scenario = _scenario(json.loads(out.read_text()), "model")
    assert scenario["status"] == "ok", scenario["reason"]
    _check_figures(scenario)
    assert {f["name"] for f in scenario["figures"]} >= {"pages/s", "output tokens/s", "latency p50", "latency p99"}


def test_a_missed_target_is_printed_as_missed(capsys: pytest.CaptureFixture[str]) -> None:
    result = ScenarioResult("x", "X")
    result.add(Figure("fast enough", 10.0, "pages/s", baseline=20.0, target=Target("value", ">=", 500)))
    result.add(Figure("close to the floor", 12.0, "ms/page", baseline=10.0, target=Target("ratio", "<=", 1.3)))
    assert [f.met for f in result.figures] == [False, True]
    assert result.figures[0].ratio == pytest.approx(0.5)
    report = Report(machine={}, versions={}, settings={}, scenarios=[result])
    print_report(report)
    printed = capsys.readouterr().out
    assert "MISSED" in printed and "met" in printed
    assert report.targets() == (1, 1)


def test_bad_arguments_exit_2() -> None:
    assert main(["--only", "nonsense", "--no-json"]) == 2


def test_capacity_measures_one_page_documents_too(quick_report: dict[str, Any]) -> None:
    scenario = _scenario(quick_report, "capacity")
    reason = redis_unreachable() or postgres_unreachable()
    if reason is not None:
        pytest.skip(f"capacity skipped: {reason}")
    assert scenario["status"] == "ok", scenario["reason"]
    single = [f for f in scenario["figures"] if "one-page documents" in f["name"]]
    assert [f["name"].split(",")[0] for f in single] == ["pages/s", "requests in flight at the server (peak)"]
    assert all(f["target"] and isinstance(f["met"], bool) for f in single)
    assert "finished" in single[0]["note"] and single[0]["baseline"] > 0
