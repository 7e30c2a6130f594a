"""Persistence for docparse: SQLAlchemy tables, the one ORM <-> schema mapping
(:mod:`storage.mapping`), repositories behind a unit of work, the content-addressed blob
store and Alembic migrations (shipped in ``storage/migrations``).

::

    settings = StorageSettings()
    db = Database(settings.database_url)
    db.upgrade()
    with db.unit_of_work() as uow:
        record = uow.documents.add(new)
        uow.commit()

Keep units of work short (one page result, one status change): on SQLite each one holds the
database's write lock from its first statement to its end, so never hold one open around model
inference.

This package imports only :mod:`schemas` of ours (an import-linter contract enforces it);
ORM rows never leave it. Importing it loads SQLAlchemy and Alembic but nothing heavier;
:mod:`storage.settings` alone loads only pydantic-settings.
"""

from storage.blobs import BlobStore, LocalBlobStore
from storage.database import Database
from storage.errors import DocumentExists, DocumentNotFound, StorageError
from storage.records import DocumentRecord, NewDocument, PageState
from storage.settings import StorageSettings, normalize_database_url
from storage.unit_of_work import UnitOfWork

__all__ = [
    "BlobStore",
    "Database",
    "DocumentExists",
    "DocumentNotFound",
    "DocumentRecord",
    "LocalBlobStore",
    "NewDocument",
    "PageState",
    "StorageError",
    "StorageSettings",
    "UnitOfWork",
    "normalize_database_url",
]
