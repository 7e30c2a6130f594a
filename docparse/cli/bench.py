"""``docparse bench``: the benchmarks of a source checkout (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from docparse.cli.app import app, command, err


def checkout_root() -> Path | None:
    """The source checkout docparse runs from (an editable install), if it has the benchmarks."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "bench" / "__init__.py").is_file() else None


@command(app, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    args: Annotated[list[str] | None, typer.Argument(help="options of the benchmark runner (see --help there)")] = None,
) -> None:
    """Run the benchmarks (`make bench`): every figure beside a baseline measured in the same run.

    The benchmarks are part of the source checkout, not of the installed package: this runs
    ``python -m bench`` in the checkout docparse is installed from (nothing is added to this
    process's import path)."""
    root = checkout_root()
    if root is None:
        err.print("[red]the benchmarks live in the source checkout:[/red] run `make bench` from the repository root")
        raise typer.Exit(2)
    raise typer.Exit(subprocess.call([sys.executable, "-m", "bench", *(args or [])], cwd=root))
