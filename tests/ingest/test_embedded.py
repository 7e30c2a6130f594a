"""Embedded mode (no broker, SQLite): ``submit`` processes synchronously in process; reprocess,
cancel and wait on the same library calls the CLI uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery import Celery

from docparse.engines.settings import EngineSettings
from docparse.intake import IntakeResult, ProcessingRequest, cancel, intake_file, reprocess, submit, wait
from storage import Database, DocumentNotFound, DocumentRecord, LocalBlobStore
from tests.ingest.files import BAD_FILES, add_bad_files, make_pdf, sample_folder
from workers.client import enqueue_document
from workers.engines import clear_engines


def _records(db: Database) -> dict[str, DocumentRecord]:
    with db.unit_of_work() as uow:
        return {r.filename: r for r in uow.documents.list(limit=100)}


@pytest.fixture
def ingested(db: Database, blobs: LocalBlobStore, embedded: Celery, tmp_path: Path) -> list[IntakeResult]:
    folder = sample_folder(tmp_path / "inbox")
    add_bad_files(folder)
    return submit([folder], db=db, blobs=blobs, app=embedded, request=ProcessingRequest(), batch_label="inbox")


def test_submit_processes_everything_in_process(db: Database, ingested: list[IntakeResult]) -> None:
    records = _records(db)  # no wait(): embedded submit returns when the work is done
    born_digital = ("article.pdf", "formula-chart.pdf", "invoice.pdf", "report.pdf")
    assert set(records) == {*born_digital, "scan.png", *BAD_FILES}
    for name in born_digital:
        assert records[name].status in ("done", "partial") and records[name].pages_processed == records[name].page_count
    assert (records["scan.png"].status, records["scan.png"].page_counts) == ("partial", {"pending": 1})
    for name, fragment in BAD_FILES.items():
        assert records[name].status == "failed" and fragment in (records[name].error or "")
    with db.unit_of_work() as uow:
        invoice = uow.documents.load(records["invoice.pdf"].id)
    assert invoice is not None and any(b.type == "table" for p in invoice.pages for b in p.blocks)
    assert len({r.batch_id for r in ingested if r.document_id}) == 1 and ingested[0].batch_id is not None


def test_submitting_again_enqueues_nothing(
    db: Database, blobs: LocalBlobStore, embedded: Celery, ingested: list[IntakeResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {n: (r.status, r.updated_at) for n, r in _records(db).items()}
    enqueued: list[str] = []
    monkeypatch.setattr("docparse.intake.files.enqueue_document", lambda app, id: enqueued.append(id))
    again = submit([ingested[0].path.parent], db=db, blobs=blobs, app=embedded, request=ProcessingRequest())
    assert enqueued == []
    assert [r.outcome for r in again] == ["skipped" if r.outcome == "skipped" else "duplicate" for r in ingested]
    assert {n: (r.status, r.updated_at) for n, r in _records(db).items()} == before


def test_reprocess_pending_after_switching_the_engine_redoes_only_the_pending_page(
    db: Database, embedded: Celery, ingested: list[IntakeResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _records(db)
    monkeypatch.setenv("DOCPARSE_BENCH_LATENCY_S", "0")  # "bench-sleep" stands for a vision-language model
    clear_engines()
    vlm = ProcessingRequest(engine="bench-sleep").resolve(EngineSettings())
    done = reprocess(db, embedded, pending=True, settings=vlm)
    assert done == [(before["scan.png"].id, [1])]
    after = _records(db)
    assert (after["scan.png"].status, after["scan.png"].page_counts) == ("done", {"ok": 1})
    unchanged = {n: (r.status, r.updated_at) for n, r in after.items() if n != "scan.png"}
    assert unchanged == {n: (r.status, r.updated_at) for n, r in before.items() if n != "scan.png"}
    with db.unit_of_work() as uow:
        scan = uow.documents.load(before["scan.png"].id)
    assert scan is not None
    assert [a.engine for a in scan.pages[0].attempts] == ["pdf-text", "bench-sleep"]  # history kept
    assert [a.chosen for a in scan.pages[0].attempts] == [False, True]


def test_reprocess_failed_rerenders_files_that_failed_and_ids_redo_every_page(
    db: Database, embedded: Celery, ingested: list[IntakeResult]
) -> None:
    records = _records(db)
    failed = reprocess(db, embedded, failed=True)
    assert sorted(failed) == sorted((records[name].id, []) for name in BAD_FILES)
    after = _records(db)
    for name in BAD_FILES:  # rendered again: still bad, still failed with a reason
        assert after[name].status == "failed" and after[name].error
    article = records["article.pdf"].id
    assert reprocess(db, embedded, ids=[article]) == [(article, [1, 2])]
    assert _records(db)["article.pdf"].status == records["article.pdf"].status
    with db.unit_of_work() as uow:
        assert [s.attempts for s in uow.pages.states(article)] == [2, 2]
    with pytest.raises(ValueError, match="name documents"):
        reprocess(db, embedded)


def test_cancel_a_queued_document_then_its_task_does_nothing(
    db: Database, blobs: LocalBlobStore, embedded: Celery, tmp_path: Path
) -> None:
    result = intake_file(make_pdf(tmp_path / "two.pdf", 2), db=db, blobs=blobs, request=ProcessingRequest())
    assert result.document_id is not None
    assert cancel(db, result.document_id).status == "cancelled"
    enqueue_document(embedded, result.document_id)
    record = wait(db, [result.document_id], timeout_s=5)[result.document_id]
    assert (record.status, record.pages_processed) == ("cancelled", 0)


def test_cancel_leaves_a_finished_document_alone(db: Database, ingested: list[IntakeResult]) -> None:
    record = _records(db)["invoice.pdf"]
    assert cancel(db, record.id).status == record.status


def test_wait_is_bounded_and_reports_progress(db: Database, blobs: LocalBlobStore, tmp_path: Path) -> None:
    result = intake_file(make_pdf(tmp_path / "one.pdf", 1), db=db, blobs=blobs, request=ProcessingRequest())
    assert result.document_id is not None
    seen: list[int] = []
    with pytest.raises(TimeoutError, match="1 of 1 documents still unfinished"):
        wait(
            db, [result.document_id], poll_s=0.05, timeout_s=0.3, on_progress=lambda records: seen.append(len(records))
        )
    assert seen and set(seen) == {1}


def test_unknown_ids_raise_a_key_error_that_is_also_storage_not_found(db: Database, embedded: Celery) -> None:
    with pytest.raises(KeyError):
        cancel(db, "no-such-id")
    with pytest.raises(DocumentNotFound, match="no document no-such-id"):
        wait(db, ["no-such-id"], timeout_s=1)
    with pytest.raises(KeyError) as caught:
        reprocess(db, embedded, ids=["no-such-id"])
    assert caught.value.args[0] == "no-such-id"
