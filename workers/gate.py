"""The suspect gate: a page a worker already died on runs alone in its process.

Many pages are in flight in one worker process, so when the process dies nobody knows which
page killed it: every page it held counts one death. On the next delivery those pages are
*suspects* (:attr:`storage.claims.Claim.suspects`) and each runs with nothing else in flight
in its process (:meth:`SuspectGate.alone`), while ordinary pages share the process
(:meth:`SuspectGate.shared`). A page that kills its worker again is then the only one
counted, and an innocent neighbour of a poison page is counted at most once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SuspectGate:
    """A readers-writer lock that prefers the writer: ``shared`` for ordinary pages, ``alone``
    for suspects (which wait for the pages in flight to finish and keep new ones out)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._alone = False
        self._waiting_alone = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._alone and not self._waiting_alone)
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._cond:
            self._waiting_alone += 1
            try:
                self._cond.wait_for(lambda: not self._alone and self._shared == 0)
            finally:
                self._waiting_alone -= 1
            self._alone = True
        try:
            yield
        finally:
            with self._cond:
                self._alone = False
                self._cond.notify_all()
