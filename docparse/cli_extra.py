"""The service and measurement commands: serve, eval, bench."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    reload: Annotated[bool, typer.Option("--reload", help="restart on code changes (development)")] = False,
) -> None:
    """Run the REST API (uvicorn). With no broker configured it also starts a local worker process."""
    from pydantic import ValidationError

    from docparse.api import serve as run_server

    try:
        run_server(host=host, port=port, reload=reload)
    except ValidationError as exc:
        err.print(f"[red]invalid API settings:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None


def evaluate(
    gold: Annotated[Path, typer.Argument(exists=True, help="ground truth: docparse JSON or OmniDocBench JSON")],
    pred: Annotated[Path, typer.Argument(exists=True, help="predictions: docparse JSON export(s)")],
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the report as JSON here")] = None,
) -> None:
    """Score predictions against ground truth: text edit distance, table TEDS, detection F1, formulas, order."""
    from docparse.eval import render_table, run

    report = run(gold, pred, json_out=json_out)
    render_table(report, Console())


def bench(
    args: Annotated[list[str] | None, typer.Argument(help="options of the benchmark runner (see --help there)")] = None,
) -> None:
    """Run the benchmarks (`make bench`): every figure beside a baseline measured in the same run."""
    import importlib
    import sys

    if (Path.cwd() / "bench" / "__init__.py").exists() and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # the benchmarks are part of the source checkout, not the package
    try:
        bench_main = importlib.import_module("bench").main
    except ImportError:
        err.print("[red]the benchmarks live in the source checkout:[/red] run `make bench` from the repository root")
        raise typer.Exit(2) from None
    raise typer.Exit(bench_main(list(args or [])))


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("eval")(evaluate)
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(bench)
