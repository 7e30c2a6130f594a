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

from storage.blobs import (
    BlobStore,
    BlobStoreError,
    BlobStoreUnavailable,
    LocalBlobStore,
    S3BlobStore,
    blob_store_for,
    blob_store_from_url,
)
from storage.database import Database, SchemaOutdated
from storage.errors import (
    DocumentExists,
    DocumentNotFound,
    NotReviewable,
    PageNotFound,
    ReviewConflict,
    StorageError,
)
from storage.group_commit import GroupCommitter, Saved
from storage.records import (
    DocumentRecord,
    NewDocument,
    PageState,
    PageVersion,
    QueueEntry,
    ReviewAssignment,
    ReviewState,
)
from storage.settings import StorageSettings, normalize_database_url
from storage.status import TRANSITIONS, IllegalTransition
from storage.unit_of_work import UnitOfWork

__all__ = [
    "TRANSITIONS",
    "BlobStore",
    "BlobStoreError",
    "BlobStoreUnavailable",
    "Database",
    "DocumentExists",
    "DocumentNotFound",
    "DocumentRecord",
    "GroupCommitter",
    "IllegalTransition",
    "LocalBlobStore",
    "NewDocument",
    "NotReviewable",
    "PageNotFound",
    "PageState",
    "PageVersion",
    "QueueEntry",
    "ReviewAssignment",
    "ReviewConflict",
    "ReviewState",
    "S3BlobStore",
    "Saved",
    "SchemaOutdated",
    "StorageError",
    "StorageSettings",
    "UnitOfWork",
    "blob_store_for",
    "blob_store_from_url",
    "normalize_database_url",
]
