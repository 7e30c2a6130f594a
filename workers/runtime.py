"""What a task needs besides its ids: the app's settings, the database and the blob store.

Each Celery app created by :func:`workers.worker.create_app` is registered here with its
:class:`WorkerSettings`. The database and blob store are either bound explicitly
(:func:`bind`, e.g. embedded mode running tasks against the caller's database) or built from
the environment (:class:`storage.StorageSettings`) lazily, once per process: a forked pool
child never reuses its parent's connection pool.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workers.settings import WorkerSettings

if TYPE_CHECKING:  # pragma: no cover
    from storage import BlobStore, Database, GroupCommitter
    from storage.recent_blocks import RecentBlocks
    from workers.leases import LeaseKeeper
    from workers.page_budget import PageBudget


PASS_CACHE_BUDGETS = 2
"""A remote engine's worker process remembers the blocks of at least this many page budgets' worth
of pages it wrote (``pass_cache_pages`` when larger): its budget's tasks span many documents at
once, and a document whose first pages fell out before its last one landed is read back for its
pass (``make bench``, 10-page documents, 1 process: 1-2 ms more CPU per page at 128 pages
remembered with a budget of 128)."""


@dataclass
class WorkerRuntime:
    """The settings, database and blob store the tasks of one app use in this process."""

    settings: WorkerSettings
    db: Database
    blobs: BlobStore
    pid: int
    owned: bool  # built here from the environment (so disposed here), not bound by a caller
    _keeper: LeaseKeeper | None = field(default=None, repr=False)
    _keeper_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _committer: GroupCommitter | None = field(default=None, repr=False)
    _budget: PageBudget | None = field(default=None, repr=False)
    _budget_known: bool = field(default=False, repr=False)
    recent: RecentBlocks = field(init=False, repr=False)
    """The blocks of pages this process wrote lately, for its document passes (``pass_cache_pages``)."""

    def __post_init__(self) -> None:
        from storage.recent_blocks import RecentBlocks

        self.recent = RecentBlocks(self.settings.pass_cache_pages)

    def leases(self) -> LeaseKeeper:
        """This runtime's :class:`~workers.leases.LeaseKeeper` (its worker id and heartbeat),
        started on first use."""
        with self._keeper_lock:
            if self._keeper is None:
                from workers.leases import LeaseKeeper, on_overrun

                self._keeper = LeaseKeeper(self.db, self.settings, on_overrun)
            return self._keeper

    def committer(self) -> GroupCommitter:
        """This runtime's :class:`~storage.GroupCommitter`: the threads of this process saving
        pages at the same time share transactions (at most ``save_group_pages`` pages each)."""
        with self._keeper_lock:
            if self._committer is None:
                from storage import GroupCommitter

                self._committer = GroupCommitter(
                    self.db, max_pages=self.settings.save_group_pages, max_wait_s=0.0, recent=self.recent
                )
            return self._committer

    def page_budget(self, pages: Callable[[WorkerSettings], int | None]) -> PageBudget | None:
        """This process's page budget (:mod:`workers.page_budget`), made on first use with
        ``pages(settings)`` pages (``None``: no budget, the task threads bound the pages); the
        pass cache then holds at least :data:`PASS_CACHE_BUDGETS` budgets."""
        with self._keeper_lock:
            if not self._budget_known:
                from workers.page_budget import PageBudget

                size = pages(self.settings)
                if size is not None:
                    self._budget = PageBudget(size)
                    self.recent.hold_at_least(PASS_CACHE_BUDGETS * size)  # the documents in flight, for their passes
                self._budget_known = True
            return self._budget


_settings: weakref.WeakKeyDictionary[Any, WorkerSettings] = weakref.WeakKeyDictionary()
_bound: weakref.WeakKeyDictionary[Any, tuple[Database, BlobStore]] = weakref.WeakKeyDictionary()
_runtimes: weakref.WeakKeyDictionary[Any, WorkerRuntime] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def register(app: Any, settings: WorkerSettings) -> None:
    """Remember ``app``'s settings (done by ``create_app``)."""
    _settings[app] = settings


def settings_of(app: Any) -> WorkerSettings:
    """The settings ``app`` was created with (environment settings for a foreign app)."""
    settings = _settings.get(app)
    if settings is None:
        settings = _settings[app] = WorkerSettings()
    return settings


def bind(app: Any, db: Database, blobs: BlobStore) -> None:
    """Make ``app``'s tasks use this database and blob store in this process."""
    with _lock:
        _bound[app] = (db, blobs)
        _runtimes.pop(app, None)


def runtime_for(app: Any) -> WorkerRuntime:
    """The runtime of ``app`` in this process (built on first use; rebuilt after a fork)."""
    pid = os.getpid()
    with _lock:
        runtime = _runtimes.get(app)
        if runtime is not None and runtime.pid == pid:
            return runtime
        bound = _bound.get(app)
        if bound is not None:
            runtime = WorkerRuntime(settings_of(app), bound[0], bound[1], pid, owned=False)
        else:
            from storage import Database, StorageSettings, blob_store_for

            storage = StorageSettings()
            blobs = blob_store_for(storage)
            db = Database(storage.database_url, blobs=blobs, inline_output_bytes=storage.raw_output_inline_bytes)
            runtime = WorkerRuntime(settings_of(app), db, blobs, pid, owned=True)
        _runtimes[app] = runtime
        return runtime


def forget_inherited() -> None:
    """After a fork: drop runtimes built by the parent without closing its connections."""
    pid = os.getpid()
    with _lock:
        for app in [a for a, r in _runtimes.items() if r.pid != pid]:
            del _runtimes[app]


def dispose(app: Any) -> None:
    """Close the database connections of ``app``'s runtime in this process, if it built them."""
    with _lock:
        runtime = _runtimes.pop(app, None)
    if runtime is not None and runtime.pid == os.getpid() and runtime._keeper is not None:
        runtime._keeper.stop()
    if runtime is not None and runtime.owned and runtime.pid == os.getpid():
        runtime.db.dispose()
