"""A remote engine's worker process reserves only the tasks it can start soon: its prefetch follows
its page budget.

Celery reserves ``threads x worker_prefetch_multiplier`` messages per worker process. A remote
engine's process runs as many task threads as its page budget has pages (:mod:`workers.page_budget`:
128 for a one-process host at the defaults, 64 each for 2 processes, 32 each for 4), because
one-page documents need a task — a thread — per page. Tasks of larger documents take up to
``pages_per_task`` pages each (16), so a few of them fill that budget and the other threads wait
in its line, each holding a reserved message that no other process or host can take meanwhile: a
batch's tail waits in one host's line while another host idles, and a host added to work off a
backlog finds the queue emptied into the lines of the hosts already running (a one-process host:
about 120 messages of 16 pages, some 1,900 pages).

So a process reserves the tasks holding a grant and a short line behind them,
:func:`line_tasks`: as the holders come and go, :class:`PrefetchLimiter` lowers and raises
Celery's prefetch count by the difference, on the consumer's event loop. It starts at the line
alone, so a worker that starts takes no more than that before its first tasks hold pages.
One-page documents keep one page per task, so their holders — and the prefetch with them — grow
to most of the budget (a task asks for up to ``pages_per_task`` before its claim:
:meth:`~workers.page_budget.PageBudget.task_pages`); 10-page documents settle at a dozen holders
and the line on one process. Messages already reserved stay reserved (a broker does not take them
back): lowering the count only stops new deliveries.

:class:`BudgetPrefetch` is the consumer bootstep that does it in a worker process with a thread
pool and a page budget; a prefork pool's parent, an in-process engine and embedded mode keep
Celery's prefetch as it is, and so does a consumer whose QoS is per consumer (quorum queues: a
new count never reaches a running consumer) or that has no event loop. Celery's own reduction
after a reconnect (``worker_enable_prefetch_count_reduction``) is turned off where this runs (it
sets the count outright). After a reconnect the consumer starts again with a new limiter, which
counts only the tasks that began after it (:meth:`~workers.page_budget.PageBudget.observe`): the
tasks still running from the old connection take no place in the new one's prefetch.
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
MIN_LINE = 4
"""Render tasks and the steps that follow a task's hold take places in the line too."""


def line_tasks(budget_pages: int, pages_per_task: int) -> int:
    """Tasks a process reserves beyond those holding pages: a quarter of the budget's worth of
    full tasks, at least :data:`MIN_LINE` (4 with the defaults: 128 pages and 16 per task on one
    process, 64 or 32 pages on 2 or 4) — enough
    that a task finishing finds the next one already reserved while the consumer fetches more."""
    return max(MIN_LINE, math.ceil(budget_pages / max(1, pages_per_task) / LINE_SHARE))


class PrefetchLimiter:
    """Keeps a consumer's prefetch at ``holders + line`` tasks (never over ``ceiling``, the count
    Celery set) as a :class:`~workers.page_budget.PageBudget` observer.

    ``qos`` is the consumer's :class:`kombu.common.QoS`. Celery changes it from its event loop's
    thread only (it swaps the QoS's lock for a dummy once the loop runs: ETA tasks move it there),
    so an observer call, from any task thread, only records the target and passes :meth:`apply`
    to ``schedule`` to run on that thread (``hub.call_soon``, which also wakes the loop: left asleep, the
    loop applied a rise up to a second later, and one-page documents, a completion every few tens
    of milliseconds, ran at a third of the server's capacity). ``apply`` moves the count by the
    difference through ``increment_eventually``/``decrement_eventually``, so others' changes
    (ETA tasks) are kept, and applies it at once. ``schedule=None`` applies in the caller's thread
    (tests). ``reduction``: how far below ``ceiling`` the count is when this starts (the
    consumer started at the line alone)."""

    def __init__(
        self,
        qos: Any,
        ceiling: int,
        line: int,
        reduction: int = 0,
        schedule: Callable[[Callable[[], None]], object] | None = None,
    ) -> None:
        self.qos = qos
        self.ceiling = max(1, ceiling)
        self.line = max(1, line)
        self.schedule = schedule
        self._wanted = self._applied = reduction
        self._pending = False
        self._attached = True
        self._lock = threading.Lock()

    def target(self, holders: int) -> int:
        """The prefetch count for ``holders`` tasks holding pages."""
        return max(1, min(self.ceiling, holders + self.line))

    def __call__(self, holders: int) -> None:
        with self._lock:
            self._wanted = self.ceiling - self.target(holders)
            if self._pending or self._wanted == self._applied:
                return
            self._pending = self.schedule is not None
        if self.schedule is None:
            self.apply()
        else:
            self.schedule(self.apply)

    def apply(self) -> None:
        """Move the count to the latest target (the consumer's loop thread)."""
        with self._lock:
            self._pending = False
            if not self._attached:  # the consumer restarted: its new QoS has its own limiter
                return
            change, self._applied = self._wanted - self._applied, self._wanted
        if change > 0:
            self.qos.decrement_eventually(change)
        elif change < 0:
            self.qos.increment_eventually(-change)
        if change:
            self.qos.update()

    def detach(self) -> None:
        """Stop moving the count (the consumer stops or restarts)."""
        with self._lock:
            self._attached = False


def _budget_of(consumer: Any) -> tuple[PageBudget, int] | None:
    """The page budget of this worker process and its pages per task, when its tasks run on its
    own thread pool with a budget."""
    from celery.concurrency.thread import TaskPool

    if not isinstance(getattr(consumer, "pool", None), TaskPool):
        return None
    from workers.page_job import budget_pages, task_pages
    from workers.runtime import runtime_for

    rt = runtime_for(consumer.app)
    budget = rt.page_budget(budget_pages)
    return None if budget is None else (budget, task_pages(rt))


class BudgetPrefetch(bootsteps.StartStopStep):  # type: ignore[misc]  # (celery is untyped)
    """Consumer bootstep: the prefetch follows the page budget (see the module docstring)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c: Any, **kwargs: Any) -> None:
        super().__init__(c, **kwargs)
        found = _budget_of(c)
        self.budget: PageBudget | None = found[0] if found else None
        self.limiter: PrefetchLimiter | None = None
        self.line = 0
        if found is not None and c.initial_prefetch_count:  # (0: prefetch unlimited, left alone)
            budget, pages_per_task = found
            self.line = min(c.initial_prefetch_count, line_tasks(budget.limit, pages_per_task))
            c.initial_prefetch_count = self.line  # what the task consumer starts with (Tasks.start)
            c.app.conf.worker_enable_prefetch_count_reduction = False

    def start(self, c: Any) -> None:
        if self.budget is None or not self.line:
            return
        ceiling, qos = c.max_prefetch_count, c.qos
        per_consumer = c.qos_global is False and c.connection.transport.driver_type == "amqp"
        if per_consumer or c.hub is None:
            # RabbitMQ's per-consumer QoS (quorum queues) never reaches a running consumer, and
            # without an event loop a rise waits for the next drain: Celery's prefetch, as it would be
            # (Redis's QoS is the transport's own, per channel: qos_global is False there too)
            qos.increment_eventually(max(0, ceiling - qos.value))
            qos.update()
            log.info("worker.prefetch_fixed", prefetch=qos.value, reason="no per-channel QoS updates or no event loop")
            return
        hub = c.hub
        limiter = PrefetchLimiter(qos, ceiling, self.line, reduction=ceiling - qos.value, schedule=hub.call_soon)
        self.limiter = limiter
        self.budget.observe(limiter)
        log.info("worker.prefetch_follows_budget", budget=self.budget.limit, line=self.line, ceiling=ceiling)

    def stop(self, c: Any) -> None:
        if self.budget is not None:
            self.budget.observe(None)
        if self.limiter is not None:
            self.limiter.detach()
            self.limiter = None

    shutdown = stop
