"""The intake service and the enqueue client stay light: no torch, no model runtime, no task code."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO_ROOT

HEAVY = ("torch", "transformers", "docparse.engines.transformers_engine", "docparse.engines.openai_engine")


def _loaded_after(statement: str, names: tuple[str, ...]) -> list[str]:
    code = f"import sys\n{statement}\nprint(','.join(n for n in {names!r} if n in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return [n for n in out.stdout.strip().split(",") if n]


def test_ingest_client_and_app_load_no_model_runtime() -> None:
    names = (*HEAVY, "workers.tasks", "workers.jobs", "docparse.pipeline")
    assert _loaded_after("import docparse.intake, workers.client, workers.worker", names) == []


def test_the_tasks_load_no_model_runtime_until_an_engine_is_built() -> None:
    assert _loaded_after("import workers.tasks", HEAVY) == []
