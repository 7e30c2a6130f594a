"""Suite-wide set-up: the measuring instruments of tests and bench are engine plugins.

``bench-sleep`` is not a product engine: it exists here because this module registers it
(in this process, and through ``DOCPARSE_ENGINE_PLUGINS`` in the processes tests start).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import bench.sleep_engine
import docparse.mupdf  # noqa: F401  # first: PyMuPDF as docparse loads it, not as `import pymupdf` would

os.environ["DOCPARSE_ENGINE_PLUGINS"] = bench.sleep_engine.PLUGIN
# the processes tests start (console scripts, workers) import the plugin from the checkout
_ROOT = str(Path(__file__).resolve().parents[1])
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH", "")) if p)


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    """A skipped ``guarantee`` test is a failure: those proofs must run everywhere, CI included."""
    if (
        call.when not in ("setup", "call")
        or call.excinfo is None
        or not call.excinfo.errisinstance(pytest.skip.Exception)
    ):
        return None
    if item.get_closest_marker("guarantee") is None:
        return None
    report = pytest.TestReport.from_item_and_call(item, call)
    report.outcome = "failed"
    report.longrepr = f"guarantee test skipped: {call.excinfo.value}"
    return report
