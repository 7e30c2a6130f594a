"""The cyclic garbage collector in a worker process.

A worker process lives long and holds a large heap: its engine, SQLAlchemy's and Celery's
state, and the blocks of recently written pages that the document pass reuses
(:mod:`storage.recent_blocks`). With CPython's default thresholds (700, 10, 10) a collection
of the young generation runs every 700 container allocations — a page's parse and its
pydantic blocks make thousands — and the older generations, which hold that large heap, are
walked every 7,000 and 70,000: in ``make bench``'s capacity scenario the collector took about
6% of a worker's CPU (``perf`` samples in ``gc_collect_main``, ``visit_decref``,
``visit_reachable``), against 0.3% with the settings below.

What a page allocates is short-lived and nearly free of reference cycles (lxml trees are C
objects; pydantic models and dicts form no cycles), so it is freed by reference counting and
the collector has little to find. :func:`tune_collector` therefore moves everything alive at
start (modules, the engine) out of the collector's reach (``gc.freeze``) and collects the young
generation every :data:`THRESHOLDS` ``[0]`` allocations: between two collections the cyclic
garbage that can pile up is a few MB at most.
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "tune_collector"]

THRESHOLDS = (20_000, 20, 20)
"""``gc.set_threshold`` of a worker process: young collections every 20,000 container
allocations, the middle generation every 20 of them, the oldest every 20 of those."""


def tune_collector() -> int:
    """Collect once, freeze what survives (it is never examined again) and set
    :data:`THRESHOLDS`; returns the number of objects frozen. Call it once the process has
    loaded what it keeps for its life (its engine), before it takes work."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return gc.get_freeze_count()
