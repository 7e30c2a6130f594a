"""Run the installed ``docparse`` console script as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.paths import REPO_ROOT

DOCPARSE = str(Path(sys.executable).with_name("docparse"))

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def docparse(tmp_path: Path) -> Run:
    """``docparse(*args, env=...)`` -> the finished process (stdout/stderr as text)."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
        environ.update({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"})
        environ.update(env or {})
        return subprocess.run(
            [DOCPARSE, *args], capture_output=True, text=True, env=environ, cwd=cwd, check=False, timeout=300
        )

    return run
