"""The worker's garbage-collector settings (workers/collector.py), in a fresh interpreter so
that this test process keeps its own."""

from __future__ import annotations

import json
import subprocess
import sys

from workers.collector import THRESHOLDS

SCRIPT = """
import gc, json, weakref
from workers.collector import tune_collector

class Node:
    pass

gc.disable()  # nothing collects the cycle but tune_collector
a, b = Node(), Node()
a.other, b.other = b, a
garbage = weakref.ref(a)
del a, b
before = gc.get_threshold()
frozen = tune_collector()
print(json.dumps([before, gc.get_threshold(), frozen, gc.get_freeze_count(), garbage() is None]))
"""


def test_tune_collector_collects_freezes_what_is_alive_and_sets_the_thresholds() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    before, after, frozen, freeze_count, collected = json.loads(out)
    assert tuple(before) != THRESHOLDS  # the interpreter's defaults: the call changed them
    assert tuple(after) == THRESHOLDS
    assert frozen == freeze_count > 1_000  # the modules imported so far, out of the collector's reach
    assert collected  # the unreachable cycle was collected before the freeze, not frozen with the rest
