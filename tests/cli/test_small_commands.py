"""The small commands, and the README documenting every command."""

from __future__ import annotations

import json
import re
from pathlib import Path

from docparse.cli import app
from schemas import SCHEMA_VERSION
from tests.cli.conftest import Run
from tests.paths import REPO_ROOT


def _command_names() -> list[str]:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return names


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    names = _command_names()
    assert {"parse", "parse-html", "models", "schema", "version", "dev tiny-model"} <= set(names)
    for name in names:
        assert re.search(rf"`docparse {re.escape(name)}[ `]", readme), f"`docparse {name}` is not in the README"


def test_version_and_models(docparse: Run) -> None:
    version = docparse("version")
    assert version.returncode == 0 and f"schema {SCHEMA_VERSION}" in version.stdout
    models = docparse("models")
    assert models.returncode == 0
    for name in ("qwen2.5-vl-3b", "qwen2.5-vl-7b", "qwen2.5-vl-32b", "qwen2.5-vl-72b"):
        assert name in models.stdout


def test_schema_prints_the_checked_in_schema(docparse: Run) -> None:
    result = docparse("schema")
    assert result.returncode == 0
    on_disk = (REPO_ROOT / "schemas" / "jsonschema" / "document.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout) == json.loads(on_disk)


def test_bench_runs_the_checkout_benchmarks_without_touching_the_import_path(docparse: Run, tmp_path: Path) -> None:
    """From any directory, ``docparse bench`` runs the checkout's ``python -m bench``; the CLI
    process never puts the current directory on its import path."""
    result = docparse("bench", "--", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--only" in result.stdout  # the benchmark runner's own help, found from another directory
