"""The pages a worker process holds at once for a remote engine: claimed, rendered, at the server,
being parsed or saved.

A task thread runs the pages of one document (``pages_per_task`` at most), so with only task
threads to bound them, a process full of one-page documents kept one page per thread in flight:
a quarter of a vLLM server's 64 slots with the default threads (``make bench``: 15 pages/s against
a 64 pages/s server). With a budget the process runs as many task threads as the budget has
pages, ``render_ahead x`` its share of the server's requests (:func:`workers.capacity.plan`),
and the budget bounds what they hold however the pages are spread over documents: the threads of
one-page documents fill the server; those of large ones take up to ``pages_per_task`` pages each
and the threads left over wait here, holding only their queue message (which another process or
host cannot take meanwhile: so the process reserves only the tasks holding pages and a short line,
:mod:`workers.prefetch`, which follows this budget through :meth:`PageBudget.observe`). Rendered
images in memory stay bounded by the budget.
A prefork pool's child runs one task at a time and gets no budget (:func:`in_prefork_child`).

Waiting threads are served first come, first served (a task of a small document that arrived
first is not overtaken by later ones), each once all it asked for is free: granting a task part
of its pages fragmented the budget into tasks of a page or two, each paying a task's claim,
message and document opening (1 process, 10-page documents: 21.8-25.2 ms of worker CPU per page
against 19.6-22.0 with whole grants, runs of the same hour); a task gives back
what its claim did not use as soon as it knows (a one-page document's task asks for
:meth:`PageBudget.task_pages` and keeps one). A worker told to shut down does not
start the tasks still waiting: they leave the line, claim nothing and send their step of the
document's chain back to the queue, so a warm shutdown waits only for the pages held.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import structlog

__all__ = ["Grant", "PageBudget", "in_prefork_child", "needed", "unbounded", "worker_stopping"]

_log = structlog.get_logger("docparse.workers")


@dataclass
class _Waiter:
    wanted: int
    granted: int = 0
    ready: threading.Event = field(default_factory=threading.Event)


@dataclass
class Grant:
    """Pages a task may hold (:meth:`PageBudget.hold`); ``keep(n)`` gives back the rest early."""

    budget: PageBudget | None
    pages: int

    def keep(self, pages: int) -> None:
        """Keep only ``pages`` of the grant (what the claim took); the rest goes back at once."""
        pages = max(0, min(pages, self.pages))
        if self.budget is not None and pages < self.pages:
            self.budget.release(self.pages - pages)
        self.pages = pages


TASK_SHARE = 4
"""A task asks for at most ``1/TASK_SHARE`` of the budget (:meth:`PageBudget.task_pages`)."""

Observer = Callable[[int], None]
"""Told the tasks holding a grant (:meth:`PageBudget.hold`) that began after it started observing,
each time their number changes, under the budget's lock (so calls arrive in order; it must not
call back into the budget)."""


class PageBudget:
    """A counting semaphore over pages, first come first served."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a page budget needs at least one page, not {limit}")
        self.limit = limit
        self._free = limit
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()
        self._holders = 0  # holds that began since the observer started observing (this epoch)
        self._epoch = 0
        self._observer: Observer | None = None

    def task_pages(self, pages_per_task: int) -> int:
        """The pages a task asks for: ``pages_per_task``, but at most a quarter of the budget. A
        task asks before its claim and keeps what the claim took, so a one-page document's task
        asking for a whole budget of 16 held it alone until its page was done: one request at the
        server instead of the process's 8; the next one-page task starts only once that many are
        free, so one-page documents hold at most ``budget - asked + 1`` pages: with a quarter, 3/4
        of the budget, 1.5x the process's share of the server's requests at the default
        render-ahead of 2 (4 processes: 25 pages for 16 requests, where asking for 16 left 17).
        One process at the defaults (128 pages, 16 per task): as set."""
        return max(1, min(pages_per_task, math.ceil(self.limit / TASK_SHARE)))

    def observe(self, observer: Observer | None) -> None:
        """Tell ``observer`` the holders now and on every change (``None``: stop); the worker's
        prefetch follows them (:mod:`workers.prefetch`). A new observer counts only the tasks that
        call :meth:`hold` from now on: after a broker reconnect the consumer starts again with a new
        observer, and the tasks still running from the old connection take no place in its
        prefetch (their messages were reserved on the connection that was lost)."""
        with self._lock:
            self._observer = observer
            if observer is not None:
                self._epoch += 1
                self._holders = 0
            self._changed()

    def _changed(self) -> None:
        """Tell the observer (lock held); what it raises is logged, never the budget's caller's."""
        if self._observer is not None:
            try:
                self._observer(self._holders)
            except Exception:
                _log.exception("page_budget.observer_failed")

    def acquire(self, wanted: int, *, stop: Callable[[], bool] | None = None, poll_s: float = 1.0) -> int:
        """Block until this caller is first in line and ``wanted`` pages are free (at least one,
        at most the budget); take them. Returns the pages taken: ``0`` when ``stop()`` — asked
        every ``poll_s`` while waiting, and once more when a wait ends in a grant (given back
        then) — said to give up: the worker is shutting down."""
        wanted = max(1, min(wanted, self.limit))
        with self._lock:
            if not self._waiters and self._free >= wanted:
                self._free -= wanted
                return wanted
            waiter = _Waiter(wanted)
            self._waiters.append(waiter)
        while not waiter.ready.wait(poll_s if stop is not None else None):
            if stop is not None and stop():
                with self._lock:
                    if not waiter.ready.is_set():  # still in line: leave it, and serve those behind
                        self._waiters.remove(waiter)
                        self._serve()
                        return 0
        if stop is not None and stop():  # granted as the shutdown began: not started either
            self.release(waiter.granted)
            return 0
        return waiter.granted

    def release(self, pages: int) -> None:
        """Give ``pages`` back and serve the waiters first in line."""
        with self._lock:
            if self._free + pages > self.limit:
                raise RuntimeError(f"page budget over-released: {pages} back with {self._free} of {self.limit} free")
            self._free += pages
            self._serve()

    def _serve(self) -> None:
        """Grant the waiters first in line what they asked for while it is free (lock held)."""
        while self._waiters and self._free >= self._waiters[0].wanted:
            waiter = self._waiters.popleft()
            waiter.granted = waiter.wanted
            self._free -= waiter.granted
            waiter.ready.set()

    @property
    def in_use(self) -> int:
        """Pages held now."""
        with self._lock:
            return self.limit - self._free

    @property
    def waiting(self) -> int:
        """Callers waiting for pages now."""
        with self._lock:
            return len(self._waiters)

    @contextmanager
    def hold(self, wanted: int, *, stop: Callable[[], bool] | None = None) -> Iterator[Grant]:
        """Take up to ``wanted`` pages (:meth:`acquire`) for the ``with`` block; what is still
        held is given back when it ends, however it ends. ``grant.pages`` is 0 when ``stop()``
        ended the wait."""
        with self._lock:
            epoch = self._epoch  # the task's message came on the connection of this epoch
        grant = Grant(self, self.acquire(wanted, stop=stop))
        held = grant.pages > 0
        try:
            if held:
                self._holding(+1, epoch)
            yield grant
        finally:
            if grant.pages:
                self.release(grant.pages)
                grant.pages = 0
            if held:
                self._holding(-1, epoch)

    def _holding(self, change: int, epoch: int) -> None:
        with self._lock:
            if epoch == self._epoch:  # an earlier observer's holders are not this one's
                self._holders += change
                self._changed()


@contextmanager
def unbounded(wanted: int) -> Iterator[Grant]:
    """A grant of ``wanted`` pages without a budget (engines in process: their threads bound them)."""
    yield Grant(None, wanted)


_prefork_child = False


def in_prefork_child() -> None:
    """Mark this process as a child of a prefork pool (``worker_process_init``): it runs one task
    at a time, so it gets no page budget (:func:`needed`)."""
    global _prefork_child
    _prefork_child = True


def needed() -> bool:
    """Whether this process may run several tasks at once (a thread pool): a prefork child never does."""
    return not _prefork_child


def worker_stopping() -> bool:
    """Whether this Celery worker process was told to shut down (warm or cold)."""
    from celery.worker import state

    # the flags hold the exit code, 0 for a clean warm shutdown (as celery.worker.state.maybe_shutdown reads them)
    return any(flag is not None and flag is not False for flag in (state.should_stop, state.should_terminate))
