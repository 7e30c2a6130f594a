"""What the repository hands out: plain frozen records (never ORM rows) and intake values.

ORM objects never leave :mod:`storage`; the one mapping between rows and :mod:`schemas`
lives in ``storage/mapping.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas import DocumentStatus, PageStatus


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
