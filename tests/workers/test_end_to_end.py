"""A folder through Redis to a real worker process with the pdf-text engine, into PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from docparse.intake import IntakeResult, ProcessingRequest, submit, wait
from storage import DocumentRecord
from tests.ingest.files import BAD_FILES, NOT_DOCUMENTS, add_bad_files, sample_folder
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(240)]


class Ingested:
    def __init__(self, stack: Stack, folder: Path, results: list[IntakeResult], records: dict[str, DocumentRecord]):
        self.stack, self.folder, self.results, self.records = stack, folder, results, records

    def by_name(self, name: str) -> DocumentRecord:
        (result,) = [r for r in self.results if r.path.name == name]
        assert result.document_id is not None
        return self.records[result.document_id]


@pytest.fixture(scope="module")
def ingested(module_stack: Stack) -> Ingested:
    stack = module_stack
    stack.configure(pages_per_task=2)
    folder = sample_folder(stack.tmp / "inbox")
    add_bad_files(folder)
    stack.start_worker("pdf-text")
    results = submit([folder], db=stack.db, blobs=stack.blobs, app=stack.app, request=ProcessingRequest())
    ids = [r.document_id for r in results if r.document_id is not None]
    try:
        records = wait(stack.db, ids, poll_s=0.2, timeout_s=120)
    except TimeoutError:
        pytest.fail(f"documents not finished; worker log:\n{stack.logs()}")
    return Ingested(stack, folder, results, records)


def test_every_document_ends_terminal_with_pages_and_blocks_in_postgres(ingested: Ingested) -> None:
    assert ingested.stack.db.dialect == "postgresql"
    names = sorted(r.path.name for r in ingested.results)
    assert names == sorted(p.name for p in ingested.folder.iterdir())  # one result per file
    assert {"article.pdf", "formula-chart.pdf", "invoice.pdf", "scan.png", *BAD_FILES, *NOT_DOCUMENTS} <= set(names)
    for name in ("article.pdf", "formula-chart.pdf", "invoice.pdf"):
        record = ingested.by_name(name)
        assert record.status in ("done", "partial"), (name, record)
        assert record.pages_processed == record.page_count
    with ingested.stack.db.unit_of_work() as uow:
        invoice = uow.documents.load(ingested.by_name("invoice.pdf").id)
        article = uow.documents.load(ingested.by_name("article.pdf").id)
    assert invoice is not None and article is not None
    assert any(block.type == "table" for page in invoice.pages for block in page.blocks)
    assert article.page_count == 2 and all(page.blocks for page in article.pages)
    assert all(page.attempts and page.attempts[0].engine == "pdf-text" for page in article.pages)
    with ingested.stack.db.session() as session:
        images = session.execute(text("SELECT count(*) FROM pages WHERE image_key IS NOT NULL")).scalar_one()
    assert images >= 4  # keep_page_images: the page images the engine saw are in the blob store


def test_scan_page_stays_pending_so_the_scan_is_partial(ingested: Ingested) -> None:
    scan = ingested.by_name("scan.png")
    assert scan.status == "partial"
    assert scan.page_counts == {"pending": 1}


def test_bad_files_fail_with_their_reason_while_the_rest_completes(ingested: Ingested) -> None:
    for name, fragment in BAD_FILES.items():
        record = ingested.by_name(name)
        assert record.status == "failed", name
        assert record.error is not None and fragment in record.error, (name, record.error)
        assert ingested.stack.blobs.exists(record.blob_key)  # the original is kept
        assert [r.outcome for r in ingested.results if r.path.name == name] == ["failed"]
    for name, reason in NOT_DOCUMENTS.items():
        skipped = [r for r in ingested.results if r.path.name == name]
        assert [(r.outcome, r.document_id) for r in skipped] == [("skipped", None)]
        assert reason in (skipped[0].reason or "")


def test_ingesting_the_same_folder_again_enqueues_nothing(ingested: Ingested, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = ingested.stack
    sent: list[tuple[Any, ...]] = []
    real_send = stack.app.send_task

    def spy(*a: Any, **k: Any) -> Any:
        sent.append(a)
        return real_send(*a, **k)

    monkeypatch.setattr(stack.app, "send_task", spy)
    with stack.db.unit_of_work() as uow:
        before = {r.id: (r.status, r.updated_at) for r in uow.documents.list(limit=100)}
    results = submit([ingested.folder], db=stack.db, blobs=stack.blobs, app=stack.app, request=ProcessingRequest())
    assert sent == []
    assert {r.outcome for r in results if r.path.name not in NOT_DOCUMENTS} == {"duplicate"}
    assert {r.document_id for r in results if r.document_id} == set(before)
    with stack.db.unit_of_work() as uow:
        after = {r.id: (r.status, r.updated_at) for r in uow.documents.list(limit=100)}
    assert after == before


def test_the_worker_log_has_a_line_per_page_not_per_task_or_request(ingested: Ingested) -> None:
    """At the default INFO level the worker logs each saved page; Celery's per-task lines and
    the HTTP client's per-request lines are raised to WARNING (see ``workers.worker.CHATTY_LOGGERS``)."""
    log = "\n".join(p.read_text(errors="replace") for p in sorted(ingested.stack.tmp.glob("worker-*.log")))
    assert "page.saved" in log
    assert "succeeded in" not in log and "] received" not in log
