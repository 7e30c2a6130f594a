"""``GET /v1/documents/{id}/export``: the exporters' text streamed as the response body.

The main file streams straight from :meth:`Exporter.stream` (a generator; Starlette iterates it
in the thread pool). ``bundle=zip`` returns every file of :meth:`Exporter.files` (for CSV:
``blocks.csv`` and ``tables/*.csv``) as one zip, built in a spooled temporary file (memory
up to 8 MB, then disk) and streamed from there.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from docparse.api.auth import CurrentPrincipal, CurrentServices, not_found, visible_record
from docparse.api.routes_datasets import dataset_response
from docparse.api.routes_pages import page_images
from docparse.export import ExportOptions, get_binary_exporter, get_exporter
from docparse.export.html_export import CSP as HTML_CSP
from docparse.export.xlsx_export import MEDIA_TYPE as XLSX
from schemas import Document

router = APIRouter(tags=["exports"])
CHUNK = 64 * 1024


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _zip(document: Document, fmt: str, options: ExportOptions) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by _drain
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in get_exporter(fmt).files(document, options):
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk.encode("utf-8"))
    spool.seek(0)
    return spool


def _drain(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


@router.get(
    "/documents/{document_id}/export",
    response_class=StreamingResponse,
    summary="Export a document",
    responses={
        200: {
            "description": "the export (or a zip with bundle=zip)",
            "content": {
                m: {} for m in ("application/json", "text/html", "text/csv", "text/markdown", "application/zip", XLSX)
            },
        }
    },
)
async def export_document(
    document_id: str,
    principal: CurrentPrincipal,
    services: CurrentServices,
    format: Literal["json", "html", "csv", "md", "xlsx", "omnidocbench", "qwenvl"] = "json",
    bundle: Literal["zip"] | None = None,
    overlay: bool = False,
    raw: bool = True,
    reviewed: bool = False,
    model_spec: str | None = None,
    neutralize_formulas: Annotated[
        bool,
        Query(
            description="csv: prefix cells a spreadsheet would run as formulas (=, +, -, @, tab, CR; numbers "
            "excepted) with ' (OWASP); false writes every cell verbatim"
        ),
    ] = True,
    furniture: Annotated[
        bool, Query(description="md/html: keep running headers, footers and page numbers in the text")
    ] = False,
) -> StreamingResponse:
    """JSON (schema-versioned; ``raw=false`` drops raw model outputs), HTML (``overlay=true``
    embeds the stored page images with every box drawn; served with its Content-Security-Policy
    as a header), CSV (``blocks.csv``; ``bundle=zip`` adds one CSV per table; formula-like cells
    neutralized unless ``neutralize_formulas=false``) or Markdown. Data sets, always a zip:
    ``omnidocbench`` (ground-truth JSON + page images) and ``qwenvl`` (fine-tuning pairs: page
    images + ``train.jsonl`` with the page as QwenVL HTML in ``model_spec``'s convention);
    ``reviewed=true`` keeps only the pages a person accepted or corrected."""
    if format in ("omnidocbench", "qwenvl"):
        return await dataset_response(services, principal, document_id, format, reviewed, model_spec)

    def load() -> tuple[Document, ExportOptions]:
        visible_record(services, principal, document_id)
        with services.db.unit_of_work() as uow:
            document = uow.documents.load(document_id, include_raw=raw)
        if document is None:
            raise not_found(document_id)
        images = page_images(services, document_id, [p.number for p in document.pages]) if overlay else None
        return document, ExportOptions(
            overlay=overlay,
            page_images=images,
            include_raw=raw,
            neutralize_formulas=neutralize_formulas,
            furniture=furniture,
        )

    document, options = await run_in_threadpool(load)
    stem = document.filename.rsplit(".", 1)[0] or document.id
    if format == "xlsx":  # binary, one file: a sheet per table and the blocks
        data = await run_in_threadpool(get_binary_exporter(format).render, document, options)
        headers = {"Content-Disposition": _disposition(f"{stem}.xlsx"), "X-Content-Type-Options": "nosniff"}
        return StreamingResponse(iter([data]), media_type=XLSX, headers=headers)
    exporter = get_exporter(format)
    if bundle == "zip":
        spool = await run_in_threadpool(_zip, document, format, options)
        return StreamingResponse(
            _drain(spool),
            media_type="application/zip",
            headers={"Content-Disposition": _disposition(f"{stem}-{format}.zip")},
        )
    media_type = exporter.media_type if "charset" in exporter.media_type else f"{exporter.media_type}; charset=utf-8"
    headers = {"Content-Disposition": _disposition(f"{stem}{exporter.extension}"), "X-Content-Type-Options": "nosniff"}
    if format == "html":  # the page's own policy, as a header too (a <meta> cannot say frame-ancestors)
        headers["Content-Security-Policy"] = f"{HTML_CSP}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    return StreamingResponse(exporter.stream(document, options), media_type=media_type, headers=headers)
