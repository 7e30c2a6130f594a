"""glibc's allocator, set for worker processes: page-sized buffers are reused, not faulted in anew.

A worker process renders, encodes and frees page-sized buffers from many threads: a 1,100 x 1,400
page is a 6 MB pixmap, 4.7 MB of PNG rows and a few hundred kB of PNG, base64 and JSON. glibc
serves large requests with fresh mappings (above its mmap threshold) and hands the free top of a
thread's heap back to the kernel, so the next page's buffers are faulted in again, a 4 kB page at
a time. Measured in ``make bench`` (capacity scenario, one worker process): ~540 minor page faults
per page against ~40 in the single-threaded in-process pipeline, whose main heap keeps its memory.

:func:`tune_allocator` fixes the thresholds (buffers up to :data:`MMAP_THRESHOLD` come from the heap
and are reused; up to :data:`TRIM_THRESHOLD` of free memory stays with each heap) and caps the
heaps at :data:`ARENA_MAX`, which bounds what that keeps. Measured there: ~70 faults per page, the
worker's CPU per page 21.5-22.9 -> 19.6 ms (system time 3.6-4.2 -> 2.7 ms).

Workers call it at start (``worker_init``, before the pool's threads exist; forked pool processes
inherit it). It does nothing off glibc, with ``DOCPARSE_TUNE_MALLOC=false``
(``WorkerSettings.tune_malloc``), or when the operator set glibc's own variables
(``GLIBC_TUNABLES``, ``MALLOC_ARENA_MAX``, ...): theirs win.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Mapping

__all__ = ["ARENA_MAX", "MMAP_THRESHOLD", "TRIM_THRESHOLD", "tune_allocator"]

MMAP_THRESHOLD = 64 * 1024 * 1024
"""Requests up to this come from the heap: above the largest page buffer (12.8 MP x 4 bytes)."""
TRIM_THRESHOLD = 128 * 1024 * 1024
"""Free memory a heap keeps before returning its top to the kernel."""
ARENA_MAX = 2
"""Heaps per process: threads share them (Python's GIL serialises most allocation anyway)."""

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # mallopt parameters (malloc.h)
_OPERATOR_VARIABLES = (
    "GLIBC_TUNABLES",
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
)


def tune_allocator(enabled: bool = True, environ: Mapping[str, str] | None = None) -> bool:
    """Set the thresholds and the arena cap above; ``True`` when glibc took all three."""
    env = os.environ if environ is None else environ
    if not enabled or any(name in env for name in _OPERATOR_VARIABLES):
        return False
    libc = _glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    done = [
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        mallopt(_M_ARENA_MAX, ARENA_MAX),
    ]
    return all(result == 1 for result in done)


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (``gnu_get_libc_version`` exists), else ``None``."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None
    return libc
