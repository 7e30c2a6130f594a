"""``kill -9`` a whole worker (supervisor and worker processes) in the middle of a document: a
new worker finishes it, every page once — on Redis and on RabbitMQ, without waiting for
Redis's visibility timeout (2 h by default, left at its default here)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from docparse.intake import ProcessingRequest, submit, wait
from tests.ingest.files import make_pdf
from tests.waiting import poll
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(240)]

PAGES = 8


def test_a_killed_worker_loses_no_page_and_duplicates_none(broker_stack: Stack) -> None:
    stack = broker_stack
    # the pages the dead worker held are leased for recover_after_s (its heartbeat is gone), then
    # the reconciler of the new worker re-enqueues them
    stack.configure(pages_per_task=1, recover_after_s=3)
    pdf = make_pdf(stack.tmp / "long.pdf", PAGES)
    worker = stack.start_worker("bench-sleep", in_flight=2, DOCPARSE_BENCH_LATENCY_S="0.5")
    request = ProcessingRequest(engine="bench-sleep")
    (result,) = submit([pdf], db=stack.db, blobs=stack.blobs, app=stack.app, request=request)
    assert result.outcome == "queued" and result.document_id is not None
    doc_id = result.document_id

    def processed() -> int:
        with stack.db.unit_of_work() as uow:
            record = uow.documents.get(doc_id)
        assert record is not None
        return record.pages_processed

    poll(lambda: processed() >= 1, timeout_s=120, what="a first processed page")
    stack.kill_worker(worker)  # SIGKILL to the process group: supervisor and worker processes
    assert processed() < PAGES, "the worker finished before it was killed: make the pages slower"

    stack.start_worker("bench-sleep", in_flight=2, DOCPARSE_BENCH_LATENCY_S="0.5")
    try:
        records = wait(stack.db, [doc_id], poll_s=0.2, timeout_s=180)
    except TimeoutError:
        pytest.fail(f"not finished after the restart; worker logs:\n{stack.logs()}")
    record = records[doc_id]
    assert record.status == "done"
    assert record.page_count == PAGES and record.pages_processed == PAGES

    with stack.db.session() as session:
        pages = session.execute(
            text("SELECT number, processed, lease_until FROM pages WHERE document_id = :id ORDER BY number"),
            {"id": doc_id},
        ).all()
        attempts = session.execute(
            text(
                "SELECT page_number, count(*), sum(CASE WHEN chosen THEN 1 ELSE 0 END) FROM attempts "
                "WHERE document_id = :id GROUP BY page_number ORDER BY page_number"
            ),
            {"id": doc_id},
        ).all()
        blocks = session.execute(
            text("SELECT page_number, count(*) FROM blocks WHERE document_id = :id GROUP BY page_number"),
            {"id": doc_id},
        ).all()
    assert [(n, bool(p), lease) for n, p, lease in pages] == [(n, True, None) for n in range(1, PAGES + 1)]
    # bench-sleep is deterministic: one attempt per page, chosen; a heading and a paragraph
    assert [tuple(row) for row in attempts] == [(n, 1, 1) for n in range(1, PAGES + 1)]
    assert sorted(tuple(row) for row in blocks) == [(n, 2) for n in range(1, PAGES + 1)]
    with stack.db.unit_of_work() as uow:
        document = uow.documents.load(doc_id)
    assert document is not None
    assert [p.number for p in document.pages] == list(range(1, PAGES + 1))
    assert [(p.status, p.engine) for p in document.pages] == [("ok", "bench-sleep")] * PAGES, [
        [i.message for i in p.issues] for p in document.pages
    ]
