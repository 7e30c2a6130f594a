"""The Celery tasks: ids in, JSON only, a few lines each over the job modules.

``docparse.render_document(document_id)`` (``render`` queue) opens the document, creates its
page rows and starts its page chains (:mod:`workers.dispatch`) — in a worker process that
consumes the infer queue too, it runs the first chain step itself (one task fewer per
document: a one-page upload is one task);
``docparse.infer_pages(document_id, numbers)`` (``infer`` queue) is one chain step
(:func:`workers.page_job.run_pages`: claim, run, save) that sends the next step while
unclaimed pages remain. Transient faults retry with exponential backoff and jitter; when
retries run out, or on an unexpected error, the pages the step would have run fail with the
reason (the document reaches a terminal state and ``reprocess --failed`` redoes them).
Nothing is lost when a worker dies: tasks are acknowledged late, pages are leased and the
work is idempotent; the reconciler (:mod:`workers.reconciler`) re-enqueues lost work.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import TypeVar

import structlog
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from workers import dispatch
from workers.faults import fail_pages, is_transient
from workers.names import INFER_TASK, RENDER_TASK
from workers.page_job import StepResult, claimable_pages_left, run_pages, task_pages
from workers.render_job import render_document
from workers.runtime import WorkerRuntime, runtime_for

log = structlog.get_logger("docparse.workers")

T = TypeVar("T")


def backoff_s(retries: int, base_s: float, max_s: float) -> float:
    """Delay before retry number ``retries + 1``: ``base * 2**retries`` capped at ``max_s``, jittered ±50%."""
    return float(min(max_s, base_s * 2**retries) * random.uniform(0.5, 1.5))


def _run(
    task: Task, rt: WorkerRuntime, document_id: str, work: Callable[[], T], give_up: Callable[[str], None]
) -> T | None:
    """``work()``, retrying transient faults; ``give_up(reason)`` for the rest (then returns ``None``).

    In a worker a retry is a new delivery after the backoff (``task.retry``). Embedded (eager)
    tasks retry in place after the same backoff: Celery cannot retry an eager task whose
    errors propagate.
    """
    settings = rt.settings
    eager = bool(task.request.is_eager)
    retries = int(task.request.retries or 0)
    while True:
        try:
            return work()
        except SoftTimeLimitExceeded:
            reason = f"time limit: the task ran over {settings.task_soft_time_limit_s} s"
            break
        except Exception as exc:
            if is_transient(exc) and retries < settings.max_retries:
                delay = backoff_s(retries, settings.retry_backoff_s, settings.retry_backoff_max_s)
                log.warning(
                    "task.retry",
                    task=task.name,
                    document=document_id,
                    retry=retries + 1,
                    delay_s=round(delay, 2),
                    error=repr(exc),
                )
                if not eager:
                    raise task.retry(exc=exc, countdown=delay, max_retries=settings.max_retries) from exc
                time.sleep(delay)
                retries += 1
                continue
            log.exception("task.gave_up", task=task.name, document=document_id, retries=retries)
            what = f"{type(exc).__name__}: {exc}"
            reason = f"gave up after {retries} retries: {what}" if is_transient(exc) else f"internal error: {what}"
            break
    try:
        give_up(reason)
    except Exception:
        log.exception("task.give_up_failed", task=task.name, document=document_id, reason=reason)
    return None


def _render_document(self: Task, document_id: str) -> None:
    """Open the document, create its pages, start their chains (see the module docstring)."""
    rt = runtime_for(self.app)

    def give_up(reason: str) -> None:
        from storage import IllegalTransition

        with rt.db.unit_of_work() as uow:
            try:
                uow.documents.transition(document_id, "failed", reason=reason)
                uow.commit()
            except IllegalTransition:
                log.info("render.gave_up_after_cancel", document=document_id, reason=reason)

    todo = _run(self, rt, document_id, lambda: render_document(rt, document_id), give_up)
    if not todo:
        return
    if not _runs_first_step(self, rt):
        dispatch.start_chains(self.app, document_id, len(todo))
        return
    if not _redelivered(self):  # its other chains were sent before the first delivery's step
        dispatch.start_chains(self.app, document_id, len(todo), running=1)
    _first_step(self, rt, document_id)


def _redelivered(task: Task) -> bool:
    """Whether the broker delivers this task again (its worker died before acknowledging it)."""
    return bool((task.request.delivery_info or {}).get("redelivered"))


def _runs_first_step(task: Task, rt: WorkerRuntime) -> bool:
    """Whether this render step runs its document's first chain step itself: a worker process
    that also consumes the infer queue (``render_runs_first_step``); never embedded, where the
    queued steps run in place anyway."""
    if task.request.is_eager or not rt.settings.render_runs_first_step:
        return False
    return rt.settings.infer_queue in task.app.amqp.queues.consume_from


def _first_step(task: Task, rt: WorkerRuntime, document_id: str) -> None:
    """The document's first chain step, run by its render step: a one-page upload costs one
    task instead of two. It is an ordinary step (claims, leases, page budget, poison-page gate,
    cancel); what it leaves continues as a queued step, which also takes over after a fault —
    that step has the retries and the backoff, so the render step is never retried for a page's
    fault (a soft time limit hands the pages over too: the queued step fails them with the reason
    if they run over again). A worker killed meanwhile has the render step delivered again: it
    renders nothing twice (:mod:`workers.render_job`), sends no second set of chains, and runs
    this step again, which claims what the dead worker's expired leases gave back (pages still
    leased wait for the reconciler, as after any killed step)."""
    try:
        step = run_pages(rt, document_id, None)
    except Exception as exc:  # claimed pages were given back: a queued step redoes them
        log.info("render.first_step_handed_over", document=document_id, error=repr(exc))
        step = StepResult([], True)
    if step.more or step.deferred:
        dispatch.send(task.app, INFER_TASK, [document_id, None])


def _infer_pages(self: Task, document_id: str, numbers: list[int] | None = None) -> list[int]:
    """One chain step: claim, run and save pages of the document; send the next step while
    unclaimed pages remain. Embedded (eager), the steps run here one after the other."""
    rt = runtime_for(self.app)
    saved: list[int] = []
    while True:

        def give_up(reason: str, wanted: list[int] | None = numbers) -> None:
            fail_pages(rt, document_id, wanted, reason, task_pages(rt))

        step = _run(self, rt, document_id, functools.partial(run_pages, rt, document_id, numbers), give_up)
        if step is None:  # gave up: the pages were failed; the rest of the document goes on
            step = StepResult([], claimable_pages_left(rt, document_id))
        saved.extend(step.saved)
        if step.deferred:  # the worker is shutting down: the step goes back to the queue as it came
            dispatch.send(self.app, INFER_TASK, [document_id, numbers])
            return saved
        if not step.more:
            return saved
        if not self.request.is_eager:
            dispatch.send(self.app, INFER_TASK, [document_id, None])
            return saved
        numbers = None


render_document_task: Task = shared_task(bind=True, name=RENDER_TASK)(_render_document)
infer_pages_task: Task = shared_task(bind=True, name=INFER_TASK)(_infer_pages)
