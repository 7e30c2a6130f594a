"""What storage raises (besides SQLAlchemy's own errors for broken connections)."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of storage's errors."""


class DocumentNotFound(StorageError, LookupError):
    """No document has this id."""


class DocumentExists(StorageError):
    """A document with this id, or with the same (sha256, settings_fingerprint), already exists.

    The unit of work stays usable (the failed insert ran in a savepoint)."""
