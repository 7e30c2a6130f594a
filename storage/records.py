"""What the repository hands out: plain frozen records (never ORM rows) and intake values.

ORM objects never leave :mod:`storage`; the one mapping between rows and :mod:`schemas`
lives in ``storage/mapping.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas import Attempt, Block, DocumentStatus, Issue, PageStatus


@dataclass(frozen=True)
class NewDocument:
    """A document at intake, before any page work. ``id`` is deterministic (:func:`schemas.document_key`)."""

    id: str
    sha256: str
    filename: str
    media_type: str
    size_bytes: int
    settings_fingerprint: str
    settings: dict[str, Any]
    blob_key: str
    batch_id: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class DocumentRecord:
    """A document's row plus its page status counts (for listings and status views)."""

    id: str
    sha256: str
    filename: str
    media_type: str
    size_bytes: int
    page_count: int | None
    status: DocumentStatus
    error: str | None
    settings_fingerprint: str
    settings: dict[str, Any]
    blob_key: str
    batch_id: str | None
    owner: str | None
    created_at: datetime
    updated_at: datetime
    page_counts: dict[PageStatus, int] = field(default_factory=dict)
    pages_processed: int = 0


@dataclass(frozen=True)
class PageState:
    """A page's status and whether a result has been written for it (``processed``)."""

    number: int
    status: PageStatus
    processed: bool
    attempts: int


@dataclass(frozen=True)
class ReviewState:
    """A page's review state: status, concurrency ``token`` (an ETag value; ``version`` counts
    review writes and resets), who reviewed it and when, and the flag asking for a review."""

    document_id: str
    number: int
    status: PageStatus
    version: int
    token: str
    reviewed: bool
    reviewed_by: str | None
    reviewed_at: datetime | None
    flag: str | None
    flagged_by: str | None


@dataclass(frozen=True)
class PageVersion:
    """One entry of a page's history: an attempt (model or human) and the page result it gave,
    when known (``None`` for model attempts that were never the chosen one)."""

    attempt: Attempt
    status: PageStatus | None
    issues: list[Issue] | None
    blocks: list[Block] | None


@dataclass(frozen=True)
class QueueEntry:
    """A page in the review queue: why it is there (``reasons``), its ``priority`` (0 first; see
    :mod:`storage.review_queue`) and the lowest text agreement between its model attempts."""

    document_id: str
    filename: str
    owner: str | None
    batch_id: str | None
    number: int
    status: PageStatus
    priority: int
    reasons: list[str]
    issue_codes: list[str]
    agreement: float | None
    flag: str | None
    reviewed: bool


@dataclass(frozen=True)
class ReviewAssignment:
    """A reviewer assigned to a document, by whom and when."""

    document_id: str
    reviewer: str
    assigned_by: str | None
    assigned_at: datetime
