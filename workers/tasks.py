"""The Celery tasks: ids in, JSON only, a few lines each over :mod:`workers.jobs`.

``docparse.render_document(document_id)`` (``render`` queue) opens the document, creates its
page rows and fans out ``docparse.infer_pages(document_id, numbers)`` (``infer`` queue) for
the unprocessed pages in batches of ``pages_per_task`` — a group of signatures carrying ids,
never payloads. Transient faults retry with exponential backoff and jitter; when retries run
out, or on an unexpected error, the pages still unprocessed fail with the reason (the
document reaches a terminal state and ``reprocess --failed`` redoes them). Nothing is lost
when a worker dies: tasks are acknowledged late and the work is idempotent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import structlog
from celery import Task, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from workers import jobs
from workers.names import INFER_TASK, RENDER_TASK
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
            if jobs.is_transient(exc) and retries < settings.max_retries:
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
            reason = f"gave up after {retries} retries: {what}" if jobs.is_transient(exc) else f"internal error: {what}"
            break
    try:
        give_up(reason)
    except Exception:
        log.exception("task.give_up_failed", task=task.name, document=document_id, reason=reason)
    return None


def _render_document(self: Task, document_id: str) -> None:
    """Open the document, create its pages, enqueue their inference (see the module docstring)."""
    rt = runtime_for(self.app)

    def give_up(reason: str) -> None:
        with rt.db.unit_of_work() as uow:
            uow.documents.set_status(document_id, "failed", error=reason)
            uow.commit()

    groups = _run(self, rt, document_id, lambda: jobs.render_document(rt, document_id), give_up)
    if groups:
        group(self.app.signature(INFER_TASK, args=(document_id, numbers)) for numbers in groups).apply_async()


def _infer_pages(self: Task, document_id: str, numbers: list[int]) -> list[int]:
    """Infer, parse and persist these pages of the document, one transaction per page."""
    rt = runtime_for(self.app)

    def give_up(reason: str) -> None:
        jobs.fail_pages(rt, document_id, numbers, reason)

    saved = _run(self, rt, document_id, lambda: jobs.infer_pages(rt, document_id, numbers), give_up)
    return saved or []


render_document: Task = shared_task(bind=True, name=RENDER_TASK)(_render_document)
infer_pages: Task = shared_task(bind=True, name=INFER_TASK)(_infer_pages)
