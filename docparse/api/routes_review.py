"""Review and correction over HTTP: the queue, a page's review state, corrections, accept, flags,
history and reviewer assignments.

Who may review a document: its owner, an admin, or a reviewer key assigned to it (others get
404, as for every document route). Only the owner or an admin assigns reviewers.

Optimistic concurrency: ``GET .../pages/{n}/review`` answers with an ``ETag``; a correction
(``PUT .../pages/{n}/blocks``) or an accept (``POST .../pages/{n}/accept``) must send it back
as ``If-Match`` (``428`` without it). When the page changed in between — another reviewer,
another tab, a reprocess — the answer is ``409`` with the page as it is now (``current``) and
the rejected body (``submitted``), and nothing is written. ``If-Match: *`` overrides knowingly.

After a correction or an accept of a page of a terminal document, the document pass runs again
in the same request (:func:`workers.document_pass.run_document_pass`), so the stored structure,
``document_tables`` and ``table_cells`` follow what the reviewer saved; when it fails, the write
still stands (logged, the stored result stays stale and readers run the pass themselves).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response

from docparse.api.auth import CurrentPrincipal, CurrentServices, CurrentSettings, manageable_record, visible_record
from docparse.api.corrections import human_attempt, normalize_blocks
from docparse.api.models_review import (
    Assignment,
    Assignments,
    Correction,
    FlagRequest,
    PageHistory,
    PageVersionOut,
    QueueItem,
    ReviewInfo,
    ReviewPage,
    ReviewQueue,
)
from docparse.api.problems import ProblemError
from docparse.api.routes_uploads import status_url
from docparse.services import Services
from schemas import CoordinateConvention, Page
from storage import NotReviewable, PageNotFound, ReviewConflict, ReviewState
from workers.document_pass import run_document_pass

router = APIRouter(tags=["review"])
PageNumber = Annotated[int, Path(ge=1, le=1_000_000, description="1-based page number")]
IfMatch = Annotated[str | None, Header(description="the page's ETag from GET .../review ('*': any)")]
_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "the page changed since its ETag was read (body: current and submitted)"},
    428: {"description": "If-Match is required"},
}


def _info(state: ReviewState) -> ReviewInfo:
    return ReviewInfo(
        etag=f'"{state.token}"',
        version=state.version,
        reviewed=state.reviewed,
        reviewed_by=state.reviewed_by,
        reviewed_at=state.reviewed_at,
        flag=state.flag,
        flagged_by=state.flagged_by,
    )


def _review_page(page: Page, state: ReviewState, document_id: str, base: str, has_image: bool) -> ReviewPage:
    return ReviewPage(
        document_id=document_id,
        number=page.number,
        geometry=page.geometry,
        status=page.status,
        engine=page.engine,
        model=page.model,
        issues=page.issues,
        blocks=page.blocks,
        review=_info(state),
        image_url=f"{base}/pages/{page.number}/image" if has_image else None,
    )


def _load(services: Services, document_id: str, number: int, base: str) -> tuple[ReviewPage, Page]:
    try:
        with services.db.unit_of_work() as uow:
            page, state = uow.reviews.page(document_id, number)
            has_image = uow.pages.image_key(document_id, number) is not None
    except PageNotFound:
        raise ProblemError(404, f"document {document_id} has no page {number}", kind="page-not-found") from None
    return _review_page(page, state, document_id, base, has_image), page


def _expected(if_match: str | None, current: str) -> str:
    if if_match is None:
        raise ProblemError(428, "send the page's ETag (from GET .../review) as If-Match", kind="if-match-required")
    value = if_match.strip()
    if value == "*":
        return current
    return value.removeprefix("W/").strip('"')


def _write(
    services: Services, request: Request, document_id: str, number: int, base: str, if_match: str | None, write: Any
) -> Response:
    """Run ``write(uow, expected_token)`` with the page's concurrency check, then the document
    pass again on what the pages now hold; answer the page."""
    current, _ = _load(services, document_id, number, base)
    expected = _expected(if_match, current.review.etag.strip('"'))
    try:
        with services.db.unit_of_work() as uow:
            write(uow, expected)
            uow.commit()
    except ReviewConflict:
        now, _ = _load(services, document_id, number, base)
        raise ProblemError(
            409,
            "the page changed since it was read: reload it (your version is in 'submitted')",
            kind="edit-conflict",
            current=now.model_dump(mode="json"),
            submitted=getattr(request.state, "submitted", None),
        ) from None
    except NotReviewable as exc:
        raise ProblemError(409, str(exc), kind="page-not-reviewable") from None
    run_document_pass(services.db, document_id)  # never raises: a failure leaves the result stale
    page, _ = _load(services, document_id, number, base)
    return Response(page.model_dump_json(), media_type="application/json", headers={"ETag": page.review.etag})


@router.get("/review", response_model=ReviewQueue, summary="The review queue")
def review_queue(
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
    batch: str | None = None,
    document: str | None = None,
    issue_code: str | None = None,
    owner: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> ReviewQueue:
    """Pages that need a look, most urgent first: flagged (0), failed (1), partial (2), with
    error issues (3), low agreement between model attempts (4), with warnings (5); ties by
    oldest document, then page. A user sees its own documents, a reviewer those assigned to it,
    an admin all (``owner`` narrows)."""
    if principal.admin or principal.reviewer:
        scope = {"owner": owner, "assigned_to": principal.name if principal.reviewer else None}
    else:
        scope = {"owner": principal.name, "assigned_to": None}
    with services.db.unit_of_work() as uow:
        total, entries = uow.review_queue.entries(
            **scope, batch_id=batch, document_id=document, issue_code=issue_code, limit=limit, offset=offset
        )
    items = []
    for e in entries:
        base = status_url(settings, request, e.document_id)
        items.append(
            QueueItem(
                document_id=e.document_id,
                filename=e.filename,
                owner=e.owner,
                batch_id=e.batch_id,
                page=e.number,
                status=e.status,
                priority=e.priority,
                reasons=e.reasons,
                issue_codes=e.issue_codes,
                agreement=e.agreement,
                flag=e.flag,
                reviewed=e.reviewed,
                page_url=f"{base}/pages/{e.number}/review",
                view_url=f"{base}/view#page-{e.number}",
            )
        )
    return ReviewQueue(total=total, limit=limit, offset=offset, pages=items)


@router.get("/documents/{document_id}/pages/{number}/review", response_model=ReviewPage, summary="A page to review")
def get_review_page(
    document_id: str,
    number: PageNumber,
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
) -> Response:
    """The page's blocks, issues and geometry with its review state; the ``ETag`` header (also
    ``review.etag``) is what a correction or an accept sends back as ``If-Match``."""
    visible_record(services, principal, document_id)
    page, _ = _load(services, document_id, number, status_url(settings, request, document_id))
    return Response(page.model_dump_json(), media_type="application/json", headers={"ETag": page.review.etag})


@router.put(
    "/documents/{document_id}/pages/{number}/blocks",
    response_model=ReviewPage,
    summary="Correct a page",
    responses=_WRITE_RESPONSES,
)
def correct_page(
    document_id: str,
    number: PageNumber,
    body: Correction,
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
    if_match: IfMatch = None,
) -> Response:
    """Replace the page's blocks with a correction, stored as a new ``human`` attempt (the
    reviewer is the key's name) that becomes the chosen result; the model's attempts stay. The
    page becomes ``ok`` and reviewed; the document status is derived again."""
    visible_record(services, principal, document_id)
    base = status_url(settings, request, document_id)
    _, page = _load(services, document_id, number, base)
    if page.geometry is None:
        raise ProblemError(409, f"page {number} has no geometry (never rendered)", kind="page-not-reviewable")
    geometry = page.geometry
    models = [a for a in page.attempts if a.kind == "model"]
    convention: CoordinateConvention = models[-1].convention if models else "qwen2.5-absolute"
    try:
        blocks = normalize_blocks(document_id, number, body.blocks, geometry, convention)
    except ValueError as exc:
        raise ProblemError(422, f"invalid correction: {exc}", kind="validation-error") from None
    attempt = human_attempt(blocks, geometry, convention, principal.name)
    request.state.submitted = body.model_dump(mode="json")

    def write(uow: Any, expected: str) -> None:
        uow.reviews.correct(
            document_id, number, blocks=blocks, attempt=attempt, reviewer=principal.name, expected=expected
        )

    return _write(services, request, document_id, number, base, if_match, write)


@router.post(
    "/documents/{document_id}/pages/{number}/accept",
    response_model=ReviewPage,
    summary="Accept a page as it is",
    responses=_WRITE_RESPONSES,
)
def accept_page(
    document_id: str,
    number: PageNumber,
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
    if_match: IfMatch = None,
) -> Response:
    """Mark the page ``ok`` and reviewed by the caller, blocks unchanged; the document status is
    derived again."""
    visible_record(services, principal, document_id)
    base = status_url(settings, request, document_id)

    def write(uow: Any, expected: str) -> None:
        uow.reviews.accept(document_id, number, reviewer=principal.name, expected=expected)

    return _write(services, request, document_id, number, base, if_match, write)


@router.put("/documents/{document_id}/pages/{number}/flag", response_model=ReviewInfo, summary="Flag a page")
def flag_page(
    document_id: str, number: PageNumber, body: FlagRequest, principal: CurrentPrincipal, services: CurrentServices
) -> ReviewInfo:
    """Ask for a review of this page (it goes to the top of the queue until reviewed)."""
    visible_record(services, principal, document_id)
    return _flag(services, document_id, number, principal.name, body.reason)


@router.delete("/documents/{document_id}/pages/{number}/flag", response_model=ReviewInfo, summary="Unflag a page")
def unflag_page(
    document_id: str, number: PageNumber, principal: CurrentPrincipal, services: CurrentServices
) -> ReviewInfo:
    """Withdraw the page's flag."""
    visible_record(services, principal, document_id)
    return _flag(services, document_id, number, principal.name, None)


def _flag(services: Services, document_id: str, number: int, by: str, reason: str | None) -> ReviewInfo:
    try:
        with services.db.unit_of_work() as uow:
            state = uow.reviews.flag(document_id, number, by=by, reason=reason)
            uow.commit()
    except PageNotFound:
        raise ProblemError(404, f"document {document_id} has no page {number}", kind="page-not-found") from None
    return _info(state)


@router.get("/documents/{document_id}/pages/{number}/history", response_model=PageHistory, summary="A page's history")
def page_history(
    document_id: str, number: PageNumber, principal: CurrentPrincipal, services: CurrentServices
) -> PageHistory:
    """Every attempt of the page, oldest first — model runs with their raw output, then human
    corrections with the reviewer and time — each with the page result it gave when known."""
    visible_record(services, principal, document_id)
    try:
        with services.db.unit_of_work() as uow:
            versions = uow.reviews.history(document_id, number)
            state = uow.reviews.state(document_id, number)
    except PageNotFound:
        raise ProblemError(404, f"document {document_id} has no page {number}", kind="page-not-found") from None
    return PageHistory(
        document_id=document_id,
        number=number,
        review=_info(state),
        versions=[
            PageVersionOut(attempt=v.attempt, status=v.status, issues=v.issues, blocks=v.blocks) for v in versions
        ],
    )


def _assignments(services: Services, document_id: str) -> Assignments:
    with services.db.unit_of_work() as uow:
        found = uow.assignments.of_document(document_id)
    return Assignments(
        document_id=document_id,
        reviewers=[
            Assignment(
                document_id=a.document_id, reviewer=a.reviewer, assigned_by=a.assigned_by, assigned_at=a.assigned_at
            )
            for a in found
        ],
    )


@router.get("/documents/{document_id}/reviewers", response_model=Assignments, summary="A document's reviewers")
def list_reviewers(document_id: str, principal: CurrentPrincipal, services: CurrentServices) -> Assignments:
    """The reviewer keys assigned to the document."""
    visible_record(services, principal, document_id)
    return _assignments(services, document_id)


@router.put("/documents/{document_id}/reviewers/{reviewer}", response_model=Assignments, summary="Assign a reviewer")
def assign_reviewer(
    document_id: str,
    reviewer: Annotated[str, Path(min_length=1, max_length=255)],
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
) -> Assignments:
    """Let a reviewer key (by its name in ``DOCPARSE_API_REVIEWER_KEYS``) review this document.
    Owner or admin only; idempotent."""
    manageable_record(services, principal, document_id, "assign reviewers")
    if reviewer not in settings.api_reviewer_keys:
        raise ProblemError(422, f"{reviewer!r} is not a reviewer key name", kind="unknown-reviewer")
    with services.db.unit_of_work() as uow:
        uow.assignments.assign(document_id, reviewer, by=principal.name)
        uow.commit()
    return _assignments(services, document_id)


@router.delete(
    "/documents/{document_id}/reviewers/{reviewer}", status_code=204, response_class=Response, summary="Unassign"
)
def unassign_reviewer(
    document_id: str,
    reviewer: Annotated[str, Path(min_length=1, max_length=255)],
    principal: CurrentPrincipal,
    services: CurrentServices,
) -> Response:
    """Withdraw a reviewer's assignment (owner or admin only)."""
    manageable_record(services, principal, document_id, "assign reviewers")
    with services.db.unit_of_work() as uow:
        uow.assignments.unassign(document_id, reviewer)
        uow.commit()
    return Response(status_code=204)
