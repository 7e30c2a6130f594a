"""A skipped ``guarantee`` test fails the run: the proofs CI must never silently skip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO_ROOT

CASES = """
import pytest

@pytest.mark.guarantee
def test_guarantee_skipped_inside():
    pytest.skip("no torchvision")

@pytest.fixture
def missing():
    pytest.skip("no weights")

@pytest.mark.guarantee
def test_guarantee_skipped_by_a_fixture(missing):
    pass

def test_ordinary_skip():
    pytest.skip("fine")
"""


def test_a_skipped_guarantee_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("from tests.conftest import pytest_runtest_makereport  # noqa: F401\n")
    (tmp_path / "test_cases.py").write_text(CASES)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "markers=guarantee: x", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert result.returncode == 1
    assert "1 failed, 1 skipped, 1 error" in result.stdout, result.stdout + result.stderr  # setup: an error
    assert "guarantee test skipped: no torchvision" in result.stdout
