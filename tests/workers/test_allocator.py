"""Worker processes keep page-sized buffers for reuse (:mod:`workers.allocator`).

Each case runs in a fresh interpreter: allocator settings are process-wide and apply to heaps made
after them. A thread (a worker's page work runs in pool threads, on heaps of their own) allocates,
fills and frees a 40 MB buffer again and again — the pixmap of a page near the model's largest
input (12.8 MP is 51 MB), above the largest mmap threshold glibc picks by itself (32 MB); the minor
page faults it costs after the first round tell whether the memory was reused or faulted in anew.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator: Linux only")

_PROBE = r"""
import json, os, sys, threading
from workers.allocator import tune_allocator
from workers.settings import WorkerSettings

tuned = tune_allocator(WorkerSettings().tune_malloc) if sys.argv[1] == "tune" else None
SIZE, ROUNDS = 40 * 1024 * 1024, 10
faults = []

def minflt():
    return int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[7])

def page_work():
    buf = b"\x01" * SIZE  # allocated and written through, like a pixmap cleared to white
    del buf
    start = minflt()
    for _ in range(ROUNDS):
        buf = b"\x01" * SIZE
        del buf
    faults.append((minflt() - start) / ROUNDS)

thread = threading.Thread(target=page_work)
thread.start()
thread.join()
print(json.dumps({"tuned": tuned, "faults_per_round": faults[0]}))
"""


_PAGES_PER_BUFFER = 40 * 1024 * 1024 // 4096


def _probe(mode: str, **env: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GLIBC_TUNABLES", "MALLOC_"))}
    environ.update(env, PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], env=environ, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout))


def test_page_buffers_are_reused_once_tuned() -> None:
    tuned = _probe("tune")
    assert tuned["tuned"] is True
    # reused: a few faults at most per 40 MB buffer, where a fresh mapping costs one per 4 kB page
    assert float(tuned["faults_per_round"]) < _PAGES_PER_BUFFER / 20, tuned  # type: ignore[arg-type]


def test_untuned_threads_fault_their_buffers_in_again() -> None:
    """What the tuning is for: without it glibc maps each buffer anew (the test above would then fail)."""
    plain = _probe("plain")
    assert float(plain["faults_per_round"]) > _PAGES_PER_BUFFER / 2, plain  # type: ignore[arg-type]


def test_operator_settings_win() -> None:
    """An operator's own glibc variables, or DOCPARSE_TUNE_MALLOC=false, leave the allocator alone."""
    from workers.allocator import tune_allocator

    assert tune_allocator(True, {"MALLOC_ARENA_MAX": "4"}) is False
    assert tune_allocator(True, {"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"}) is False
    assert tune_allocator(False, {}) is False
    assert _probe("tune", DOCPARSE_TUNE_MALLOC="false")["tuned"] is False
