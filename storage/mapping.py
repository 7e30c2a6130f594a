"""The one mapping between table rows and :mod:`schemas` / :mod:`storage.records` values.

Blocks are stored whole as their JSON (``attributes``) and rebuilt through the discriminated
union, so every field of every block type round-trips; the box and text columns are copies
for SQL. Everything else maps column by column.

PostgreSQL cannot store NUL characters in text or JSONB, and raw model output sometimes holds
them: every stored string has NUL replaced by U+FFFD (on every database, so both behave the
same); everything else round-trips exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, TypeAdapter

from schemas import Attempt, Block, Document, DocumentStatus, Issue, Page, PageGeometry, PageStatus
from storage.records import DocumentRecord, NewDocument
from storage.tables import AttemptRow, DocumentRow, PageRow, RawJson

_BLOCK: TypeAdapter[Block] = TypeAdapter(Block)
_BLOCKS: TypeAdapter[list[Block]] = TypeAdapter(list[Block])
_ISSUES = TypeAdapter(list[Issue])
_NUL = "\x00"
_REPLACEMENT = "\ufffd"


def scrub(value: Any) -> Any:
    """``value`` (JSON-like) with NUL characters in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace(_NUL, _REPLACEMENT) if _NUL in value else value
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def new_document_values(new: NewDocument, now: datetime) -> dict[str, Any]:
    """Column values of a freshly queued document."""
    return {
        "id": new.id,
        "sha256": new.sha256,
        "filename": scrub(new.filename),
        "media_type": new.media_type,
        "size_bytes": new.size_bytes,
        "page_count": None,
        "status": "queued",
        "error": None,
        "settings_fingerprint": new.settings_fingerprint,
        "settings": scrub(dict(new.settings)),
        "blob_key": new.blob_key,
        "batch_id": new.batch_id,
        "owner": new.owner,
        "created_at": now,
        "updated_at": now,
    }


def document_record(row: DocumentRow, page_counts: Mapping[str, int], processed: int) -> DocumentRecord:
    """A document row plus its page status counts (only statuses that occur) and processed pages."""
    return DocumentRecord(
        id=row.id,
        sha256=row.sha256,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        page_count=row.page_count,
        status=cast(DocumentStatus, row.status),
        error=row.error,
        settings_fingerprint=row.settings_fingerprint,
        settings=dict(row.settings),
        blob_key=row.blob_key,
        batch_id=row.batch_id,
        owner=row.owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
        page_counts={cast(PageStatus, status): n for status, n in page_counts.items()},
        pages_processed=processed,
    )


def page_values(document_id: str, page: Page, now: datetime, image_key: str | None = None) -> dict[str, Any]:
    """Column values of a page with a written result (``processed``): nobody holds a processed
    page, so its lease is cleared; ``image_key`` (``None``: keep the stored one) names its image."""
    return {
        "document_id": document_id,
        "number": page.number,
        "status": page.status,
        "processed": True,
        "geometry": page.geometry.model_dump(mode="json") if page.geometry is not None else None,
        "engine": scrub(page.engine),
        "model": scrub(page.model),
        "issues": scrub([issue.model_dump(mode="json") for issue in page.issues]),
        "updated_at": now,
        "lease_until": None,
        "leased_by": None,
        "image_key": image_key,
    }


def attempt_values(document_id: str, page_number: int, index: int, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """Column values of one attempt, stored at ``index`` (see :meth:`PageRepository.reset`)."""
    values: dict[str, Any] = scrub(attempt.model_dump(mode="json", exclude={"index"}))
    values.update(document_id=document_id, page_number=page_number, index=index, created_at=now)
    return values


def model_json(model: BaseModel) -> Any:
    """A JSON column's value for ``model``: its JSON text, serialized once by pydantic and bound
    as is (:class:`RawJson`); scrubbed of NUL characters in the rare case it holds one (or a
    literal backslash-u0000 text), then as a dict."""
    text = model.model_dump_json()
    if "\\u0000" in text:
        return scrub(model.model_dump(mode="json"))
    return RawJson(text)


def block_values(document_id: str, page_number: int, block: Block) -> dict[str, Any]:
    """Column values of one block: the full JSON (see :func:`model_json`) plus the queryable
    copies."""
    attributes = model_json(block)
    text = attributes["text"] if isinstance(attributes, dict) else block.text
    box, norm = block.bbox, block.bbox_norm
    return {
        "document_id": document_id,
        "page_number": page_number,
        "order": block.order,
        "id": block.id,
        "type": block.type,
        "x0": box.x0 if box else None,
        "y0": box.y0 if box else None,
        "x1": box.x1 if box else None,
        "y1": box.y1 if box else None,
        "nx0": norm.x0 if norm else None,
        "ny0": norm.y0 if norm else None,
        "nx1": norm.x1 if norm else None,
        "ny1": norm.y1 if norm else None,
        "text": text,
        "attributes": attributes,
    }


def to_block(attributes: Mapping[str, Any]) -> Block:
    """The exact typed block back from its stored JSON."""
    return _BLOCK.validate_python(attributes)


def blocks_from_json(texts: Sequence[str]) -> list[Block]:
    """The typed blocks back from their stored JSON texts (the ``attributes`` column read as
    text), validated straight from JSON in one call — no intermediate Python dicts."""
    if not texts:
        return []
    return _BLOCKS.validate_json("[" + ",".join(texts) + "]")


def to_attempt(row: AttemptRow, *, include_raw: bool) -> Attempt:
    """An attempt; ``output`` is ``""`` when ``include_raw`` is false (the column is then not loaded)."""
    return Attempt(
        index=row.index,
        engine=row.engine,
        model=row.model,
        model_revision=row.model_revision,
        spec=row.spec,
        prompt_version=row.prompt_version,
        convention=cast(Any, row.convention),
        model_width=row.model_width,
        model_height=row.model_height,
        settings=dict(row.settings),
        output=row.output if include_raw else "",
        stop_reason=cast(Any, row.stop_reason),
        error=row.error,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        latency_s=row.latency_s,
        chosen=row.chosen,
        kind=cast(Any, row.kind),
        reviewer=row.reviewer,
        created_at=row.created_at,
    )


def to_page(row: PageRow, blocks: Sequence[Block], attempts: Sequence[Attempt]) -> Page:
    """A page from its row, its blocks in reading order and its attempts in index order."""
    return Page(
        number=row.number,
        geometry=PageGeometry.model_validate(row.geometry) if row.geometry is not None else None,
        status=cast(PageStatus, row.status),
        engine=row.engine,
        model=row.model,
        issues=_ISSUES.validate_python(row.issues or []),
        blocks=list(blocks),
        attempts=list(attempts),
        reviewed=row.reviewed,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
    )


def to_document(row: DocumentRow, pages: Sequence[Page]) -> Document:
    """The validated document (``page_count`` 0 while it is unknown, i.e. before rendering)."""
    return Document(
        id=row.id,
        sha256=row.sha256,
        filename=row.filename,
        media_type=row.media_type,
        page_count=row.page_count or 0,
        status=cast(DocumentStatus, row.status),
        error=row.error,
        settings_fingerprint=row.settings_fingerprint,
        created_at=row.created_at,
        updated_at=row.updated_at,
        pages=list(pages),
    )
