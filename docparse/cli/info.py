"""Information commands: ``models``, ``schema``, ``version``, and ``dev tiny-model``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from docparse.cli.app import app, command, dev_app


@command(app)
def models() -> None:
    """List the model presets (specs): model, coordinates, pixel budget, token limit."""
    from rich.table import Table

    from docparse.engines.specs import DEFAULT_SPEC, SPECS

    table = Table("spec", "model", "convention", "min_pixels", "max_pixels", "max_new_tokens")
    for name, spec in SPECS.items():
        label = f"{name} (default)" if name == DEFAULT_SPEC else name
        table.add_row(
            label, spec.model, spec.convention, str(spec.min_pixels), str(spec.max_pixels), str(spec.max_new_tokens)
        )
    Console(width=200 if not sys.stdout.isatty() else None).print(table)


@command(app)
def schema(
    name: Annotated[str, typer.Argument(help="document | block")] = "document",
) -> None:
    """Print the JSON Schema of the output (the checked-in files under schemas/jsonschema/)."""
    from schemas.generate import render, schemas

    key = f"{name}.schema.json"
    available = schemas()
    if key not in available:
        raise typer.BadParameter("use document or block")
    sys.stdout.write(render(available[key]))


@command(app)
def version() -> None:
    """Print the docparse and schema versions."""
    from docparse import __version__
    from schemas import SCHEMA_VERSION

    typer.echo(f"docparse {__version__} (schema {SCHEMA_VERSION})")


@command(dev_app, "tiny-model")
def tiny_model(
    directory: Annotated[Path, typer.Argument(help="where to save the tiny model")],
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Build a tiny randomly initialised Qwen2.5-VL (real config, tokenizer, processor) for trying the pipeline."""
    from docparse.engines.tiny_model import build_tiny_model

    path = build_tiny_model(directory, seed=seed)
    typer.echo(
        f"tiny Qwen2.5-VL saved to {path}; try: docparse parse samples/scan.png --engine transformers --model {path}"
    )
