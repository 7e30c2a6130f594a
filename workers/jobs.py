"""The work behind the tasks, as plain functions (testable without Celery): ids in, database out.

``render_document`` opens a document's original and creates its page rows; ``infer_pages``
runs pages through :func:`docparse.pipeline.process_pages` and persists each finished page in
its own transaction. Both are idempotent: a redelivered task skips what is already done, so a
worker killed mid-task loses at most the page it was working on, which the redelivery redoes.

Faults: a bad file (corrupt, encrypted, over a limit) fails its document with the reason — a
permanent fault, never retried. A bad page fails *that page* (the pipeline's retry ladder
decides). Transient faults (database or broker connection, an engine server that does not
answer) propagate as exceptions for the task to retry (:func:`is_transient`); when retries are
exhausted, :func:`fail_pages` records the reason on the pages still unprocessed, so every
document still ends in a terminal state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import structlog

from docparse.engines.base import EngineUnavailable
from docparse.engines.factory import EngineChoice
from docparse.identity import stored_options
from docparse.pipeline import ParseOptions, process_pages
from docparse.render import RenderError, open_document
from schemas import TERMINAL_STATUSES, Issue, Page
from workers.engines import document_engine_settings, engine_for, is_remote
from workers.runtime import WorkerRuntime

if TYPE_CHECKING:  # pragma: no cover
    from storage import DocumentRecord

log = structlog.get_logger("docparse.workers")

EngineProvider = Callable[[Mapping[str, Any]], EngineChoice]


def batches(numbers: Sequence[int], size: int) -> list[list[int]]:
    """``numbers`` in consecutive groups of at most ``size``."""
    size = max(1, size)
    return [list(numbers[i : i + size]) for i in range(0, len(numbers), size)]


def render_document(rt: WorkerRuntime, document_id: str) -> list[list[int]]:
    """Open the document and create its pending page rows; return the page batches to infer.

    Skips (returns ``[]``) a missing document or one already terminal (``cancelled`` included).
    A file that cannot be opened fails the document with the reason and returns ``[]``.
    """
    bound = log.bind(document=document_id)
    with rt.db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
    if record is None:
        bound.warning("render.missing")
        return []
    if record.status in TERMINAL_STATUSES:
        bound.info("render.skipped", status=record.status)
        return []
    options = stored_options(record.settings)
    try:
        with open_document(
            rt.blobs.path(record.blob_key),
            password=options.password,
            limits=options.limits,
            backend=options.backend,
        ) as opened:
            page_count = opened.page_count
    except RenderError as exc:
        reason = str(exc).replace(record.blob_key, record.filename)
        with rt.db.unit_of_work() as uow:
            uow.documents.lock(document_id)
            current = uow.documents.get(document_id)
            if current is not None and current.status not in TERMINAL_STATUSES:
                uow.documents.set_status(document_id, "failed", error=reason)
                uow.commit()
        bound.warning("render.failed", reason=reason)
        return []
    with rt.db.unit_of_work() as uow:
        uow.documents.start(document_id, page_count)
        todo = [s.number for s in uow.pages.states(document_id) if not s.processed]
        uow.commit()
    bound.info("render.done", pages=page_count, todo=len(todo))
    return batches(todo, rt.settings.pages_per_task)


def infer_pages(
    rt: WorkerRuntime,
    document_id: str,
    numbers: Sequence[int],
    *,
    engines: EngineProvider = engine_for,
) -> list[int]:
    """Infer, parse and persist the unprocessed pages among ``numbers``; return those saved.

    Checks before each page (each ``infer_batch_pages`` chunk) that the document was not
    cancelled (what is done is kept). Each
    page's image (when ``keep_page_images``) and result are written in one transaction; the
    transaction of the document's last page derives its status (storage does that).
    Raises transient faults (see the module docstring) for the task to retry.
    """
    bound = log.bind(document=document_id)
    todo, record = _claim(rt, document_id, numbers)
    if not todo or record is None:
        return []
    settings = record.settings
    remote = is_remote(document_engine_settings(settings))
    try:
        choice = engines(settings)
    except EngineUnavailable as exc:
        if remote:
            raise  # the server may come back: the task retries
        bound.error("infer.engine_unavailable", reason=str(exc))
        fail_pages(rt, document_id, todo, f"engine unavailable: {exc}")
        return []
    if remote:
        check_server(choice.engine)  # a server that does not answer: retry the task later, fail no page
    options = stored_options(settings)
    opts = ParseOptions(
        password=options.password,
        backend=options.backend,
        limits=options.limits,
        keep_page_images=rt.settings.keep_page_images,
        # pages inferred together (an engine batch, concurrent server requests); the pipeline runs
        # chunks lazily, so the cancel check below runs before each chunk (default 1: each page)
        chunk_size=rt.settings.infer_batch_pages,
    )
    saved: list[int] = []
    try:
        opened = open_document(
            rt.blobs.path(record.blob_key), password=options.password, limits=options.limits, backend=options.backend
        )
    except RenderError as exc:  # it opened at render time: the blob changed or the limits did
        fail_pages(rt, document_id, todo, f"cannot open the document: {exc}")
        return []
    with opened:
        for page, image in _pages(process_pages(opened, todo, choice.engine, opts, document_id), rt, document_id):
            if remote and _engine_failed(page):
                check_server(choice.engine)  # server down: raise (the task retries) rather than fail the page
            status = _save(rt, document_id, page, image)
            saved.append(page.number)
            bound.info(
                "page.saved", page=page.number, status=page.status, blocks=len(page.blocks), document_status=status
            )
    return saved


def _engine_failed(page: Page) -> bool:
    return page.status == "failed" and bool(page.attempts) and all(a.stop_reason == "error" for a in page.attempts)


def check_server(engine: object) -> None:
    """Raise :class:`EngineUnavailable` when an HTTP engine's server does not answer its health check."""
    check = getattr(engine, "check", None)
    if callable(check):
        check()


def _claim(rt: WorkerRuntime, document_id: str, numbers: Sequence[int]) -> tuple[list[int], DocumentRecord | None]:
    """The unprocessed pages among ``numbers`` and the document; ``[]`` when cancelled or missing.
    Moves a ``queued`` document (reprocessed pages) to ``running``."""
    with rt.db.unit_of_work() as uow:
        uow.documents.lock(document_id)
        record = uow.documents.get(document_id)
        if record is None or record.status == "cancelled":
            log.info("infer.skipped", document=document_id, status=record.status if record else None)
            return [], None
        wanted = set(numbers)
        todo = [s.number for s in uow.pages.states(document_id) if s.number in wanted and not s.processed]
        if todo and record.status == "queued":
            uow.documents.set_status(document_id, "running")
            uow.commit()
        return todo, record


def _pages(
    pages: Iterator[tuple[Page, tuple[bytes, str] | None]], rt: WorkerRuntime, document_id: str
) -> Iterator[tuple[Page, tuple[bytes, str] | None]]:
    """``pages``, stopping before the next page once the document is cancelled."""
    for item in pages:
        yield item
        if cancelled(rt, document_id):
            log.info("infer.cancelled", document=document_id)
            return


def cancelled(rt: WorkerRuntime, document_id: str) -> bool:
    """Whether the document was cancelled (or deleted) meanwhile."""
    with rt.db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
    return record is None or record.status == "cancelled"


def _save(rt: WorkerRuntime, document_id: str, page: Page, image: tuple[bytes, str] | None) -> str | None:
    key = rt.blobs.put_bytes(image[0]) if image is not None else None
    with rt.db.unit_of_work() as uow:
        if key is not None:
            uow.pages.set_image(document_id, page.number, key)
        status = uow.pages.save_result(document_id, page)
        uow.commit()
    return status


def fail_pages(rt: WorkerRuntime, document_id: str, numbers: Sequence[int], reason: str) -> list[int]:
    """Record ``reason`` as a failed result on the pages of ``numbers`` still unprocessed (so the
    document reaches a terminal state; ``docparse reprocess --failed`` retries them)."""
    with rt.db.unit_of_work() as uow:
        uow.documents.lock(document_id)
        record = uow.documents.get(document_id)
        if record is None or record.status == "cancelled":
            return []
        wanted = set(numbers)
        todo = [s.number for s in uow.pages.states(document_id) if s.number in wanted and not s.processed]
        issue = Issue(code="engine_error", severity="error", message=reason)
        for number in todo:
            uow.pages.save_result(document_id, Page(number=number, status="failed", issues=[issue]))
        uow.commit()
    log.warning("pages.failed", document=document_id, pages=todo, reason=reason)
    return todo


def is_transient(exc: BaseException) -> bool:
    """Whether retrying later may succeed: lost database or broker connections, timeouts, an
    engine server that does not answer. Anything else is a bug or a permanent fault."""
    if isinstance(exc, EngineUnavailable | ConnectionError | TimeoutError):
        return True
    try:
        from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, OperationalError | DisconnectionError):
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
