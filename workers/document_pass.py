"""Running the document-level pass once a document's last page is persisted.

:func:`run_document_pass` loads the terminal document, runs the pure pass
(:func:`docparse.document.analyse`) and stores its result (:mod:`storage.structures`), in a
transaction of its own after the page's, under the document lock. Idempotent: a second run
(a redelivered task, a reprocess) replaces the result with the same one. A failure is logged
and never fails the page that triggered it: readers fall back to running the pass themselves
(:func:`docparse.document.structure_of`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from docparse.document import analyse
from schemas import TERMINAL_STATUSES, DocumentStructure

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

log = structlog.get_logger("docparse.workers")


def run_document_pass(db: Database, document_id: str) -> DocumentStructure | None:
    """Run the pass on a terminal document and store the result; ``None`` (nothing stored) when
    the document is missing or not terminal (reset meanwhile), or when the pass failed."""
    try:
        with db.unit_of_work() as uow:
            document = uow.documents.load(document_id, include_raw=False)
        if document is None or document.status not in TERMINAL_STATUSES:
            return None
        structure = analyse(document)
        with db.unit_of_work() as uow:
            if uow.documents.lock(document_id) not in TERMINAL_STATUSES:
                return None  # reprocessing began meanwhile: its own last page runs the pass again
            uow.structures.save(document_id, structure)
            uow.commit()
    except Exception:  # never fail the page that completed the document
        log.exception("document_pass.failed", document=document_id)
        return None
    log.info(
        "document_pass.done",
        document=document_id,
        labels=len(structure.labels),
        logical_blocks=len(structure.logical_blocks),
        tables=len(structure.tables),
    )
    return structure
