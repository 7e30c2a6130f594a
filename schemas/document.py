"""Documents and how their status follows from their pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import Field

from schemas._base import StrictModel
from schemas.issues import Issue
from schemas.page import Page, PageStatus
from schemas.structure import DocumentStructure
from schemas.version import SCHEMA_VERSION

DocumentStatus = Literal["queued", "running", "done", "partial", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"done", "partial", "failed", "cancelled"})


def derive_document_status(page_statuses: Iterable[PageStatus]) -> DocumentStatus:
    """The terminal status of a processed document from its pages' statuses.

    ``done`` when every page is ``ok``; ``failed`` when there are no pages or every page
    failed; otherwise ``partial`` (some pages partial, failed or still pending).
    """
    statuses = list(page_statuses)
    if not statuses:
        return "failed"
    if all(s == "ok" for s in statuses):
        return "done"
    if all(s == "failed" for s in statuses):
        return "failed"
    return "partial"


def document_key(sha256: str, settings_fingerprint: str, owner: str | None = None) -> str:
    """The deterministic document id: the same bytes parsed with the same settings by the same
    owner are the same document. Owners never share a document (nor learn that another has the
    file): the owner, when there is one, enters the id's second half."""
    tail = (
        settings_fingerprint
        if owner is None
        else hashlib.sha256(f"{settings_fingerprint}/{owner}".encode()).hexdigest()
    )
    return f"{sha256[:16]}-{tail[:8]}"


class Document(StrictModel):
    """A parsed document: identity, provenance, status with reasons, and its pages."""

    schema_version: str = SCHEMA_VERSION
    id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    filename: str
    media_type: str
    page_count: int = Field(ge=0)
    status: DocumentStatus
    error: str | None = Field(default=None, description="why the file itself failed (corrupt, encrypted, ...)")
    settings_fingerprint: str
    created_at: datetime
    updated_at: datetime
    issues: list[Issue] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)
    structure: DocumentStructure | None = Field(
        default=None,
        description="what the document-level pass adds (running headers/footers, continuations, tables); "
        "None until it has run",
    )
