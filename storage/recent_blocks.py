"""The blocks of pages this process wrote lately, so the document pass need not read them back.

The worker that stores a document's last page runs the document pass on every page of it
(:mod:`workers.document_pass`). Reading the blocks back and validating them again costs more
CPU than the pass itself (about 50 KiB of JSON per dense page), while the process still holds
the validated blocks of the pages it wrote itself. :class:`RecentBlocks` keeps those, with the
time they were written (the ``updated_at`` the page row got), bounded in pages.

Correctness rests on one comparison: a remembered page is used only while its row's
``updated_at`` still equals the time it was written. Any later write of the page — a
correction, a reset, a redelivered task in another process, a delete and a new upload of the
same document — sets another ``updated_at``, and a write that rolled back left the row's
earlier one; either way the page is read from the database again. Pages whose stored JSON is
not exactly their blocks (a NUL character replaced on the way in) are never remembered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from schemas import Block

__all__ = ["RecentBlocks"]


class RecentBlocks:
    """A bounded, thread-safe memory of ``(document, page) -> (written_at, blocks)``. Once more
    than ``capacity`` pages are held, the documents written to least recently are dropped, whole;
    a document that alone would hold more keeps the pages it has and remembers no more (its pass
    reads the others). ``capacity`` 0 remembers nothing."""

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.capacity = capacity
        self._documents: OrderedDict[str, dict[int, tuple[datetime, list[Block]]]] = OrderedDict()
        self._pages = 0
        self._lock = threading.Lock()

    def hold_at_least(self, pages: int) -> None:
        """Raise the capacity to ``pages`` (never lower it); a memory of capacity 0 stays off."""
        with self._lock:
            if self.capacity:
                self.capacity = max(self.capacity, pages)

    def __len__(self) -> int:
        """Pages held."""
        return self._pages

    def remember(self, document_id: str, number: int, written_at: datetime, blocks: Sequence[Block]) -> None:
        """Hold the blocks page ``number`` of the document was written with at ``written_at``
        (replacing what was held for it)."""
        with self._lock:
            pages = self._documents.pop(document_id, None) or {}
            if number in pages or len(pages) < self.capacity:
                self._pages += 0 if number in pages else 1
                pages[number] = (written_at, list(blocks))
            if pages:
                self._documents[document_id] = pages  # the most recently written to, last
            while self._pages > self.capacity:  # (never this document: it holds at most capacity)
                _, dropped = self._documents.popitem(last=False)
                self._pages -= len(dropped)

    def take(self, document_id: str) -> dict[int, tuple[datetime, list[Block]]]:
        """What is held for the document (page number -> written at, blocks), no longer held:
        the document pass is its one reader."""
        with self._lock:
            pages = self._documents.pop(document_id, None) or {}
            self._pages -= len(pages)
            return pages
