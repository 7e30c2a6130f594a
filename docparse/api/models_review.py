"""Request and response bodies of the review endpoints (:mod:`docparse.api.routes_review`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas import Attempt, Block, Issue, PageGeometry, PageStatus


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewInfo(_Model):
    """A page's review state. ``etag`` is its concurrency token: send it back as ``If-Match``."""

    etag: str
    version: int
    reviewed: bool
    reviewed_by: str | None
    reviewed_at: datetime | None
    flag: str | None = Field(description="why someone asked for a review of this page (null: not flagged)")
    flagged_by: str | None


class ReviewPage(_Model):
    """A page as a reviewer edits it: blocks, issues and geometry with the review state, read in
    one transaction (so the ``etag`` belongs to exactly these blocks)."""

    document_id: str
    number: int
    geometry: PageGeometry | None
    status: PageStatus
    engine: str | None
    model: str | None
    issues: list[Issue]
    blocks: list[Block]
    review: ReviewInfo
    image_url: str | None


class Correction(_Model):
    """A corrected page: every block in reading order (the list replaces the page's blocks).

    Ids, ``page`` and ``order`` are assigned by the server from the position in the list; a
    block's ``bbox`` (page space) is authoritative and ``bbox_norm`` is recomputed from it, or
    ``bbox`` from ``bbox_norm`` when only that is given; derived text (tables, lists, formulas,
    figures) and each block's ``html`` are rebuilt."""

    blocks: list[Block] = Field(max_length=5000)


class Conflict(_Model):
    """The body of a 409: the page as it is now and what was sent, so nothing is lost."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    current: ReviewPage
    submitted: dict[str, Any] | None = Field(description="the rejected request body")


class FlagRequest(_Model):
    """Ask for a review of a page."""

    reason: str = Field(default="flagged", min_length=1, max_length=2000)


class PageVersionOut(_Model):
    """One entry of a page's history: the attempt (model run or human correction) and the page
    result it gave, when known."""

    attempt: Attempt
    status: PageStatus | None
    issues: list[Issue] | None
    blocks: list[Block] | None


class PageHistory(_Model):
    """Every attempt of a page, oldest first, with its review state."""

    document_id: str
    number: int
    review: ReviewInfo
    versions: list[PageVersionOut]


class QueueItem(_Model):
    """A page that needs a look, with why (``reasons``) and its priority (0 is the most urgent)."""

    document_id: str
    filename: str
    owner: str | None
    batch_id: str | None
    page: int
    status: PageStatus
    priority: int
    reasons: list[str]
    issue_codes: list[str]
    agreement: float | None = Field(description="lowest text similarity between the page's model attempts")
    flag: str | None
    reviewed: bool
    page_url: str
    view_url: str


class ReviewQueue(_Model):
    """One page of the review queue, in priority order, with the total for paging."""

    total: int
    limit: int
    offset: int
    pages: list[QueueItem]


class Assignment(_Model):
    """A reviewer assigned to a document."""

    document_id: str
    reviewer: str
    assigned_by: str | None
    assigned_at: datetime


class Assignments(_Model):
    """The reviewers of a document."""

    document_id: str
    reviewers: list[Assignment]
