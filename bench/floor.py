"""The in-process floor of a pipeline: what one page costs without a queue, a database or a worker.

The orchestration and capacity scenarios compare a worker host's CPU per page against it. One
run of a few dozen pages moved by up to half between runs on a busy VM, so the floor is the
median of several runs (after a one-page warm-up that loads what the first page would).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from docparse.engines.base import Engine
from docparse.pipeline import ParseOptions, parse_document

__all__ = ["FLOOR_ROUNDS", "in_process_ms"]

FLOOR_ROUNDS = 3


def in_process_ms(pdf: Path, engine: Engine, rounds: int = FLOOR_ROUNDS) -> float:
    """CPU ms per page of ``parse_document(pdf, engine)`` in this process, page images kept:
    the median of ``rounds`` runs of the whole document."""
    parse_document(pdf, engine, ParseOptions(keep_page_images=True, pages=[1]))  # warm up
    runs = []
    for _ in range(max(1, rounds)):
        start = time.process_time()
        outcome = parse_document(pdf, engine, ParseOptions(keep_page_images=True))
        runs.append((time.process_time() - start) * 1000 / max(1, len(outcome.document.pages)))
    return statistics.median(runs)
