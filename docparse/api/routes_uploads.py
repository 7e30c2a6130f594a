"""``POST /v1/documents``: upload -> validate -> store -> enqueue -> ``202``.

Each file is streamed to a temporary file (:mod:`docparse.api.uploads`), its type sniffed from
its bytes (415), its pages counted (:func:`docparse.intake.refusal`: 422 for too many pages, a
locked or unreadable file), then taken in by :func:`docparse.intake.intake_file` (owner: the
key's name) and queued by id (:func:`workers.client.enqueue_document`) — the same library
functions as ``docparse ingest``.

Overall status of the response (entries are in upload order, one per file):

* ``202 Accepted`` — at least one file was queued as a new document; the other entries may be
  duplicates (``duplicate: true``, the existing id) or rejections (``{"filename", "error"}``
  with the file's own problem status inside);
* ``200 OK`` — nothing new was queued, but at least one file is an existing document
  (duplicates, possibly with rejections beside them);
* every file rejected — a problem response: with one file, that file's problem (413 / 415 /
  422 ...); with several, their common status or 422 when they differ, with ``documents``
  listing each file's entry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from docparse.api.auth import CurrentPrincipal, CurrentServices, CurrentSettings, Principal, forbid_reviewer
from docparse.api.models import RejectedFile, UploadedDocument, UploadResponse
from docparse.api.problems import ProblemError, problem, problem_responses
from docparse.api.settings import ApiSettings
from docparse.api.uploads import FILES_FIELD, UploadedFile, parse_upload
from docparse.engines.settings import EngineName, EngineSettings
from docparse.intake import ProcessingRequest, intake_file
from docparse.render import InvalidPixelBudget, RenderLimits, check_pixel_budget, describe_unsupported
from docparse.services import Services
from workers.client import enqueue_document

log = logging.getLogger("docparse.api")
router = APIRouter(tags=["documents"])


class UploadOptions(BaseModel):
    """The optional form fields of an upload (``None``: the workers' configured value)."""

    model_config = ConfigDict(extra="forbid")

    engine: EngineName | None = None
    model: str | None = Field(default=None, min_length=1, max_length=500)
    model_spec: str | None = Field(default=None, min_length=1, max_length=100)
    min_pixels: int | None = Field(default=None, gt=0, le=1 << 31)
    max_pixels: int | None = Field(default=None, gt=0, le=1 << 31)


def _form_field(schema: dict[str, Any]) -> dict[str, Any]:
    """A form field's schema without its ``null`` branch: a multipart field is sent or left out."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**branches[0], **rest} if len(branches) == 1 else rest


_OPTION_SCHEMA: dict[str, Any] = {
    name: _form_field(field) for name, field in UploadOptions.model_json_schema()["properties"].items()
}
UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FILES_FIELD],
                "properties": {
                    FILES_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1},
                    **_OPTION_SCHEMA,
                },
                "additionalProperties": False,
            }
        }
    },
}


def status_url(settings: ApiSettings, request: Request, document_id: str) -> str:
    """The absolute URL of a document's status (``public_base_url`` or the request's base)."""
    base = settings.public_base_url or str(request.base_url).rstrip("/")
    return f"{base}/v1/documents/{document_id}"


def processing_request(
    fields: dict[str, str], limits: RenderLimits, allowed_models: Sequence[str] = ()
) -> ProcessingRequest:
    """The form fields as a :class:`ProcessingRequest`; a 422 problem when invalid.

    An empty field is refused (leave a field out for the configured value). The pixel budget in
    force — the options given over the configured ones — must satisfy ``min_pixels <= max_pixels
    <= limits.max_model_pixels`` (the operator's cap); the problem names the option and the limit.
    A ``model`` must be the workers' configured one or among ``allowed_models``
    (``DOCPARSE_API_ALLOWED_MODELS``): an uploader never makes a worker load, or download, a model
    the operator did not choose."""
    empty = [name for name, value in fields.items() if value == ""]
    if empty:
        errors = [
            {"loc": [name], "msg": "must not be empty: leave it out for the default", "type": "empty"} for name in empty
        ]
        raise ProblemError(422, f"empty upload option: {', '.join(empty)}", kind="validation-error", errors=errors)
    try:
        options = UploadOptions.model_validate(fields)
        request = ProcessingRequest(**options.model_dump())
        configured = EngineSettings()
        _check_model(options.model, configured.model, allowed_models)
        resolved = request.resolve(configured)
        check_pixel_budget(resolved.min_pixels, resolved.max_pixels, limits)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        raise ProblemError(422, "invalid upload options", kind="validation-error", errors=errors) from None
    except InvalidPixelBudget as exc:
        errors = [{"loc": [exc.option], "msg": str(exc), "type": "limit"}]
        raise ProblemError(
            422, str(exc), kind="pixel-budget", errors=errors, limit=exc.limit, maximum=exc.maximum
        ) from None
    except (KeyError, ValueError) as exc:
        raise ProblemError(422, str(exc.args[0] if exc.args else exc), kind="validation-error") from None
    return request


def _check_model(model: str | None, configured: str | None, allowed: Sequence[str]) -> None:
    if model is None or model == configured or model in allowed:
        return
    errors = [{"loc": ["model"], "msg": "not a model this server allows", "type": "limit"}]
    detail = (
        f"model {model!r} is not allowed on this server: an upload may ask for the configured model or one "
        "listed in DOCPARSE_API_ALLOWED_MODELS"
    )
    raise ProblemError(422, detail, kind="model-not-allowed", errors=errors, limit="allowed_models")


def _reject(item: UploadedFile, status: int, detail: str, instance: str, kind: str) -> RejectedFile:
    return RejectedFile.model_validate(
        {"filename": item.filename, "error": problem(status, detail, instance=instance, kind=kind)}
    )


def admit(
    item: UploadedFile,
    *,
    services: Services,
    settings: ApiSettings,
    principal: Principal,
    request: ProcessingRequest,
    instance: str,
    url_of: Any,
) -> UploadedDocument | RejectedFile:
    """One streamed file -> its response entry (blocking: runs in the thread pool)."""
    if item.too_big:
        detail = f"{item.filename} is over the upload limit of {settings.max_upload_bytes} bytes"
        return _reject(item, 413, detail, instance, "upload-too-large")
    if item.size == 0:
        return _reject(item, 422, f"{item.filename} is empty", instance, "empty-file")
    if item.unsupported:  # sniffed while streaming: nothing past its first bytes was written
        detail = f"{item.filename} is {describe_unsupported(item.head)}, not a PDF or an image"
        return _reject(item, 415, detail, instance, "unsupported-media-type")
    limits = settings.render_limits()
    result = intake_file(  # reads the file once (digest, type), opens it once (pages); stores nothing refused
        item.path,
        db=services.db,
        blobs=services.blobs,
        request=request,
        limits=limits,
        owner=principal.name,
        keep_refused=False,
    )
    if result.outcome == "refused" and result.refusal == "unsupported":
        return _reject(item, 415, result.reason or "not a PDF or an image", instance, "unsupported-media-type")
    if result.document_id is None:
        return _reject(item, 422, result.reason or "the file could not be taken in", instance, "unprocessable-document")
    with services.db.unit_of_work() as uow:
        record = uow.documents.get(result.document_id)
    assert record is not None
    if result.outcome == "queued":
        try:
            enqueue_document(services.app, record.id)
        except Exception:  # broker down: the document stays queued; reprocess queues it again
            log.exception("enqueue failed for document %s", record.id)
            detail = f"{item.filename} was stored as {record.id} but could not be queued; POST its reprocess later"
            return _reject(item, 503, detail, instance, "queue-unavailable")
    return UploadedDocument(
        id=record.id,
        filename=record.filename,
        status=record.status,
        status_url=url_of(record.id),
        duplicate=result.outcome == "duplicate",
    )


def overall(entries: list[UploadedDocument | RejectedFile]) -> int:
    """The response status for these entries (see the module docstring)."""
    accepted = [e for e in entries if isinstance(e, UploadedDocument)]
    if any(not e.duplicate for e in accepted):
        return 202
    if accepted:
        return 200
    statuses = {e.error.status for e in entries if isinstance(e, RejectedFile)}
    return statuses.pop() if len(statuses) == 1 else 422


@router.post(
    "/documents",
    status_code=202,
    response_model=UploadResponse,
    summary="Upload documents",
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={
        200: {"model": UploadResponse, "description": "every file was already uploaded (duplicates)"},
        202: {"description": "at least one new document was queued"},
        **problem_responses(
            (400, "a malformed multipart body (no boundary, broken parts, too many or too long fields)"),
            (403, "a reviewer key may not upload"),
            (413, "a file, the files together or the number of files is over its limit"),
            (415, "not multipart, or no file is a PDF or an image"),
            (
                422,
                "invalid or empty options, a pixel budget over the operator's limit or with min_pixels > max_pixels, "
                "too many pages, a locked, damaged or unreadable file (with several files: each file's problem "
                "is in `documents`)",
            ),
            (503, "no broker is configured, or the queue is unreachable"),
        ),
    },
)
async def upload_documents(
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    settings: CurrentSettings,
) -> JSONResponse:
    """Upload one or more files (field ``files``) with optional processing options. Answers per
    file, in order; see the module docstring for the overall status code."""
    forbid_reviewer(principal, "upload documents")
    if services.embedded:
        raise ProblemError(
            503, "no broker configured: run `docparse serve` or set DOCPARSE_BROKER_URL", kind="queue-unavailable"
        )
    upload = await parse_upload(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        max_file_bytes=settings.max_upload_bytes,
        max_files=settings.max_files,
        max_request_bytes=settings.request_limit,
    )
    try:
        if not upload.files:
            raise ProblemError(422, f"no files: send one or more in the {FILES_FIELD!r} field", kind="validation-error")
        processing = processing_request(upload.fields, settings.render_limits(), settings.api_allowed_models)
        entries: list[UploadedDocument | RejectedFile] = []
        for item in upload.files:
            entries.append(
                await run_in_threadpool(
                    admit,
                    item,
                    services=services,
                    settings=settings,
                    principal=principal,
                    request=processing,
                    instance=request.url.path,
                    url_of=lambda id: status_url(settings, request, id),
                )
            )
    finally:
        upload.cleanup()
    status = overall(entries)
    body = UploadResponse(documents=entries).model_dump(mode="json")
    if status >= 400:
        if len(entries) == 1 and isinstance(entries[0], RejectedFile):
            raise ProblemError(
                status, entries[0].error.detail or "rejected", kind=entries[0].error.type.rsplit("/", 1)[-1]
            )
        raise ProblemError(status, "no file was accepted", kind="upload-rejected", documents=body["documents"])
    return JSONResponse(body, status_code=status)
