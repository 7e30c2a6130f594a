"""``docparse eval``: score predictions against ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from docparse.cli.app import app, command


@command(app, "eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(exists=True, help="ground truth: docparse JSON or OmniDocBench JSON")],
    pred: Annotated[Path, typer.Argument(exists=True, help="predictions: docparse JSON export(s)")],
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the report as JSON here")] = None,
) -> None:
    """Score predictions against ground truth: text edit distance, table TEDS, detection F1, formulas, order."""
    from docparse.eval import render_table, run

    report = run(gold, pred, json_out=json_out)
    render_table(report, Console())
