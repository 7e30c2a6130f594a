"""The pages this process holds: its worker id, its heartbeat and its page time limit.

One :class:`LeaseKeeper` per process (:func:`keeper`). Every page a task processes is
:meth:`~LeaseKeeper.holding` while it runs; a daemon thread wakes every
``heartbeat_s`` and

- renews the leases this process holds (one statement), so a live worker keeps its pages
  however long they take, and a dead one loses them ``recover_after_s`` after its last beat;
- enforces the page time limit (``task_time_limit_s``): a page running longer is handed to
  ``on_overrun``, which fails it with the reason and ends the process (a thread cannot be
  stopped; the worker's supervisor starts a fresh process). Only in worker processes
  (:func:`enforce_time_limits`), never in a CLI or API process running tasks in process.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import structlog

from workers.faults import failed_page
from workers.gate import SuspectGate

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database
    from workers.settings import WorkerSettings

log = structlog.get_logger("docparse.workers")

PageKey = tuple[str, int]
Overrun = Callable[["LeaseKeeper", PageKey, float], None]

_enforce = False

EXIT_TIME_LIMIT = 5
"""Exit status of a worker process that ended itself because a page ran over the time limit."""


def enforce_time_limits(on: bool = True) -> None:
    """Called by the worker process lifecycle: page time limits end this process when hit."""
    global _enforce
    _enforce = on


def new_worker_id() -> str:
    """``host:pid:random`` — unique per process start (a restarted pid is another worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseKeeper:
    """The pages one process holds, their heartbeat and their time limit (see the module docstring)."""

    def __init__(self, db: Database, settings: WorkerSettings, on_overrun: Overrun | None = None) -> None:
        self.db = db
        self.settings = settings
        self.worker_id = new_worker_id()
        self.gate = SuspectGate()
        self.on_overrun = on_overrun
        self._held: dict[PageKey, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="docparse-heartbeat", daemon=True)
        self._thread.start()

    @contextmanager
    def holding(self, document_id: str, number: int) -> Iterator[None]:
        """Mark the page as running in this process (its start time feeds the time limit)."""
        key = (document_id, number)
        with self._lock:
            self._held[key] = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(key, None)

    def held(self) -> list[PageKey]:
        """The pages running in this process now."""
        with self._lock:
            return list(self._held)

    def stop(self) -> None:
        self._stop.set()

    def beat(self) -> None:
        """One heartbeat: renew leases, then check the time limit."""
        with self.db.unit_of_work() as uow:
            uow.claims.renew(self.worker_id, self.settings.recover_after_s)
            uow.commit()
        if not _enforce or self.on_overrun is None:
            return
        limit = float(self.settings.task_time_limit_s)
        now = time.monotonic()
        with self._lock:
            over = [(key, now - start) for key, start in self._held.items() if now - start > limit]
        for key, elapsed in over[:1]:
            self.on_overrun(self, key, elapsed)

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_s):
            try:
                self.beat()
            except Exception as exc:  # the database may be away: try again at the next beat
                log.warning("heartbeat.failed", worker=self.worker_id, error=repr(exc))


def on_overrun(keeper: LeaseKeeper, key: PageKey, elapsed_s: float) -> None:
    """A page ran over the time limit in this worker process: fail it with the reason, give the
    other pages of this process back (no death counted on them) and end the process — a thread
    cannot be interrupted; the supervisor starts a fresh process and the reconciler (or the
    broker) brings the given-back pages to another worker."""
    document_id, number = key
    limit = keeper.settings.task_time_limit_s
    reason = f"time limit: the page ran over {limit} s ({elapsed_s:.0f} s)"
    log.error("page.time_limit", document=document_id, page=number, elapsed_s=round(elapsed_s, 1))
    try:
        with keeper.db.unit_of_work() as uow:
            uow.pages.save_results([(document_id, failed_page(number, reason))])
            uow.claims.finish(document_id, [number], keeper.worker_id)
            for other_doc, other in keeper.held():
                if (other_doc, other) != key:
                    uow.claims.give_back(other_doc, [other], keeper.worker_id)
            uow.commit()
    finally:
        os._exit(EXIT_TIME_LIMIT)
