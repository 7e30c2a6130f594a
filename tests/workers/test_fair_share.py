"""Fair share across documents: one-page uploads sent after a long document finish long before
it, because a document has at most ``document_window_pages`` pages queued or in flight (its
page chains) and the queue interleaves documents — real ``docparse worker``, Redis, PostgreSQL."""

from __future__ import annotations

import pytest

from docparse.intake import ProcessingRequest, submit, wait
from tests.ingest.files import make_pdf
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]

BIG = 60


def test_small_documents_are_not_starved_behind_a_long_one(stack: Stack) -> None:
    stack.configure(pages_per_task=1, document_window_pages=2)
    request = ProcessingRequest(engine="bench-sleep")
    files = [make_pdf(stack.tmp / "long.pdf", BIG)]
    files += [make_pdf(stack.tmp / f"small-{n}.pdf", 1, label=f"Small {n}") for n in range(3)]
    # submitted before any worker runs: the long document's work is queued first
    results = submit(files, db=stack.db, blobs=stack.blobs, app=stack.app, request=request)
    big_id, *small_ids = [r.document_id for r in results if r.document_id is not None]
    assert len(small_ids) == 3
    stack.start_worker("bench-sleep", in_flight=2, DOCPARSE_BENCH_LATENCY_S="0.1")
    try:
        wait(stack.db, small_ids, poll_s=0.1, timeout_s=240)
    except TimeoutError:
        pytest.fail(f"small documents not finished; worker logs:\n{stack.logs()}")
    with stack.db.unit_of_work() as uow:
        big = uow.documents.get(big_id)
    assert big is not None
    # FIFO would run all 60 pages of the long document first; a window of 2 lets each small
    # document in after a few of its pages
    assert big.pages_processed <= BIG // 3, big.pages_processed
    assert wait(stack.db, [big_id], poll_s=0.2, timeout_s=240)[big_id].status == "done"
