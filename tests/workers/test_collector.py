"""The worker's garbage-collector settings (workers/collector.py), in a fresh interpreter so
that this test process keeps its own."""

from __future__ import annotations

import json
import subprocess
import sys

from workers.collector import THRESHOLDS


def test_tune_collector_freezes_what_is_alive_and_sets_the_thresholds() -> None:
    script = (
        "import gc, json; from workers.collector import tune_collector; "
        "before = gc.get_threshold(); frozen = tune_collector(); "
        "print(json.dumps([before, gc.get_threshold(), frozen, gc.get_freeze_count(), gc.get_count()[0]]))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    before, after, frozen, freeze_count, young = json.loads(out)
    assert tuple(before) != THRESHOLDS  # the interpreter's defaults: the call changed them
    assert tuple(after) == THRESHOLDS
    assert frozen == freeze_count > 1_000  # the modules imported so far, out of the collector's reach
    assert young < 100  # collected just before freezing
