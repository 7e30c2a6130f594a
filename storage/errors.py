"""What storage raises (besides SQLAlchemy's own errors for broken connections)."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of storage's errors."""


class DocumentNotFound(StorageError, LookupError):
    """No document has this id."""


class DocumentExists(StorageError):
    """A document with this id, or with the same (sha256, settings_fingerprint), already exists.

    The unit of work stays usable (the failed insert ran in a savepoint)."""


class PageNotFound(StorageError, LookupError):
    """The document has no page with this number (or the document does not exist)."""

    def __init__(self, document_id: str, number: int) -> None:
        super().__init__(f"document {document_id} has no page {number}")
        self.document_id = document_id
        self.number = number


class ReviewConflict(StorageError):
    """A review write based on a page version that is no longer current; ``current`` is the
    page's review state now (a :class:`storage.records.ReviewState`). Nothing was written."""

    def __init__(self, current: object) -> None:
        super().__init__("the page changed since it was read")
        self.current = current


class NotReviewable(StorageError):
    """The page has no result to review yet (not processed)."""
