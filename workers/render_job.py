"""The render step: open a document's original and create its page rows.

Idempotent: a redelivered render creates nothing twice and never reopens a finished or
cancelled document. A file that cannot be opened (corrupt, encrypted, over a limit, missing
from the blob store) fails its document with the reason — a permanent fault, never retried.
"""

from __future__ import annotations

import structlog

from docparse.identity import stored_options
from docparse.render import RenderError, open_document
from schemas import TERMINAL_STATUSES
from workers.runtime import WorkerRuntime

log = structlog.get_logger("docparse.workers")


def render_document(rt: WorkerRuntime, document_id: str) -> list[int]:
    """Open the document and create its pending page rows; return its unprocessed page numbers.

    Skips (returns ``[]``) a missing document or one already terminal (``cancelled`` included).
    A file that cannot be opened fails the document with the reason and returns ``[]``.
    """
    from storage import DocumentNotFound, IllegalTransition

    bound = log.bind(document=document_id)
    with rt.db.unit_of_work() as uow:
        record = uow.documents.get(document_id, counts=False)
    if record is None:
        bound.warning("render.missing")
        return []
    if record.status in TERMINAL_STATUSES:
        bound.info("render.skipped", status=record.status)
        return []
    options = stored_options(record.settings)
    try:
        with (
            rt.blobs.local_copy(record.blob_key) as path,  # a cached copy when the blobs are on S3
            open_document(path, password=options.password, limits=options.limits, backend=options.backend) as opened,
        ):
            page_count = opened.page_count
    except (RenderError, FileNotFoundError) as exc:  # FileNotFoundError: the original is not in the blob store
        reason = str(exc).replace(record.blob_key, record.filename)
        with rt.db.unit_of_work() as uow:
            try:
                uow.documents.transition(document_id, "failed", reason=reason)
                uow.commit()
            except (IllegalTransition, DocumentNotFound):  # cancelled or deleted meanwhile: never overridden
                bound.info("render.failed_after_cancel", reason=reason)
                return []
        bound.warning("render.failed", reason=reason)
        return []
    with rt.db.unit_of_work() as uow:
        try:
            uow.documents.start(document_id, page_count)
        except DocumentNotFound:
            bound.info("render.deleted")
            return []
        todo = uow.pages.unprocessed(document_id)
        uow.claims.mark_dispatched(document_id)  # its chains are sent right after this commit
        uow.commit()
    bound.info("render.done", pages=page_count, todo=len(todo))
    return todo
