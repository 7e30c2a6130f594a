"""The pages this process holds: its worker id, its heartbeat and its page time limit.

One :class:`LeaseKeeper` per process (:func:`keeper`). Every page a task processes is
:meth:`~LeaseKeeper.holding` while it runs; a daemon thread wakes every
``heartbeat_s`` and

- renews the leases this process holds (one statement), so a live worker keeps its pages
  however long they take, and a dead one loses them ``recover_after_s`` after its last beat;
- looks up the status of the documents whose pages it holds (one statement) and sets the
  cancellation token (:class:`docparse.cancellation.Cancellation`) of each hold on a document
  that was cancelled or deleted meanwhile: the page in progress stops at its next safe point
  (:func:`docparse.pipeline.process_pages`) and is given back, so a cancel interrupts work in
  flight within about one heartbeat, without a query per page step;
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import structlog

from docparse.cancellation import Cancellation
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
        self._tokens: dict[str, list[Cancellation]] = {}  # document -> the tokens of its holds
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="docparse-heartbeat", daemon=True)
        self._thread.start()

    @contextmanager
    def holding(self, document_id: str, numbers: Iterable[int]) -> Iterator[Cancellation]:
        """Mark the pages of the document as running in this process (their start time feeds the
        time limit) and yield a fresh token for their work: the heartbeat sets it once the document
        is cancelled or deleted (a token lives only as long as its hold, so a document cancelled,
        then reprocessed, is worked on again with a token that is not set)."""
        keys = [(document_id, number) for number in numbers]
        token = Cancellation()
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._held[key] = now
            self._tokens.setdefault(document_id, []).append(token)
        try:
            yield token
        finally:
            with self._lock:
                for key in keys:
                    self._held.pop(key, None)
                tokens = self._tokens.get(document_id, [])
                if token in tokens:
                    tokens.remove(token)
                if not tokens:
                    self._tokens.pop(document_id, None)

    def held(self) -> list[PageKey]:
        """The pages running in this process now."""
        with self._lock:
            return list(self._held)

    def stop(self) -> None:
        self._stop.set()

    def beat(self) -> None:
        """One heartbeat: renew leases, interrupt the work of cancelled or deleted documents, then
        check the time limit."""
        with self._lock:  # only holds that exist before the lookup: a newer one may follow a reprocess
            watched = {document_id: list(tokens) for document_id, tokens in self._tokens.items()}
        with self.db.unit_of_work() as uow:
            uow.claims.renew(self.worker_id, self.settings.recover_after_s)
            statuses = uow.claims.statuses(list(watched)) if watched else {}
            uow.commit()
        self._interrupt(watched, statuses)
        self._check_time_limit()

    def _interrupt(self, watched: Mapping[str, list[Cancellation]], statuses: Mapping[str, str]) -> None:
        for document_id, tokens in watched.items():
            status = statuses.get(document_id)
            if status is not None and status != "cancelled":
                continue
            reason = "the document was deleted" if status is None else "the document was cancelled"
            fresh = [token for token in tokens if not token.is_set()]
            for token in fresh:
                token.set(reason)
            if fresh:
                log.info("page.interrupt", worker=self.worker_id, document=document_id, reason=reason)

    def _check_time_limit(self) -> None:
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
            for other_doc, other in keeper.held():
                if (other_doc, other) != key:
                    uow.claims.give_back(other_doc, [other], keeper.worker_id)
            uow.commit()
    finally:
        os._exit(EXIT_TIME_LIMIT)
