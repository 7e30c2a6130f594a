"""Wiring for entrypoints (CLI, API): settings -> database, blob store, Celery app.

Each package owns its settings class; this module only reads them once and builds the
adapters. Nothing here imports torch or a model runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from storage import BlobStore, Database, StorageSettings, blob_store_for
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
        """Services from the environment; the engine plugins it names (``DOCPARSE_ENGINE_PLUGINS``)
        are loaded, so their engine names are accepted in requests."""
        from docparse.engines.registry import load_plugins
        from docparse.engines.settings import EngineSettings

        load_plugins(EngineSettings().engine_plugins)
        return cls(storage=StorageSettings(), workers=WorkerSettings())

    @cached_property
    def db(self) -> Database:
        """The database (built once; never migrated here: see :meth:`prepare`)."""
        self.storage.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(
            self.storage.database_url, blobs=self.blobs, inline_output_bytes=self.storage.raw_output_inline_bytes
        )
        return database

    def prepare(self) -> Database:
        """Make the database usable for this process, explicitly, once at start-up (CLI commands
        and ``docparse serve`` call it): the embedded default — a SQLite file in the data folder —
        is created and migrated here; any other database must already be migrated
        (``docparse db upgrade``, the compose stack's ``migrate`` service), else
        :class:`storage.SchemaOutdated` says so. Nothing else ever migrates."""
        if self.storage.is_embedded_database:
            self.db.upgrade()
        else:
            self.db.require_current()
        return self.db

    @cached_property
    def blobs(self) -> BlobStore:
        """The blob store ``DOCPARSE_BLOB_URL`` names (the data folder's by default)."""
        return blob_store_for(self.storage)

    @cached_property
    def app(self) -> Celery:
        from workers.celery_app import create_app

        return create_app(self.workers)

    @property
    def embedded(self) -> bool:
        """No broker configured: tasks run in this process."""
        return not self.workers.broker_url
