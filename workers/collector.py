"""The cyclic garbage collector in a worker process.

A worker process lives long and holds a large heap: its engine, SQLAlchemy's and Celery's
state, and the blocks of recently written pages that the document pass reuses
(:mod:`storage.recent_blocks`). CPython (3.11) runs a young collection when the container
objects allocated minus those freed pass the first threshold (700 by default), a collection
of the middle generation every 10 young ones and a full one every 10 of those, once the
objects promoted since the last full collection exceed a quarter of the long-lived ones. A
page's working set (its parse, its pydantic blocks) raises that count by thousands, so the
young collections run every page or so whatever the threshold, and the full collections walk
that large heap: in ``make bench``'s capacity scenario the collector took about 6% of a
worker's CPU (``perf`` samples in ``gc_collect_main``, ``visit_decref``, ``visit_reachable``).

:func:`tune_collector` moves everything alive at start (modules, the engine) out of the
collector's reach (``gc.freeze``) and sets :data:`THRESHOLDS`. Measured over 810 pages of the
capacity scenario (1 process): 432 young, 38 middle and 4 full collections against 1,662,
151 and 13 at the defaults; the collector's share of the CPU 0.3%; cyclic garbage is still
found within a page or two (about 30 objects a page, 24k in all against 18k), and the
process's peak RSS, dominated by the rendered pages in flight, was 1,085 MB against 1,005.

What this gives up: the count bounds objects, not bytes, so a workload whose pages left few
but large reference cycles (a cycle holding a page image) would keep more of them alive
between collections than the defaults do; and an object alive at the freeze that later
becomes part of a garbage cycle (a connection pool replaced after a reconnect) is never
collected.
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "tune_collector"]

THRESHOLDS = (20_000, 20, 20)
"""``gc.set_threshold`` of a worker process: a young collection once 20,000 more container
objects are alive than after the last one, the middle generation every 20 of those, the oldest
every 20 middle ones (and the quarter rule above)."""


def tune_collector() -> int:
    """Collect once, freeze what survives (it is never examined again) and set
    :data:`THRESHOLDS`; returns the number of objects frozen. Call it once the process has
    loaded what it keeps for its life (its engine), before it takes work."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return gc.get_freeze_count()
