"""The report: figures with their same-run baselines, ratios and targets; printed with rich, saved as JSON.

Every :class:`Figure` carries the value measured, the baseline measured **in the same run**
(what the value is compared with, e.g. bare PyMuPDF rasterization for the render step), their
ratio ``value / baseline`` and, where the issue sets one, a :class:`Target` judged either on the
value or on the ratio. A missed target is printed as ``MISSED`` in red, never hidden.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

__all__ = ["Figure", "Report", "ScenarioResult", "Target", "print_report", "write_json"]


@dataclass(frozen=True)
class Target:
    """``on`` (the value or the ratio) must be ``op`` ``threshold``, e.g. ratio <= 1.3."""

    on: Literal["value", "ratio"]
    op: Literal["<=", ">="]
    threshold: float

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        subject = value if self.on == "value" else ratio
        if subject is None or math.isnan(subject):
            return None
        return subject <= self.threshold if self.op == "<=" else subject >= self.threshold

    def describe(self, unit: str) -> str:
        suffix = "x" if self.on == "ratio" else f" {unit}"
        return f"{self.on} {self.op} {self.threshold:g}{suffix}"


@dataclass
class Figure:
    """One measured figure, its same-run baseline and, optionally, a target."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str | None = None
    target: Target | None = None
    note: str = ""
    ratio: float | None = field(init=False, default=None)
    met: bool | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.baseline is not None and self.baseline != 0:
            self.ratio = self.value / self.baseline
        if self.target is not None:
            self.met = self.target.met(self.value, self.ratio)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = self.target.describe(self.unit) if self.target else None
        return data


@dataclass
class ScenarioResult:
    """The figures of one scenario, or why it was skipped or failed."""

    key: str
    title: str
    status: Literal["ok", "skipped", "error"] = "ok"
    reason: str | None = None
    figures: list[Figure] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "settings": self.settings,
            "wall_s": round(self.wall_s, 3),
            "figures": [f.as_json() for f in self.figures],
        }


@dataclass
class Report:
    """The whole run: machine, versions, settings and one result per scenario."""

    machine: dict[str, Any]
    versions: dict[str, Any]
    settings: dict[str, Any]
    scenarios: list[ScenarioResult] = field(default_factory=list)
    wall_s: float = 0.0

    def targets(self) -> tuple[int, int]:
        """(met, missed) over all figures that have a target."""
        judged = [f.met for s in self.scenarios for f in s.figures if f.target is not None and f.met is not None]
        return sum(1 for m in judged if m), sum(1 for m in judged if not m)

    def as_json(self) -> dict[str, Any]:
        met, missed = self.targets()
        return {
            "machine": self.machine,
            "versions": self.versions,
            "settings": self.settings,
            "wall_s": round(self.wall_s, 3),
            "summary": {"targets_met": met, "targets_missed": missed},
            "scenarios": [s.as_json() for s in self.scenarios],
        }


def _num(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _verdict(figure: Figure) -> str:
    if figure.target is None:
        return "[dim]info[/dim]"
    if figure.met is None:
        return "[yellow]n/a[/yellow]"
    return "[green]met[/green]" if figure.met else "[bold red]MISSED[/bold red]"


def scenario_table(result: ScenarioResult) -> Table:
    """One rich table: figure, value, baseline, ratio, target, met/MISSED, note."""
    table = Table(title=f"{result.title}  ({result.wall_s:.1f} s)", title_justify="left", show_lines=False)
    for column, justify in (
        ("figure", "left"),
        ("value", "right"),
        ("baseline (same run)", "right"),
        ("ratio", "right"),
        ("target", "left"),
        ("", "left"),
        ("note", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for f in result.figures:
        baseline = f"{_num(f.baseline)} {f.unit}" if f.baseline is not None else "-"
        if f.baseline_name:
            baseline = f"{baseline}\n[dim]{f.baseline_name}[/dim]"
        ratio = f"{_num(f.ratio)}x" if f.ratio is not None else "-"
        target = f.target.describe(f.unit) if f.target else "-"
        table.add_row(f.name, f"{_num(f.value)} {f.unit}", baseline, ratio, target, _verdict(f), f.note)
    return table


def print_report(report: Report, console: Console | None = None) -> None:
    """Print the machine line, one table per scenario (or its skip reason) and the summary."""
    console = console or Console(width=160)
    m = report.machine
    console.print(
        f"[bold]docparse bench[/bold] — {m.get('cpu_model', '?')}, {m.get('cpu_count')} CPUs, "
        f"{m.get('memory_gb', '?')} GB, {m.get('os', '?')}, Python {m.get('python', '?')}"
    )
    console.print(f"settings: {json.dumps(report.settings, default=str)}")
    for result in report.scenarios:
        if result.status != "ok" and not result.figures:
            label = "skipped" if result.status == "skipped" else "[bold red]ERROR[/bold red]"
            console.print(f"\n[bold]{result.title}[/bold]: {label} — {result.reason}")
            continue
        console.print()
        console.print(scenario_table(result))
        if result.settings:
            console.print(f"[dim]settings: {json.dumps(result.settings, default=str)}[/dim]")
        if result.reason:
            console.print(f"[yellow]{result.status}: {result.reason}[/yellow]")
    met, missed = report.targets()
    colour = "green" if missed == 0 else "red"
    console.print(f"\n[bold {colour}]targets: {met} met, {missed} missed[/bold {colour}] (total {report.wall_s:.0f} s)")


def write_json(report: Report, path: Path) -> None:
    """Write the report as indented JSON (NaN written as null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_clean(report.as_json()), indent=2, default=str)
    path.write_text(text + "\n")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
