"""Group commit for threads that finish pages at the same time: one transaction for many pages.

A worker process with many pages in flight (a thread pool against a vLLM server) finishes
pages in bursts; each page in its own transaction costs a durable commit and a handful of round
trips. :class:`GroupCommitter` lets those threads share: each calls :meth:`~GroupCommitter.save`
and blocks; the first to arrive leads — it waits up to ``max_wait_s`` for others to join (or
until ``max_pages`` are waiting), writes them all with
:meth:`~storage.pages.PageRepository.save_results` (results, page images, lease release), runs
each page's optional ``during`` callback in the same transaction, commits once, and wakes
every caller with its own result. No background thread: leadership passes to a waiting caller
when a group is done.

Crash safety is that of one page per transaction: ``save`` returns only after the commit that
made the page durable, so a caller acknowledges its task only for pages that are stored. If the
group's transaction fails, each of its pages is written again in a transaction of its own, so
one bad page (a document deleted meanwhile, a failing callback) fails only its own caller;
a fault of the database itself (connection refused or dropped) fails every page of the group
with it at once, rather than once per page. A leader interrupted mid-write (``KeyboardInterrupt``,
``SystemExit``) fails the other callers' pages with :class:`GroupWriteInterrupted` (transient:
they are given back and redone), so no thread is left waiting for a group nobody writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import InterfaceError, OperationalError

from schemas import DocumentStatus, Page
from storage.database import Database
from storage.recent_blocks import RecentBlocks
from storage.unit_of_work import UnitOfWork

During = Callable[[UnitOfWork, "DocumentStatus | None"], None]
"""Called inside the page's transaction after its result is written, with the document status
this page derived (``None`` unless it completed the document)."""


@dataclass(frozen=True)
class Saved:
    """What became of one page given to :meth:`GroupCommitter.save_all`."""

    number: int
    status: DocumentStatus | None
    """The document's derived status when this page completed it, else ``None``."""
    error: BaseException | None
    """What writing the page (alone, after its group failed) raised; ``None``: it is stored."""


@dataclass
class _Item:
    document_id: str
    page: Page
    during: During | None
    image_key: str | None = None
    done: bool = False
    status: DocumentStatus | None = None
    error: BaseException | None = field(default=None, repr=False)


class GroupWriteInterrupted(RuntimeError):
    """The thread writing a group was interrupted before the group committed: this page was not
    stored (its caller gives it back; it is transient, like a lost connection)."""


def _not_about_a_page(exc: BaseException) -> bool:
    """A fault of the connection or the server (unreachable, restarting, dropped): writing each
    page alone would only meet it once per page."""
    return isinstance(exc, OperationalError | InterfaceError | OSError)


class GroupCommitter:
    """Shared by the threads of one process; see the module docstring."""

    def __init__(
        self, db: Database, *, max_pages: int = 32, max_wait_s: float = 0.01, recent: RecentBlocks | None = None
    ) -> None:
        """``recent``: where the blocks written are remembered for this process's document pass."""
        if max_pages < 1 or max_wait_s < 0:
            raise ValueError("max_pages must be >= 1 and max_wait_s >= 0")
        self.db, self.max_pages, self.max_wait_s, self.recent = db, max_pages, max_wait_s, recent
        self._cond = threading.Condition()
        self._pending: list[_Item] = []
        self._leading = False
        self.transactions = 0
        """Transactions committed so far (groups and single retries): for tests and metrics."""

    def save(
        self, document_id: str, page: Page, during: During | None = None, *, image_key: str | None = None
    ) -> DocumentStatus | None:
        """Store one finished page (in a group with whatever other threads are saving) and return
        the document status it derived, like ``save_result``; raises what writing it alone raised.
        ``image_key``: the page image, already in the blob store, recorded with the page."""
        item = _Item(document_id, page, during, image_key)
        self._commit([item])
        if item.error is not None:
            raise item.error
        return item.status

    def save_all(self, document_id: str, pages: Sequence[tuple[Page, str | None]]) -> list[Saved]:
        """Store several finished pages of one document (with their image keys) together: in one
        transaction when they fit in a group (``max_pages``), shared with whatever other threads
        are saving. Returns once every one of them is committed or failed: per page, in order,
        the document status it derived (on the last page of the document in the group) or the
        error writing it alone raised. Never raises for a page: one bad page fails only itself."""
        items = [_Item(document_id, page, None, image_key) for page, image_key in pages]
        self._commit(items)
        return [Saved(item.page.number, item.status, item.error) for item in items]

    def _commit(self, items: list[_Item]) -> None:
        """Queue ``items``; lead groups (or wait for the leader) until every one is done. A caller
        interrupted meanwhile takes its items that no leader took yet out of the queue, so they
        are not written after it gave them up (over a page reset since, say)."""
        with self._cond:
            self._pending.extend(items)
            self._cond.notify_all()
            try:
                while not all(item.done for item in items):
                    if self._leading:
                        self._cond.wait()
                        continue
                    self._leading = True
                    group = self._gather()
                    self._cond.release()
                    try:
                        self._write(group)
                    finally:
                        self._cond.acquire()
                        self._leading = False
                        self._cond.notify_all()
            except BaseException:
                mine = {id(item) for item in items}
                self._pending = [item for item in self._pending if id(item) not in mine]
                raise

    def _gather(self) -> list[_Item]:
        """(Lock held.) Wait for up to ``max_wait_s`` or ``max_pages`` pages; take the group."""
        deadline = time.monotonic() + self.max_wait_s
        while len(self._pending) < self.max_pages and (left := deadline - time.monotonic()) > 0:
            self._cond.wait(left)
        group = self._pending[: self.max_pages]
        del self._pending[: self.max_pages]
        return group

    def _write(self, group: list[_Item]) -> None:
        """Write ``group`` in one transaction; on failure, each page alone. Marks every item done,
        also when the leader is interrupted (``KeyboardInterrupt``, ``SystemExit``): the other
        callers' pages not committed then fail with :class:`GroupWriteInterrupted` instead of
        waiting for ever, and the interrupt goes on up the leader's own call. (A task's soft time
        limit is an ``Exception``: a fault of the page it interrupts, like any other.)"""
        try:
            self._write_group(group)
        except BaseException as exc:  # (a database error was handled below: this is an interrupt)
            for item in group:
                if not item.done:
                    item.status, item.error, item.done = None, GroupWriteInterrupted(repr(exc)), True
            raise

    def _write_group(self, group: list[_Item]) -> None:
        try:
            with self.db.unit_of_work() as uow:
                images = {(i.document_id, i.page.number): i.image_key for i in group if i.image_key is not None}
                derived = uow.pages.save_results([(i.document_id, i.page) for i in group], images, recent=self.recent)
                last = {i.document_id: i for i in group}  # the status goes to one caller per document
                for item in group:
                    item.status = derived.get(item.document_id) if last[item.document_id] is item else None
                    if item.during is not None:
                        item.during(uow, item.status)
                uow.commit()
        except Exception as exc:
            if len(group) > 1 and not _not_about_a_page(exc):
                for item in group:
                    self._write_group([item])
                return
            for item in group:  # one page, or a fault of the database itself: every page fails with it
                item.status, item.error, item.done = None, exc, True
            return
        for item in group:  # committed: done before anything else can interrupt this thread
            item.done = True
        self.transactions += 1
