"""One step of a document's page chain: claim pages, run them, persist each, give back the rest.

:func:`run_pages` claims up to ``pages_per_task`` pages of one document (under the document
lock; see :mod:`storage.claims`), runs each through :func:`docparse.pipeline.process_pages`
and saves the pages that finish close together in one transaction (an ``openai`` task's pages,
back from the server together, always; an in-process engine's within ``save_within_s`` of each
other), then says whether unclaimed pages remain (the task then
sends the next step of the chain). Many such steps run at once in one worker process (its
thread pool): that is how a worker keeps many pages in flight.

Guarantees:

- **Idempotent and crash-safe.** A page is saved (result, then page image, then lease
  cleared) in one transaction that locks the document row first — the same lock order as
  the API's reprocess, cancel and delete; pages finishing together in one process share that
  transaction (group commit), and a page counts as saved only once it has committed. A
  finished page the task holds for the next ones is saved before the task ends, also when it
  fails after it; a worker killed meanwhile leaves it leased, like a page in progress. A
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
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from docparse.cancellation import Cancelled
from docparse.engines.base import EngineUnavailable
from docparse.engines.factory import EngineChoice
from docparse.identity import stored_options
from docparse.pipeline import ParseOptions, process_pages
from docparse.render import RenderError, open_document
from schemas import Page
from workers import page_budget
from workers.capacity import pages_held
from workers.document_pass import run_document_pass
from workers.engines import document_engine_settings, engine_for, environment_settings, is_remote
from workers.faults import fail_claimed, failed_page
from workers.page_budget import unbounded, worker_stopping
from workers.runtime import WorkerRuntime

if TYPE_CHECKING:  # pragma: no cover
    from workers.leases import LeaseKeeper
    from workers.settings import WorkerSettings

log = structlog.get_logger("docparse.workers")

EngineProvider = Callable[[Mapping[str, Any]], EngineChoice]


@dataclass(frozen=True)
class StepResult:
    """What one chain step did: pages ``saved``; ``more``: unclaimed pages remain; ``deferred``:
    it did not run (the worker is shutting down) and must be sent again as it was."""

    saved: list[int]
    more: bool
    deferred: bool = False


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
    budget = rt.page_budget(budget_pages)
    # the pages held count against the process's page budget (a remote engine's) from the claim
    # until they are saved; it is taken before the suspect gate, so a suspect waits only for the
    # pages being run, not for the tasks in line. No suspect runs in this process while these
    # pages are claimed and run.
    wanted = task_pages(rt)
    with budget.hold(wanted, stop=worker_stopping) if budget else unbounded(wanted) as grant, keeper.gate.shared():
        if not grant.pages:
            log.info("infer.deferred", document=document_id, reason="the worker is shutting down")
            return StepResult([], True, deferred=True)
        with rt.db.unit_of_work() as uow:
            claim = uow.claims.claim(
                document_id,
                worker=keeper.worker_id,
                lease_s=rt.settings.recover_after_s,
                limit=grant.pages,
                max_deaths=rt.settings.max_page_deaths,
                among=numbers,
            )
            for number, deaths in claim.exhausted:
                reason = f"worker died {deaths} times on this page"
                uow.pages.save_results([(document_id, failed_page(number, reason))])
                log.error("page.poison", document=document_id, page=number, deaths=deaths)
            uow.commit()
        suspects = [n for n in claim.pages if n in claim.suspects]
        ordinary = [n for n in claim.pages if n not in claim.suspects]
        grant.keep(len(ordinary))  # suspects run alone below, outside the budget
        if not claim.pages:
            return StepResult([], bool(claim.exhausted) and claimable_pages_left(rt, document_id))
        progress = _Progress()
        try:
            _run_held(rt, keeper, claim.settings, claim.blob_key, document_id, ordinary, engines, progress)
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
                _run_held(rt, keeper, claim.settings, claim.blob_key, document_id, [number], engines, progress)
        except BaseException:
            _give_back(rt, keeper, document_id, suspects[position + 1 :], delivered=False)
            raise
    # a page saved here completed the document: nothing is left to claim, no need to ask
    return StepResult(progress.pages, not progress.completed and claimable_pages_left(rt, document_id))


def _run_held(
    rt: WorkerRuntime,
    keeper: LeaseKeeper,
    settings: Mapping[str, Any],
    blob_key: str,
    document_id: str,
    numbers: list[int],
    engines: EngineProvider,
    progress: _Progress,
) -> None:
    """Run claimed (and counted) pages, telling ``progress`` what was saved; whatever is not
    saved in the end is given back."""
    pending = list(numbers)
    try:
        if pending:
            _run_claimed(rt, keeper, settings, blob_key, document_id, pending, engines, progress)
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
    progress: _Progress,
) -> None:
    """Run the claimed ``pending`` pages; each saved page leaves ``pending`` for ``progress``."""
    remote = is_remote(document_engine_settings(settings))
    try:
        choice = engines(settings)
    except EngineUnavailable as exc:
        if remote:
            raise  # the server may come back: the task retries
        log.error("infer.engine_unavailable", document=document_id, reason=str(exc))
        progress.pages += fail_claimed(rt, document_id, pending, f"engine unavailable: {exc}")
        return
    options = stored_options(settings)
    opts = ParseOptions(
        password=options.password,
        backend=options.backend,
        limits=options.limits,
        keep_page_images=rt.settings.keep_page_images,
        chunk_size=infer_batch(rt.settings, remote),  # pages of a task inferred together
    )
    with contextlib.ExitStack() as stack:
        try:
            path = stack.enter_context(rt.blobs.local_copy(blob_key))  # cached when the blobs are on S3
            opened = stack.enter_context(
                open_document(path, password=options.password, limits=options.limits, backend=options.backend)
            )
        except (RenderError, FileNotFoundError) as exc:  # it opened at render time: the blob or the limits changed
            progress.pages += fail_claimed(rt, document_id, pending, f"cannot open the document: {exc}")
            return
        size = infer_batch(rt.settings, remote)
        chunks = [list(pending[i : i + size]) for i in range(0, len(pending), size)]
        held = _Held(rt.settings.save_within_s)
        try:
            for index, chunk in enumerate(chunks):
                if index and cancelled(rt, document_id):  # (the claim just found the document active)
                    log.info("infer.cancelled", document=document_id)
                    break
                results: list[tuple[Page, tuple[bytes, str] | None]] = []
                interrupted: str | None = None
                started = time.monotonic()
                with keeper.holding(document_id, chunk) as cancel:
                    try:
                        results.extend(process_pages(opened, chunk, choice.engine, opts, document_id, cancel=cancel))
                    except Cancelled as exc:
                        interrupted = exc.reason
                down = _server_down(choice.engine, results) if remote else None
                if down is not None:  # keep what the server answered; the rest is given back, the task retries
                    results = [(page, image) for page, image in results if not _engine_failed(page)]
                held.add(results, time.monotonic() - started)
                save_now = interrupted is not None or down is not None or held.due()
                if save_now and not _save_held(rt, document_id, held, pending, progress):
                    return  # the document was deleted meanwhile
                if down is not None:
                    raise down
                if interrupted is not None:  # the rest is given back by the caller, like pages never started
                    log.info("infer.interrupted", document=document_id, pages=list(pending), reason=interrupted)
                    break
        except BaseException:
            with contextlib.suppress(Exception):  # keep the pages that finished before the fault
                _save_held(rt, document_id, held, pending, progress)
            raise
        _save_held(rt, document_id, held, pending, progress)  # what the last chunks left held


class _Held:
    """Finished pages of a task not saved yet, so that pages finished close together share a
    transaction (see ``WorkerSettings.save_within_s``)."""

    def __init__(self, within_s: float) -> None:
        self.within_s = within_s
        self.pages: list[tuple[Page, tuple[bytes, str] | None]] = []
        self._first: float | None = None  # when the oldest held page finished
        self._last_chunk_s = 0.0

    def add(self, finished: Sequence[tuple[Page, tuple[bytes, str] | None]], took_s: float) -> None:
        if finished and not self.pages:
            self._first = time.monotonic()
        self.pages.extend(finished)
        self._last_chunk_s = took_s

    def due(self) -> bool:
        """Whether to save now: holding on while the next chunk runs (assumed to take as long as
        the last) would keep the oldest page unsaved for longer than ``within_s``."""
        if not self.pages or self._first is None:
            return False
        return time.monotonic() - self._first + self._last_chunk_s > self.within_s

    def take(self) -> list[tuple[Page, tuple[bytes, str] | None]]:
        taken, self.pages, self._first = self.pages, [], None
        return taken


@dataclass
class _Progress:
    """What a chain step saved so far: the ``pages``, and whether one of them ``completed`` the
    document (it reached its final status: no page of it is left to claim)."""

    pages: list[int] = field(default_factory=list)
    completed: bool = False


def _save_held(rt: WorkerRuntime, document_id: str, held: _Held, pending: list[int], progress: _Progress) -> bool:
    """Save the held pages together; each saved page leaves ``pending`` for ``progress``. ``False``
    when the document is gone. Raises the first error of a page that could not be written (the
    pages saved stay saved; the rest are given back by the caller)."""
    finished = held.take()
    if not finished:
        return True
    result = save_pages(rt, document_id, finished)
    for number in result.stored:
        pending.remove(number)
        progress.pages.append(number)
    progress.completed = progress.completed or result.completed
    if result.error is not None:
        raise result.error
    return not result.gone


@dataclass(frozen=True)
class SavedPages:
    """What :func:`save_pages` stored."""

    stored: list[int]
    """The page numbers committed."""
    gone: bool = False
    """The document was deleted meanwhile (its pages were not stored)."""
    error: BaseException | None = None
    """The first error of a page that could not be written, other than the document being gone."""
    completed: bool = False
    """A page stored here completed the document (its status became final; the pass ran)."""


def save_pages(
    rt: WorkerRuntime, document_id: str, finished: Sequence[tuple[Page, tuple[bytes, str] | None]]
) -> SavedPages:
    """Persist finished pages of one document together: their results, images and the release
    of their leases, in one transaction (shared with the other pages this process finishes
    meanwhile: :meth:`WorkerRuntime.committer`; the document lock is taken there). The images go
    to the blob store first, outside the lock (like a large raw output); when the document was
    deleted meanwhile, they are removed again unless another row uses the same bytes, so nothing
    is left behind (a crash in between leaves it to ``docparse db gc``). Returns once the
    transaction has committed. The page that completed the document runs the document-level pass."""
    from storage import DocumentNotFound

    keys = [rt.blobs.put_bytes(image[0]) if image is not None else None for _, image in finished]
    with_keys = [(page, key) for (page, _), key in zip(finished, keys, strict=True)]
    stored: list[int] = []
    gone, error, completed = False, None, False
    for (page, key), outcome in zip(with_keys, rt.committer().save_all(document_id, with_keys), strict=True):
        if outcome.error is None:
            stored.append(page.number)
            log.info(
                "page.saved", document=document_id, page=page.number, status=page.status, document_status=outcome.status
            )
            if outcome.status is not None:  # this page completed the document: the document-level pass
                completed = True
                run_document_pass(rt.db, document_id, rt.recent)
        elif isinstance(outcome.error, DocumentNotFound):
            log.info("page.document_deleted", document=document_id, page=page.number)
            gone = True
            if key is not None:
                from storage.blob_gc import delete_unreferenced

                delete_unreferenced(rt.db, rt.blobs, key)
        else:
            error = error or outcome.error
    return SavedPages(stored, gone, error, completed)


def budget_pages(settings: WorkerSettings) -> int | None:
    """The page budget of a worker process whose engine is remote: ``render_ahead x`` its share of
    the server's requests (``DOCPARSE_OPENAI_MAX_IN_FLIGHT``, which ``docparse worker`` sets per
    process); ``None`` for an in-process engine, embedded, or in a prefork pool's child."""
    engine = environment_settings()
    if settings.embedded or not is_remote(engine) or not page_budget.needed():
        return None
    return pages_held(settings.render_ahead, engine.openai_max_in_flight)


def task_pages(rt: WorkerRuntime) -> int:
    """The pages one chain step claims at most: ``pages_per_task``, within the page budget's share
    for a task (:meth:`~workers.page_budget.PageBudget.task_pages`) when this process has one."""
    budget = rt.page_budget(budget_pages)
    wanted = rt.settings.pages_per_task
    return budget.task_pages(wanted) if budget is not None else wanted


def infer_batch(settings: WorkerSettings, remote: bool) -> int:
    """Pages of one task inferred together: ``infer_batch_pages``, or by default every page of the
    task for a remote engine (concurrent requests to its server) and one for an in-process engine
    (whose :class:`~workers.batcher.BatchingEngine` batches pages across tasks)."""
    if settings.infer_batch_pages is not None:
        return settings.infer_batch_pages
    return settings.pages_per_task if remote else 1


def claimable_pages_left(rt: WorkerRuntime, document_id: str) -> bool:
    """Whether a page of the (active) document is left that nobody holds (a read outside any
    transaction)."""
    from storage.claims import claimable

    with rt.db.peek() as connection:
        return claimable(connection, document_id)


def _engine_failed(page: Page) -> bool:
    return page.status == "failed" and bool(page.attempts) and all(a.stop_reason == "error" for a in page.attempts)


def check_server(engine: object) -> None:
    """Raise :class:`EngineUnavailable` when an HTTP engine's server does not answer its health check."""
    check = getattr(engine, "check", None)
    if callable(check):
        check()


def _server_down(engine: object, results: Sequence[tuple[Page, object]]) -> EngineUnavailable | None:
    """When a page failed on engine errors only, whether the server is down (its health check)."""
    if not any(_engine_failed(page) for page, _ in results):
        return None
    try:
        check_server(engine)
    except EngineUnavailable as exc:
        return exc
    return None


def cancelled(rt: WorkerRuntime, document_id: str) -> bool:
    """Whether the document was cancelled (or deleted) meanwhile (a read outside any transaction:
    it runs before each chunk of a task after the first)."""
    from storage.claims import status as status_of

    with rt.db.peek() as connection:
        status = status_of(connection, document_id)
    return status is None or status == "cancelled"


__all__ = ["SavedPages", "StepResult", "cancelled", "check_server", "claimable_pages_left", "run_pages", "save_pages"]
