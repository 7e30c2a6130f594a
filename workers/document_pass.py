"""Running the document-level pass on a terminal document: when its last page is persisted
(workers), and after a reviewer's correction or accept of one of its pages (the review API and
``docparse review accept``), so the stored structure and ``table_cells`` follow the chosen results.

:func:`run_document_pass` locks the terminal document, loads it, runs the pure pass
(:func:`docparse.document.analyse`) and stores its result (:mod:`storage.structures`), all in
one transaction of its own after the write that triggered it. Idempotent: a second run (a
redelivered task, a reprocess, another correction) replaces the result as a whole. Because the
document row stays locked from load to save, and every page write takes that lock first, two
runs racing (two reviewers correcting two pages of one document) cannot store a result that
misses a committed correction.

A failure is logged (``document_pass.failed``) and never fails the write that triggered it: the
stored result then stays *stale* — its ``document_passes.computed_at`` is older than a page's
``updated_at`` — and readers (the tables API, exports) run the pass themselves
(:func:`storage.structures.stored_structure`) until it runs again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from docparse.document import analyse
from schemas import TERMINAL_STATUSES, DocumentStructure

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database
    from storage.recent_blocks import RecentBlocks

log = structlog.get_logger("docparse.workers")


def run_document_pass(db: Database, document_id: str, recent: RecentBlocks | None = None) -> DocumentStructure | None:
    """Run the pass on a terminal document and store the result, replacing any earlier one;
    ``None`` (nothing stored) when the document is missing or not terminal (reset meanwhile: its
    own last page runs the pass again), or when the pass failed (logged; the stored result stays
    stale). Never raises. ``recent``: the blocks of pages this process wrote, which are not read
    back while their pages are unchanged (:mod:`storage.recent_blocks`)."""
    try:
        with db.unit_of_work() as uow:
            if uow.documents.lock(document_id) not in TERMINAL_STATUSES:
                return None
            document = uow.documents.load_for_pass(document_id, recent)
            if document is None:  # pragma: no cover - the row is locked
                return None
            structure = analyse(document)
            uow.structures.save(document_id, structure, locked=True)  # (locked above)
            uow.commit()
    except Exception:  # never fail the page, correction or accept that triggered it
        log.exception("document_pass.failed", document=document_id, stored="stale")
        return None
    log.info(
        "document_pass.done",
        document=document_id,
        labels=len(structure.labels),
        logical_blocks=len(structure.logical_blocks),
        tables=len(structure.tables),
    )
    return structure
