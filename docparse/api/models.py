"""Request and response bodies of the HTTP API that :mod:`schemas` does not already define.

Page bodies reuse :class:`schemas.Page` and its parts; these models wrap documents, listings,
uploads and errors. Every model forbids unknown fields, like the contract's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas import Block, DocumentStatus, Issue, PageGeometry, PageStatus


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Model):
    """RFC 9457 problem details (``application/problem+json``); handlers may add members
    (``errors`` for validation problems)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="a URI naming the problem type")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="the request path")


class UploadedDocument(_Model):
    """One file of an upload that became (or already was) a document."""

    id: str
    filename: str
    status: DocumentStatus
    status_url: str
    duplicate: bool = Field(description="true: the same bytes with the same settings were uploaded before")


class RejectedFile(_Model):
    """One file of an upload that was refused (too big, unsupported type, too many pages ...)."""

    filename: str
    error: Problem


class UploadResponse(_Model):
    """The answer to an upload, one entry per file in upload order."""

    documents: list[UploadedDocument | RejectedFile]


class Timings(_Model):
    """Inference cost of a document, from its stored attempts (all attempts, retries included)."""

    attempts: int
    total_latency_s: float
    mean_latency_s: float | None
    prompt_tokens: int
    completion_tokens: int


class PageSummary(_Model):
    """A page's status and issues, without blocks."""

    number: int
    status: PageStatus
    issues: list[Issue]
    blocks: int
    attempts: int


class DocumentSummary(_Model):
    """A document in a listing."""

    id: str
    filename: str
    media_type: str
    size_bytes: int
    page_count: int | None
    status: DocumentStatus
    error: str | None
    created_at: datetime
    updated_at: datetime
    page_counts: dict[str, int] = Field(description="pages by status")
    pages_processed: int
    status_url: str


class DocumentDetail(DocumentSummary):
    """A document's status with its pages and inference timings."""

    owner: str | None
    settings: dict[str, Any] = Field(description="document-level settings (password redacted)")
    issues: list[Issue]
    pages: list[PageSummary]
    timings: Timings


class DocumentList(_Model):
    """One page of a listing, newest first."""

    total: int
    limit: int
    offset: int
    documents: list[DocumentSummary]


class PageDetail(_Model):
    """A page: geometry, status, issues and blocks (:class:`schemas.Page` without raw attempts
    unless asked for with ``?raw=true``)."""

    document_id: str
    number: int
    geometry: PageGeometry | None
    status: PageStatus
    engine: str | None
    model: str | None
    issues: list[Issue]
    blocks: list[Block]
    attempts: list[dict[str, Any]] | None = Field(default=None, description="only with ?raw=true")
    image_url: str | None = Field(description="the stored page image, when one was kept")


class ReprocessResponse(_Model):
    """What was queued again."""

    id: str
    status: DocumentStatus
    pages: list[int] = Field(description="pages reset (empty: the whole document is rendered again)")
    queued: bool


class DocumentState(_Model):
    """A document's id and status after an action (cancel)."""

    id: str
    status: DocumentStatus


class Health(_Model):
    """Liveness or readiness."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
