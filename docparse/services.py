"""Wiring for entrypoints (CLI, API): settings -> database, blob store, Celery app.

Each package owns its settings class; this module only reads them once and builds the
adapters. Nothing here imports torch or a model runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from storage import Database, LocalBlobStore, StorageSettings
from workers.settings import WorkerSettings

if TYPE_CHECKING:  # pragma: no cover
    from celery import Celery


@dataclass
class Services:
    """The database, blob store and Celery app of one process, built from the environment."""

    storage: StorageSettings
    workers: WorkerSettings

    @classmethod
    def from_env(cls) -> Services:
        return cls(storage=StorageSettings(), workers=WorkerSettings())

    @cached_property
    def db(self) -> Database:
        self.storage.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(self.storage.database_url)
        database.upgrade()
        return database

    @cached_property
    def blobs(self) -> LocalBlobStore:
        return LocalBlobStore(self.storage.blob_dir)

    @cached_property
    def app(self) -> Celery:
        from workers.celery_app import create_app

        return create_app(self.workers)

    @property
    def embedded(self) -> bool:
        """No broker configured: tasks run in this process."""
        return not self.workers.broker_url
