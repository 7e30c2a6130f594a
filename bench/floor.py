"""The in-process floor of a pipeline: what one page costs without a queue, a database or a worker.

The orchestration and capacity scenarios compare a worker host's CPU per page against it, on
documents of the shape the workers get (as many pages each): what a document costs once (opening
it, its fonts, an image its pages share) is spread over as many pages in both. One run of a few
dozen pages moved by up to half between runs on a busy VM, so the floor is the median of several
runs (after a one-page warm-up that loads what the first page would); the scenarios take runs
before and after their worker hosts run, so a VM that speeds up or slows down during the scenario
moves the floor and the workers alike (the same VM's floor moved between 10.6 and 14.4 ms/page
from one scenario run to the next).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from docparse.engines.base import Engine
from docparse.pipeline import ParseOptions, parse_document

__all__ = ["FLOOR_ROUNDS", "in_process_ms", "in_process_runs"]

FLOOR_ROUNDS = 3


def in_process_ms(pdfs: Sequence[Path], engine: Engine, rounds: int = FLOOR_ROUNDS) -> float:
    """The median of :func:`in_process_runs`."""
    return statistics.median(in_process_runs(pdfs, engine, rounds))


def in_process_runs(pdfs: Sequence[Path], engine: Engine, rounds: int = FLOOR_ROUNDS) -> list[float]:
    """CPU ms per page of ``parse_document(pdf, engine)`` for each of ``pdfs`` in this process,
    page images kept: one figure per run over all the documents, ``rounds`` runs."""
    parse_document(pdfs[0], engine, ParseOptions(keep_page_images=True, pages=[1]))  # warm up
    runs = []
    for _ in range(max(1, rounds)):
        start, pages = time.process_time(), 0
        for pdf in pdfs:
            pages += len(parse_document(pdf, engine, ParseOptions(keep_page_images=True)).document.pages)
        runs.append((time.process_time() - start) * 1000 / max(1, pages))
    return runs
