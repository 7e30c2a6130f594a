"""No error from a race: reprocess, cancel and delete while a real worker saves pages of the same
document (one lock order everywhere: the document row, then its page rows), and a delete
during a save leaves no orphan blob (the worker stores a page image only under the lock)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from docparse.intake import ProcessingRequest, cancel, reprocess, submit, wait
from storage.blob_gc import collect
from tests.ingest.files import make_pdf
from tests.waiting import poll
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]

PAGES = 12


def _processed(stack: Stack, doc_id: str) -> int:
    with stack.db.unit_of_work() as uow:
        record = uow.documents.get(doc_id)
    return record.pages_processed if record is not None else -1


def test_reprocess_cancel_and_delete_during_processing_never_fail(stack: Stack) -> None:
    stack.configure(pages_per_task=1)
    request = ProcessingRequest(engine="bench-sleep")
    (result,) = submit(
        [make_pdf(stack.tmp / "doc.pdf", PAGES)], db=stack.db, blobs=stack.blobs, app=stack.app, request=request
    )
    doc_id = result.document_id
    assert doc_id is not None
    stack.start_worker("bench-sleep", in_flight=1, DOCPARSE_BENCH_LATENCY_S="0.02")
    poll(lambda: _processed(stack, doc_id) >= 1, timeout_s=120, what="a first processed page")

    for n in range(40):  # each call raises on a deadlock or a refused transition
        reprocess(stack.db, stack.app, ids=[doc_id])
        if n % 5 == 4:
            cancel(stack.db, doc_id)
    reprocess(stack.db, stack.app, ids=[doc_id])
    assert wait(stack.db, [doc_id], poll_s=0.1, timeout_s=180)[doc_id].status == "done"
    with stack.db.session() as session:
        chosen = session.execute(
            text("SELECT page_number, count(*) FROM attempts WHERE chosen GROUP BY page_number ORDER BY page_number")
        ).all()
    assert [tuple(r) for r in chosen] == [(n, 1) for n in range(1, PAGES + 1)]  # never two chosen attempts

    reprocess(stack.db, stack.app, ids=[doc_id])
    poll(lambda: 1 <= _processed(stack, doc_id) < PAGES, timeout_s=120, what="the document half processed again")
    with stack.db.unit_of_work() as uow:  # what DELETE /v1/documents/{id} does
        uow.documents.lock(doc_id)
        keys = uow.documents.delete(doc_id)
        uow.commit()
    for key in keys:
        stack.blobs.delete(key)
    # a barrier: one task thread, so once this document is done the deleted one's page is settled
    (barrier,) = submit(
        [make_pdf(stack.tmp / "barrier.pdf", 1, label="Barrier")],
        db=stack.db,
        blobs=stack.blobs,
        app=stack.app,
        request=request,
    )
    assert barrier.document_id is not None
    assert wait(stack.db, [barrier.document_id], poll_s=0.1, timeout_s=120)[barrier.document_id].status == "done"
    assert collect(stack.db, stack.blobs, older_than_s=0, dry_run=True).orphans == []
