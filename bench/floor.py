"""The in-process floor of a pipeline: what one page costs without a queue, a database or a worker.

The orchestration and capacity scenarios compare a worker host's CPU per page against it, on
documents of the shape the workers get (as many pages each): what a document costs once (opening
it, its fonts, an image its pages share) is spread over as many pages in both. One run of a few
dozen pages moved by up to half between runs on a busy VM, so the floor is the median of several
runs (after a one-page warm-up that loads what the first page would).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from docparse.engines.base import Engine
from docparse.pipeline import ParseOptions, parse_document

__all__ = ["FLOOR_ROUNDS", "in_process_ms"]

FLOOR_ROUNDS = 3


def in_process_ms(pdfs: Sequence[Path], engine: Engine, rounds: int = FLOOR_ROUNDS) -> float:
    """CPU ms per page of ``parse_document(pdf, engine)`` for each of ``pdfs`` in this process,
    page images kept: the median of ``rounds`` runs over all the documents."""
    parse_document(pdfs[0], engine, ParseOptions(keep_page_images=True, pages=[1]))  # warm up
    runs = []
    for _ in range(max(1, rounds)):
        start, pages = time.process_time(), 0
        for pdf in pdfs:
            pages += len(parse_document(pdf, engine, ParseOptions(keep_page_images=True)).document.pages)
        runs.append((time.process_time() - start) * 1000 / max(1, pages))
    return statistics.median(runs)
