"""A remote engine's worker process reserves only the tasks it can start soon: its prefetch follows
its page budget.

Celery reserves ``threads x worker_prefetch_multiplier`` messages per worker process. A remote
engine's process runs as many task threads as its page budget has pages (:mod:`workers.page_budget`,
128 at the defaults), because one-page documents need a task — a thread — per page. Tasks of
larger documents take up to ``pages_per_task`` pages each, so 8 of them fill that budget and the
other threads wait in its line, each holding a reserved message that no other process or host can
take meanwhile: a batch's tail waits in one host's line while another host idles, and a host added
to work off a backlog finds the queue emptied into the lines of the hosts already running (4
processes x 120 messages x 16 pages: about 7,700 pages per host).

So a process reserves the tasks holding a grant and a short line behind them,
:func:`line_tasks`: as the holders come and go, :class:`PrefetchLimiter` lowers and raises
Celery's prefetch count by the difference, through the consumer's own eventual updates (its
event loop applies them, as it does for ETA tasks). It starts at the line alone, so a worker
that starts (or reconnects) takes no more than that before its first tasks hold pages. One-page
documents keep one page per task, so their holders — and the prefetch with them — grow to the
budget; 10-page documents settle at 8 holders and the line. Messages already reserved stay
reserved (a broker does not take them back): lowering the count only stops new deliveries.

:class:`BudgetPrefetch` is the consumer bootstep that does it in a worker process with a thread
pool and a page budget; a prefork pool's parent, an in-process engine and embedded mode keep
Celery's prefetch as it is. Celery's own reduction after a reconnect (``worker_enable_prefetch_
count_reduction``) is turned off where this runs: it sets the count outright, and this already
counts the tasks still running.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import structlog
from celery import bootsteps

from workers.page_budget import PageBudget

__all__ = ["BudgetPrefetch", "PrefetchLimiter", "line_tasks"]

log = structlog.get_logger("docparse.workers")

LINE_SHARE = 4
"""The line reserved behind the holders is a ``1/LINE_SHARE`` of the budget's worth of tasks."""
MIN_LINE = 2


def line_tasks(budget_pages: int, pages_per_task: int) -> int:
    """Tasks a process reserves beyond those holding pages: a quarter of the budget's worth of
    full tasks, at least :data:`MIN_LINE` (2 with the defaults, 128 pages and 16 per task) — enough
    that a task finishing finds the next one already reserved while the consumer fetches more."""
    return max(MIN_LINE, math.ceil(budget_pages / max(1, pages_per_task) / LINE_SHARE))


class PrefetchLimiter:
    """Keeps a consumer's prefetch at ``holders + line`` tasks (never over ``ceiling``, the count
    Celery set) as a :class:`~workers.page_budget.PageBudget` observer.

    ``qos`` is the consumer's :class:`kombu.common.QoS`; changes go through its
    ``increment_eventually``/``decrement_eventually``, which others (ETA tasks) use too, so this
    moves it by differences and keeps its own reduction. ``reduction``: how far below ``ceiling``
    the count is when this starts (the consumer started at the line alone). ``wake``: called after
    each rise, to wake the consumer's event loop — which otherwise applies the new count only when
    something else wakes it (up to a second later, with no message it may take): one-page
    documents, a completion every few tens of milliseconds, then ran at a third of the server's
    capacity."""

    def __init__(
        self, qos: Any, ceiling: int, line: int, reduction: int = 0, wake: Callable[[], None] | None = None
    ) -> None:
        self.qos = qos
        self.ceiling = max(1, ceiling)
        self.line = max(1, line)
        self.reduction = reduction
        self.wake = wake
        self._lock = threading.Lock()

    def target(self, holders: int) -> int:
        """The prefetch count for ``holders`` tasks holding pages."""
        return max(1, min(self.ceiling, holders + self.line))

    def __call__(self, holders: int, waiters: int) -> None:
        with self._lock:
            reduction = self.ceiling - self.target(holders)
            change, self.reduction = reduction - self.reduction, reduction
            if change > 0:
                self.qos.decrement_eventually(change)
            elif change < 0:
                self.qos.increment_eventually(-change)
        if change < 0 and self.wake is not None:
            self.wake()


def _budget_of(consumer: Any) -> tuple[PageBudget, int] | None:
    """The page budget of this worker process and its pages per task, when its tasks run on its
    own thread pool with a budget."""
    from celery.concurrency.thread import TaskPool

    if not isinstance(getattr(consumer, "pool", None), TaskPool):
        return None
    from workers.page_job import budget_pages
    from workers.runtime import runtime_for

    rt = runtime_for(consumer.app)
    budget = rt.page_budget(budget_pages)
    return None if budget is None else (budget, budget.task_pages(rt.settings.pages_per_task))


class BudgetPrefetch(bootsteps.StartStopStep):  # type: ignore[misc]  # (celery is untyped)
    """Consumer bootstep: the prefetch follows the page budget (see the module docstring)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c: Any, **kwargs: Any) -> None:
        super().__init__(c, **kwargs)
        found = _budget_of(c)
        self.budget: PageBudget | None = found[0] if found else None
        self.line = 0
        if found is not None and c.initial_prefetch_count:  # (0: prefetch unlimited, left alone)
            budget, pages_per_task = found
            self.line = min(c.initial_prefetch_count, line_tasks(budget.limit, pages_per_task))
            c.initial_prefetch_count = self.line  # what the task consumer starts with (Tasks.start)
            c.app.conf.worker_enable_prefetch_count_reduction = False

    def start(self, c: Any) -> None:
        if self.budget is None or not self.line:
            return
        ceiling = c.max_prefetch_count
        hub, qos = c.hub, c.qos
        wake = (lambda: hub.call_soon(qos.update)) if hub is not None else None
        limiter = PrefetchLimiter(qos, ceiling, self.line, reduction=ceiling - qos.value, wake=wake)
        self.budget.observe(limiter)
        log.info("worker.prefetch_follows_budget", budget=self.budget.limit, line=self.line, ceiling=ceiling)

    def stop(self, c: Any) -> None:
        if self.budget is not None:
            self.budget.observe(None)

    shutdown = stop
