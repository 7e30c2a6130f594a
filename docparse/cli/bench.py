"""``docparse bench``: the benchmarks of a source checkout (``make bench``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from docparse.cli.app import app, command, err


@command(app, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
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
