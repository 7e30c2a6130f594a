"""Faults: which ones are worth a retry, and failing pages with a reason so documents end.

A bad file fails its document (render); a bad page fails that page (the pipeline's retry
ladder decides). Transient faults — lost database or broker connections, timeouts, an engine
server that does not answer — propagate for the task to retry (:func:`is_transient`); when
retries run out the pages fail with the reason (:func:`fail_pages`), so every document still
reaches a terminal state and ``docparse reprocess --failed`` redoes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog

from docparse.engines.base import EngineUnavailable
from schemas import Issue, Page
from workers.document_pass import run_document_pass

if TYPE_CHECKING:  # pragma: no cover
    from workers.runtime import WorkerRuntime

log = structlog.get_logger("docparse.workers")


def failed_page(number: int, reason: str) -> Page:
    """A failed page result whose one issue says why."""
    return Page(number=number, status="failed", issues=[Issue(code="engine_error", severity="error", message=reason)])


def fail_claimed(rt: WorkerRuntime, document_id: str, pending: list[int], reason: str) -> list[int]:
    """Fail the claimed pages not saved yet (``pending`` is emptied); returns them."""
    failed = list(pending)
    if failed:
        with rt.db.unit_of_work() as uow:
            status = uow.pages.save_results([(document_id, failed_page(n, reason)) for n in failed])[document_id]
            uow.commit()
        log.warning("pages.failed", document=document_id, pages=failed, reason=reason)
        if status is not None:  # a failed page completed the document: the document-level pass too
            run_document_pass(rt.db, document_id, rt.recent)
    pending.clear()
    return failed


def fail_pages(
    rt: WorkerRuntime, document_id: str, numbers: Sequence[int] | None, reason: str, step_pages: int
) -> list[int]:
    """Fail, with ``reason``, unprocessed pages of the document nobody holds: those of
    ``numbers``, or (``None``) the next ``step_pages`` — what one task would have run
    (:func:`workers.page_job.task_pages`). Nothing for a cancelled or missing document. Returns
    the pages failed."""
    keeper = rt.leases()
    limit = len(numbers) if numbers is not None else step_pages
    with rt.db.unit_of_work() as uow:
        claim = uow.claims.claim(
            document_id,
            worker=keeper.worker_id,
            lease_s=rt.settings.recover_after_s,
            limit=max(1, limit),
            max_deaths=rt.settings.max_page_deaths + 1_000_000,  # failing anyway: take them all
            among=numbers,
        )
        uow.commit()
    return fail_claimed(rt, document_id, list(claim.pages), reason)


def is_transient(exc: BaseException) -> bool:
    """Whether retrying later may succeed: lost database or broker connections, timeouts, an
    engine server that does not answer. Anything else is a bug or a permanent fault."""
    if isinstance(exc, EngineUnavailable | ConnectionError | TimeoutError):
        return True
    try:
        from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        from storage.group_commit import GroupWriteInterrupted
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, GroupWriteInterrupted):  # another thread's interrupt: the page was not stored
        return True
    if isinstance(exc, OperationalError | DisconnectionError | PoolTimeout):  # PoolTimeout: all connections busy
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        from kombu.exceptions import OperationalError as KombuOperationalError
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, KombuOperationalError | RedisConnectionError | RedisTimeoutError)
