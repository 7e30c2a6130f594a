"""Page resources: one page's geometry, status, issues and blocks; its stored page image."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from docparse.api.auth import CurrentPrincipal, CurrentServices, CurrentSettings, visible_record
from docparse.api.models import PageDetail
from docparse.api.problems import ProblemError
from docparse.api.routes_uploads import status_url
from docparse.render import HEAD_BYTES, sniff_media_type
from docparse.services import Services
from schemas import Page

router = APIRouter(tags=["pages"])
PageNumber = Annotated[int, Path(ge=1, le=1_000_000, description="1-based page number")]


def page_images(services: Services, document_id: str, numbers: list[int]) -> dict[int, tuple[bytes, str]]:
    """The stored page images of these pages (page number -> bytes and media type), where kept."""
    images: dict[int, tuple[bytes, str]] = {}
    with services.db.unit_of_work() as uow:
        keys = {n: uow.pages.image_key(document_id, n) for n in numbers}
    for number, key in keys.items():
        if key and services.blobs.exists(key):
            data = services.blobs.get(key)
            images[number] = (data, sniff_media_type(data[:HEAD_BYTES]) or "application/octet-stream")
    return images


def _page(services: Services, document_id: str, number: int, raw: bool) -> Page:
    with services.db.unit_of_work() as uow:
        document = uow.documents.load(document_id, include_raw=raw)
    page = next((p for p in document.pages if p.number == number), None) if document else None
    if page is None:
        raise ProblemError(404, f"document {document_id} has no page {number}", kind="page-not-found")
    return page


@router.get("/documents/{document_id}/pages/{number}", response_model=PageDetail, summary="One page")
def get_page(
    document_id: str,
    number: PageNumber,
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
    raw: bool = False,
) -> PageDetail:
    """Geometry, status, issues and blocks of a page; ``raw=true`` adds its attempts with the raw
    model output."""
    visible_record(services, principal, document_id)
    page = _page(services, document_id, number, raw)
    with services.db.unit_of_work() as uow:
        key = uow.pages.image_key(document_id, number)
    base = status_url(settings, request, document_id)
    return PageDetail(
        document_id=document_id,
        number=page.number,
        geometry=page.geometry,
        status=page.status,
        engine=page.engine,
        model=page.model,
        issues=page.issues,
        blocks=page.blocks,
        attempts=[a.model_dump(mode="json") for a in page.attempts] if raw else None,
        image_url=f"{base}/pages/{number}/image" if key else None,
    )


@router.get(
    "/documents/{document_id}/pages/{number}/image",
    response_class=Response,
    summary="A page's stored image",
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "the page image"}},
)
def get_page_image(
    document_id: str, number: PageNumber, principal: CurrentPrincipal, services: CurrentServices
) -> Response:
    """The page image the model saw (as stored by the worker, in whichever blob store); 404 when
    none was kept. Its ETag is its content key, so clients may cache it for good."""
    visible_record(services, principal, document_id)
    with services.db.unit_of_work() as uow:
        key = uow.pages.image_key(document_id, number)
    try:
        data = services.blobs.get(key) if key else None
    except FileNotFoundError:
        data = None
    if data is None:
        raise ProblemError(404, f"no stored image for page {number} of {document_id}", kind="image-not-found")
    return Response(
        data,
        media_type=sniff_media_type(data[:HEAD_BYTES]) or "application/octet-stream",
        headers={"ETag": f'"{key}"', "Cache-Control": "private, max-age=31536000, immutable"},
    )
