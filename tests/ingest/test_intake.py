"""Intake of single files: dedupe, refusals with reasons, originals kept; nothing enqueued."""

from __future__ import annotations

from pathlib import Path

import pytest

from docparse.intake import ProcessingRequest, intake_file
from docparse.render import RenderLimits
from storage import Database, LocalBlobStore
from tests.ingest.files import BAD_FILES, add_bad_files, make_pdf

REQUEST = ProcessingRequest(engine="pdf-text")


def _status(db: Database, doc_id: str | None) -> tuple[str, str | None]:
    assert doc_id is not None
    with db.unit_of_work() as uow:
        record = uow.documents.get(doc_id)
    assert record is not None
    return record.status, record.error


def test_a_new_file_is_stored_and_queued_then_is_a_duplicate(
    db: Database, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 2)
    first = intake_file(pdf, db=db, blobs=blobs, request=REQUEST)
    assert first.outcome == "queued" and first.reason is None
    assert _status(db, first.document_id) == ("queued", None)
    with db.unit_of_work() as uow:
        record = uow.documents.get(first.document_id or "")
    assert record is not None
    assert (record.filename, record.media_type, record.size_bytes) == ("doc.pdf", "application/pdf", pdf.stat().st_size)
    assert blobs.get(record.blob_key) == pdf.read_bytes()
    assert record.settings["engine"] == "pdf-text" and "limits" in record.settings

    copy = tmp_path / "same-bytes-other-name.pdf"
    copy.write_bytes(pdf.read_bytes())
    again = intake_file(copy, db=db, blobs=blobs, request=REQUEST)
    assert (again.outcome, again.document_id) == ("duplicate", first.document_id)
    other = intake_file(pdf, db=db, blobs=blobs, request=ProcessingRequest(engine="bench-sleep"))
    assert other.outcome == "queued" and other.document_id != first.document_id  # other settings: other document


def test_bad_files_get_a_failed_row_with_the_reason_and_keep_their_original(
    db: Database, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    add_bad_files(tmp_path / "bad")
    for name, fragment in BAD_FILES.items():
        result = intake_file(tmp_path / "bad" / name, db=db, blobs=blobs, request=REQUEST)
        assert result.outcome == "failed", name
        assert result.reason is not None and fragment in result.reason, (name, result.reason)
        assert _status(db, result.document_id) == ("failed", result.reason)
    with db.unit_of_work() as uow:
        assert all(blobs.exists(r.blob_key) for r in uow.documents.list())


def test_the_right_password_lets_a_locked_pdf_in(db: Database, blobs: LocalBlobStore, tmp_path: Path) -> None:
    add_bad_files(tmp_path / "bad")
    request = ProcessingRequest(engine="pdf-text", password="user-pw")
    assert intake_file(tmp_path / "bad" / "locked.pdf", db=db, blobs=blobs, request=request).outcome == "queued"


@pytest.mark.parametrize(
    ("limits", "fragment"),
    [
        (RenderLimits(max_pages=2), "has 3 pages, over the limit of 2 pages"),
        (RenderLimits(max_file_bytes=100), "over the limit of 100 bytes"),
    ],
)
def test_limits_fail_the_document_at_intake(
    db: Database, blobs: LocalBlobStore, tmp_path: Path, limits: RenderLimits, fragment: str
) -> None:
    result = intake_file(make_pdf(tmp_path / "three.pdf", 3), db=db, blobs=blobs, request=REQUEST, limits=limits)
    assert result.outcome == "failed" and result.reason is not None and fragment in result.reason


def test_an_unreadable_path_fails_without_a_row(db: Database, blobs: LocalBlobStore, tmp_path: Path) -> None:
    result = intake_file(tmp_path / "missing.pdf", db=db, blobs=blobs, request=REQUEST)
    assert (result.outcome, result.document_id) == ("failed", None)
    assert result.reason is not None and "missing.pdf" in result.reason
