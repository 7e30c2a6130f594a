"""One step of a document's page chain: claim pages, run them, persist each, give back the rest.

:func:`run_pages` claims up to ``pages_per_task`` pages of one document (under the document
lock; see :mod:`storage.claims`), runs each through :func:`docparse.pipeline.process_pages`
and saves it in its own transaction, then says whether unclaimed pages remain (the task then
sends the next step of the chain). Many such steps run at once in one worker process (its
thread pool): that is how a worker keeps many pages in flight.

Guarantees:

- **Idempotent and crash-safe.** A page is saved (result, then page image, then lease
  cleared) in one transaction that locks the document row first — the same lock order as
  the API's reprocess, cancel and delete; pages finishing together in one process share that
  transaction (group commit), and a page counts as saved only once it has committed. A
  worker killed mid-page leaves the page leased; once the lease runs out it is claimable
  again and redone; what was saved stays saved.
- **Poison pages end.** A page a worker died on runs alone in its process
  (:mod:`workers.gate`); once ``max_page_deaths`` workers died on it, it fails with
  "worker died N times on this page" and the rest of the document completes.
- **Cancel** is checked before each chunk of pages; pages not run are given back (no death
  counted). A page already being rendered or inferred is interrupted too: the heartbeat
  (:mod:`workers.leases`) sets the token of the hold once its document is cancelled or deleted,
  the pipeline stops at its next safe point, and the interrupted pages are given back like the
  queued ones — not saved, not failed — so the document stays ``cancelled`` with every page it
  finished, and the task thread is free for other documents within about one heartbeat.
- **Faults.** A transient fault (database, broker, an engine server that does not answer)
  gives the unsaved pages back and propagates for the task to retry; a page over the time
  limit fails with the reason (:func:`workers.leases.on_overrun`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from docparse.cancellation import Cancelled
from docparse.engines.base import EngineUnavailable
from docparse.engines.factory import EngineChoice
from docparse.identity import stored_options
from docparse.pipeline import ParseOptions, process_pages
from docparse.render import RenderError, open_document
from schemas import Page
from workers.document_pass import run_document_pass
from workers.engines import document_engine_settings, engine_for, is_remote
from workers.faults import fail_claimed, failed_page
from workers.runtime import WorkerRuntime

if TYPE_CHECKING:  # pragma: no cover
    from workers.leases import LeaseKeeper
    from workers.settings import WorkerSettings

log = structlog.get_logger("docparse.workers")

EngineProvider = Callable[[Mapping[str, Any]], EngineChoice]


@dataclass(frozen=True)
class StepResult:
    """What one chain step did: pages ``saved``; ``more``: unclaimed pages remain."""

    saved: list[int]
    more: bool


def run_pages(
    rt: WorkerRuntime,
    document_id: str,
    numbers: Sequence[int] | None = None,
    *,
    engines: EngineProvider = engine_for,
) -> StepResult:
    """Claim up to ``pages_per_task`` pages of the document (among ``numbers`` when given), run
    and save each; see the module docstring. Raises transient faults for the task to retry."""
    keeper = rt.leases()
    saved: list[int] = []
    with keeper.gate.shared():  # no suspect runs in this process while these pages are claimed and run
        with rt.db.unit_of_work() as uow:
            claim = uow.claims.claim(
                document_id,
                worker=keeper.worker_id,
                lease_s=rt.settings.recover_after_s,
                limit=rt.settings.pages_per_task,
                max_deaths=rt.settings.max_page_deaths,
                among=numbers,
            )
            for number, deaths in claim.exhausted:
                reason = f"worker died {deaths} times on this page"
                uow.pages.save_results([(document_id, failed_page(number, reason))])
                log.error("page.poison", document=document_id, page=number, deaths=deaths)
            uow.commit()
        if not claim.pages:
            return StepResult([], bool(claim.exhausted) and _claimable(rt, document_id))
        suspects = [n for n in claim.pages if n in claim.suspects]
        ordinary = [n for n in claim.pages if n not in claim.suspects]
        try:
            saved += _run_held(rt, keeper, claim.settings, claim.blob_key, document_id, ordinary, engines)
        except BaseException:
            _give_back(rt, keeper, document_id, suspects, delivered=False)
            raise
    for position, number in enumerate(suspects):  # each alone in this process: a death is attributable
        try:
            with keeper.gate.alone():
                with rt.db.unit_of_work() as uow:
                    uow.claims.deliver(document_id, number, keeper.worker_id)
                    uow.commit()
                log.warning("page.suspect", document=document_id, page=number)
                saved += _run_held(rt, keeper, claim.settings, claim.blob_key, document_id, [number], engines)
        except BaseException:
            _give_back(rt, keeper, document_id, suspects[position + 1 :], delivered=False)
            raise
    return StepResult(saved, _claimable(rt, document_id))


def _run_held(
    rt: WorkerRuntime,
    keeper: LeaseKeeper,
    settings: Mapping[str, Any],
    blob_key: str,
    document_id: str,
    numbers: list[int],
    engines: EngineProvider,
) -> list[int]:
    """Run claimed (and counted) pages; whatever is not saved in the end is given back."""
    pending = list(numbers)
    try:
        return _run_claimed(rt, keeper, settings, blob_key, document_id, pending, engines) if pending else []
    finally:
        _give_back(rt, keeper, document_id, pending, delivered=True)


def _give_back(
    rt: WorkerRuntime, keeper: LeaseKeeper, document_id: str, numbers: list[int], *, delivered: bool
) -> None:
    if numbers:  # not run: cancelled, a fault, an exception
        with contextlib.suppress(Exception), rt.db.unit_of_work() as uow:
            uow.claims.give_back(document_id, numbers, keeper.worker_id, delivered=delivered)
            uow.commit()


def _run_claimed(
    rt: WorkerRuntime,
    keeper: LeaseKeeper,
    settings: Mapping[str, Any],
    blob_key: str,
    document_id: str,
    pending: list[int],
    engines: EngineProvider,
) -> list[int]:
    """Run the claimed ``pending`` pages; each saved page leaves ``pending``."""
    remote = is_remote(document_engine_settings(settings))
    try:
        choice = engines(settings)
    except EngineUnavailable as exc:
        if remote:
            raise  # the server may come back: the task retries
        log.error("infer.engine_unavailable", document=document_id, reason=str(exc))
        return fail_claimed(rt, document_id, pending, f"engine unavailable: {exc}")
    options = stored_options(settings)
    opts = ParseOptions(
        password=options.password,
        backend=options.backend,
        limits=options.limits,
        keep_page_images=rt.settings.keep_page_images,
        chunk_size=infer_batch(rt.settings, remote),  # pages of a task inferred together
    )
    saved: list[int] = []
    with contextlib.ExitStack() as stack:
        try:
            path = stack.enter_context(rt.blobs.local_copy(blob_key))  # cached when the blobs are on S3
            opened = stack.enter_context(
                open_document(path, password=options.password, limits=options.limits, backend=options.backend)
            )
        except (RenderError, FileNotFoundError) as exc:  # it opened at render time: the blob or the limits changed
            return fail_claimed(rt, document_id, pending, f"cannot open the document: {exc}")
        size = infer_batch(rt.settings, remote)
        for index, chunk in enumerate([list(pending[i : i + size]) for i in range(0, len(pending), size)]):
            if index and cancelled(rt, document_id):  # (the claim just found the document active)
                log.info("infer.cancelled", document=document_id)
                break
            results: list[tuple[Page, tuple[bytes, str] | None]] = []
            interrupted: str | None = None
            with keeper.holding(document_id, chunk) as cancel:
                try:
                    results.extend(process_pages(opened, chunk, choice.engine, opts, document_id, cancel=cancel))
                except Cancelled as exc:
                    interrupted = exc.reason
            for page, image in results:
                if remote and _engine_failed(page):
                    check_server(choice.engine)  # server down: raise (the page is given back, the task retries)
                if not save_page(rt, keeper.worker_id, document_id, page, image):
                    return saved  # the document was deleted meanwhile
                pending.remove(page.number)
                saved.append(page.number)
            if interrupted is not None:  # the rest is given back by the caller, like pages never started
                log.info("infer.interrupted", document=document_id, pages=list(pending), reason=interrupted)
                break
    return saved


def save_page(rt: WorkerRuntime, worker: str, document_id: str, page: Page, image: tuple[bytes, str] | None) -> bool:
    """Persist one finished page: its result, its image and the release of its lease, in one
    transaction shared with the other pages this process finishes meanwhile
    (:meth:`WorkerRuntime.committer`; the document lock is taken there). The image goes to the
    blob store first, outside the lock (like a large raw output); when the document was deleted
    meanwhile, the image is removed again unless another row uses the same bytes, so nothing is
    left behind (a crash in between leaves it to ``docparse db gc``). Returns once the
    transaction has committed; ``False`` when the document is gone."""
    from storage import DocumentNotFound

    image_key = rt.blobs.put_bytes(image[0]) if image is not None else None
    try:
        status = rt.committer().save(document_id, page, image_key=image_key)
    except DocumentNotFound:
        log.info("page.document_deleted", document=document_id, page=page.number)
        if image_key is not None:
            from storage.blob_gc import delete_unreferenced

            delete_unreferenced(rt.db, rt.blobs, image_key)
        return False
    log.info("page.saved", document=document_id, page=page.number, status=page.status, document_status=status)
    if status is not None:  # this page completed the document: the document-level pass
        run_document_pass(rt.db, document_id)
    return True


def infer_batch(settings: WorkerSettings, remote: bool) -> int:
    """Pages of one task inferred together: ``infer_batch_pages``, or by default every page of the
    task for a remote engine (concurrent requests to its server) and one for an in-process engine
    (whose :class:`~workers.batcher.BatchingEngine` batches pages across tasks)."""
    if settings.infer_batch_pages is not None:
        return settings.infer_batch_pages
    return settings.pages_per_task if remote else 1


def _claimable(rt: WorkerRuntime, document_id: str) -> bool:
    with rt.db.unit_of_work() as uow:
        return uow.claims.claimable(document_id)


def _engine_failed(page: Page) -> bool:
    return page.status == "failed" and bool(page.attempts) and all(a.stop_reason == "error" for a in page.attempts)


def check_server(engine: object) -> None:
    """Raise :class:`EngineUnavailable` when an HTTP engine's server does not answer its health check."""
    check = getattr(engine, "check", None)
    if callable(check):
        check()


def cancelled(rt: WorkerRuntime, document_id: str) -> bool:
    """Whether the document was cancelled (or deleted) meanwhile."""
    with rt.db.unit_of_work() as uow:
        status = uow.claims.status(document_id)
    return status is None or status == "cancelled"


__all__ = ["StepResult", "cancelled", "check_server", "run_pages", "save_page"]
