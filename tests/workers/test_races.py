"""No error from a race: reprocess, cancel and delete while a real worker saves pages of the same
document (one lock order everywhere: the document row, then its page rows), and a delete
during a save leaves no orphan blob (a worker that finds the document gone removes its page image) —
through the library functions, and over HTTP against the real API (never a 500)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from docparse.api import ApiSettings, create_app
from docparse.intake import ProcessingRequest, cancel, reprocess, submit, wait
from docparse.services import Services
from storage import StorageSettings
from storage.blob_gc import collect
from tests.api.conftest import LiveServer
from tests.ingest.files import make_pdf
from tests.waiting import poll
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]

PAGES = 12


def _processed(stack: Stack, doc_id: str) -> int:
    with stack.db.unit_of_work() as uow:
        record = uow.documents.get(doc_id)
    return record.pages_processed if record is not None else -1


def _settled_without_orphans(stack: Stack, request: ProcessingRequest) -> None:
    """A barrier, then the check: with one task thread, once a one-page document submitted now is
    done, any page of a deleted document is settled; then no blob is left without a reference."""
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
    _settled_without_orphans(stack, request)


def test_reprocess_cancel_and_delete_over_http_never_answer_500(stack: Stack) -> None:
    """The same races through the real API (uvicorn on loopback), two clients at once: every
    answer is 202 (reprocess), 200 (cancel) or 204 (delete), never a 500."""
    stack.configure(pages_per_task=1)
    owner, key = "alice", "alice-key-0123456789"
    request = ProcessingRequest(engine="bench-sleep")
    (result,) = submit(
        [make_pdf(stack.tmp / "doc.pdf", PAGES)],
        db=stack.db,
        blobs=stack.blobs,
        app=stack.app,
        request=request,
        owner=owner,
    )
    doc_id = result.document_id
    assert doc_id is not None
    stack.start_worker("bench-sleep", in_flight=1, DOCPARSE_BENCH_LATENCY_S="0.02")
    services = Services(
        storage=StorageSettings(data_dir=stack.data_dir, database_url=stack.db_url), workers=stack.settings
    )
    api = create_app(services, ApiSettings.model_validate({"api_keys": {owner: key}}))
    with LiveServer(api) as server:
        poll(lambda: _processed(stack, doc_id) >= 1, timeout_s=120, what="a first processed page")

        def hammer(turn: int) -> list[tuple[str, int, str]]:
            answers = []
            with server.client(key) as client:
                for n in range(20):
                    action = "cancel" if (n + turn) % 5 == 4 else "reprocess"
                    response = client.post(f"/v1/documents/{doc_id}/{action}")
                    answers.append((action, response.status_code, response.text))
            return answers

        with ThreadPoolExecutor(2) as pool:
            answers = [a for part in pool.map(hammer, range(2)) for a in part]
        expected = {"reprocess": 202, "cancel": 200}
        assert [a for a in answers if a[1] != expected[a[0]]] == []

        with server.client(key) as client:
            assert client.post(f"/v1/documents/{doc_id}/reprocess").status_code == 202
            assert wait(stack.db, [doc_id], poll_s=0.1, timeout_s=180)[doc_id].status == "done"
            with stack.db.session() as session:
                chosen = session.execute(
                    text(
                        "SELECT page_number, count(*) FROM attempts WHERE chosen AND document_id = :id "
                        "GROUP BY page_number ORDER BY page_number"
                    ),
                    {"id": doc_id},
                ).all()
            assert [tuple(r) for r in chosen] == [(n, 1) for n in range(1, PAGES + 1)]  # never two chosen

            assert client.post(f"/v1/documents/{doc_id}/reprocess").status_code == 202
            poll(lambda: 1 <= _processed(stack, doc_id) < PAGES, timeout_s=120, what="the document half done again")
            deleted = client.delete(f"/v1/documents/{doc_id}")
            assert deleted.status_code == 204, deleted.text
            assert client.get(f"/v1/documents/{doc_id}").status_code == 404
    _settled_without_orphans(stack, request)
