"""Document resources: list, status, reprocess, cancel, delete.

Each route is a few lines over :mod:`docparse.intake` and the storage unit of work (the same
functions as ``docparse status / reprocess / cancel``). A document the caller's key does not
own answers 404 (see :mod:`docparse.api.auth`).
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from docparse.api.auth import (
    CurrentPrincipal,
    CurrentServices,
    CurrentSettings,
    manageable_record,
    not_found,
    visible_record,
)
from docparse.api.models import (
    DocumentDetail,
    DocumentList,
    DocumentState,
    DocumentSummary,
    PageSummary,
    ReprocessResponse,
    Timings,
)
from docparse.api.problems import ProblemError
from docparse.api.routes_uploads import status_url
from docparse.intake import UnknownDocument, cancel, reprocess
from schemas import Document, DocumentStatus
from storage import DocumentRecord

router = APIRouter(tags=["documents"])


def summary(record: DocumentRecord, url: str) -> DocumentSummary:
    return DocumentSummary(
        id=record.id,
        filename=record.filename,
        media_type=record.media_type,
        size_bytes=record.size_bytes,
        page_count=record.page_count,
        status=record.status,
        error=record.error,
        created_at=record.created_at,
        updated_at=record.updated_at,
        page_counts=dict(record.page_counts),
        pages_processed=record.pages_processed,
        status_url=url,
    )


def timings(document: Document) -> Timings:
    """Attempt counts, latency and tokens summed over every stored attempt of the document."""
    attempts = [a for page in document.pages for a in page.attempts]
    latencies = [a.latency_s for a in attempts if a.latency_s is not None]
    return Timings(
        attempts=len(attempts),
        total_latency_s=sum(latencies),
        mean_latency_s=sum(latencies) / len(latencies) if latencies else None,
        prompt_tokens=sum(a.prompt_tokens or 0 for a in attempts),
        completion_tokens=sum(a.completion_tokens or 0 for a in attempts),
    )


@router.get("/documents", response_model=DocumentList, summary="List documents")
def list_documents(
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
    status: DocumentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> DocumentList:
    """The caller's documents (an admin key: all; a reviewer key: those assigned to it), newest
    first, with the total for paging."""
    owner = principal.owner_filter
    with services.db.unit_of_work() as uow:
        if principal.reviewer:
            assigned = [uow.documents.get(i) for i in uow.assignments.documents_of(principal.name)]
            found = [r for r in assigned if r is not None and (status is None or r.status == status)]
            found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
            total, records = len(found), found[offset : offset + limit]
        else:
            total = uow.documents.count(status=status, owner=owner)
            records = uow.documents.list(status=status, owner=owner, limit=limit, offset=offset)
    return DocumentList(
        total=total,
        limit=limit,
        offset=offset,
        documents=[summary(r, status_url(settings, request, r.id)) for r in records],
    )


@router.get("/documents/{document_id}", response_model=DocumentDetail, summary="Document status")
def get_document(
    document_id: str,
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
) -> DocumentDetail:
    """Status and error, per-page status and issues, counts by status, timings and tokens."""
    record = visible_record(services, principal, document_id)
    with services.db.unit_of_work() as uow:
        document = uow.documents.load(document_id, include_raw=False)
    if document is None:
        raise not_found(document_id)
    pages = [
        PageSummary(number=p.number, status=p.status, issues=p.issues, blocks=len(p.blocks), attempts=len(p.attempts))
        for p in document.pages
    ]
    base = summary(record, status_url(settings, request, record.id))
    stored = {k: ("***" if k == "password" else v) for k, v in record.settings.items()}
    return DocumentDetail(
        **base.model_dump(),
        owner=record.owner,
        settings=stored,
        issues=document.issues,
        pages=pages,
        timings=timings(document),
    )


@router.post(
    "/documents/{document_id}/reprocess",
    response_model=ReprocessResponse,
    status_code=202,
    summary="Reprocess a document",
)
def reprocess_document(
    document_id: str,
    principal: CurrentPrincipal,
    services: CurrentServices,
    pages: Literal["failed", "pending", "all"] = "all",
) -> ReprocessResponse:
    """Queue again the ``failed`` pages, the ``pending`` pages, or ``all`` of the document (a
    document that failed as a file is rendered again). Nothing to redo: ``queued`` is false."""
    manageable_record(services, principal, document_id, "reprocess documents")
    if services.embedded:
        raise ProblemError(503, "no broker configured: nothing can be queued", kind="queue-unavailable")
    try:
        done = reprocess(
            services.db, services.app, ids=[document_id], failed=pages == "failed", pending=pages == "pending"
        )
    except UnknownDocument:
        raise not_found(document_id) from None
    record = visible_record(services, principal, document_id)
    reset = done[0][1] if done else []
    return ReprocessResponse(id=document_id, status=record.status, pages=reset, queued=bool(done))


@router.post("/documents/{document_id}/cancel", response_model=DocumentState, summary="Cancel a document")
def cancel_document(document_id: str, principal: CurrentPrincipal, services: CurrentServices) -> DocumentState:
    """Stop queued and running pages (finished pages are kept); a finished document is unchanged."""
    manageable_record(services, principal, document_id, "cancel documents")
    try:
        record = cancel(services.db, document_id)
    except UnknownDocument:
        raise not_found(document_id) from None
    return DocumentState(id=record.id, status=record.status)


@router.delete("/documents/{document_id}", status_code=204, response_class=Response, summary="Delete a document")
async def delete_document(document_id: str, principal: CurrentPrincipal, services: CurrentServices) -> Response:
    """Delete the document's rows, then the blobs (original, page images) nothing else references."""

    def work() -> None:
        manageable_record(services, principal, document_id, "delete documents")
        with services.db.unit_of_work() as uow:
            uow.documents.lock(document_id)
            keys = uow.documents.delete(document_id)
            uow.commit()
        for key in keys:
            with contextlib.suppress(OSError):
                services.blobs.delete(key)

    await run_in_threadpool(work)
    return Response(status_code=204)
