"""Large raw outputs live in the blob store; the attempt row keeps the key; loading reads them back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from schemas import Document, Page
from storage import Database, LocalBlobStore, StorageSettings
from storage.raw_outputs import DEFAULT_INLINE_MAX_BYTES, RawOutputUnavailable
from storage.tables import AttemptRow
from tests.storage.factories import make_new_document, make_page

LIMIT = 1000
SMALL = "<html><body><p data-bbox='1 2 3 4'>short</p></body></html>"
LARGE = "<p>é loop</p>" * 400  # well over LIMIT bytes; non-ASCII so bytes != characters


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def db(database_url: str, blobs: LocalBlobStore) -> Iterator[Database]:
    """A migrated database that keeps outputs over ``LIMIT`` bytes in ``blobs``."""
    database = Database(database_url, blobs=blobs, inline_output_bytes=LIMIT)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()


def _document(db: Database, pages: int = 1, **overrides: object) -> str:
    new = make_new_document(**overrides)
    with db.unit_of_work() as uow:
        uow.documents.add(new)
        uow.documents.start(new.id, pages)
        uow.commit()
    return new.id


def _page(document_id: str, *outputs: str) -> Page:
    page = make_page(document_id, 1, attempts=len(outputs))
    page.attempts = [a.model_copy(update={"output": o}) for a, o in zip(page.attempts, outputs, strict=True)]
    return page


def _save(db: Database, document_id: str, page: Page) -> None:
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, page)
        uow.commit()


def _load(db: Database, document_id: str, *, include_raw: bool = True) -> Document:
    with db.unit_of_work() as uow:
        document = uow.documents.load(document_id, include_raw=include_raw)
    assert document is not None
    return document


def _rows(db: Database, document_id: str) -> list[tuple[str, str | None]]:
    with db.session() as session:
        stmt = select(AttemptRow.output, AttemptRow.output_key).where(AttemptRow.document_id == document_id)
        return [(output, key) for output, key in session.execute(stmt.order_by(AttemptRow.index))]


def test_an_output_over_the_threshold_goes_to_the_blob_store(db: Database, blobs: LocalBlobStore) -> None:
    document_id = _document(db)
    _save(db, document_id, _page(document_id, SMALL, LARGE))

    key = hashlib.sha256(LARGE.encode()).hexdigest()
    assert _rows(db, document_id) == [(SMALL, None), ("", key)]
    assert blobs.get(key) == LARGE.encode()
    assert [a.output for a in _load(db, document_id).pages[0].attempts] == [SMALL, LARGE]
    assert [a.output for a in _load(db, document_id, include_raw=False).pages[0].attempts] == ["", ""]


def test_the_threshold_counts_utf8_bytes_not_characters(database_url: str, blobs: LocalBlobStore) -> None:
    text = "é" * 600  # 600 characters, 1200 bytes
    for limit, stored in ((1200, (text, None)), (1199, ("", hashlib.sha256(text.encode()).hexdigest()))):
        db = Database(database_url, blobs=blobs, inline_output_bytes=limit)
        try:
            db.upgrade()
            document_id = _document(db)
            _save(db, document_id, _page(document_id, text))
            assert _rows(db, document_id) == [stored]
            assert _load(db, document_id).pages[0].attempts[0].output == text
        finally:
            db.dispose()


def test_a_rewritten_attempt_with_a_small_output_drops_the_key(db: Database) -> None:
    document_id = _document(db)
    _save(db, document_id, _page(document_id, LARGE))
    _save(db, document_id, _page(document_id, SMALL))  # a redelivered task that got a short answer

    assert _rows(db, document_id) == [(SMALL, None)]
    assert _load(db, document_id).pages[0].attempts[0].output == SMALL


def test_deleting_returns_output_keys_no_other_document_uses(db: Database) -> None:
    first, second = _document(db), _document(db)
    shared, own = LARGE, LARGE + "<p>only in the first</p>"
    _save(db, first, _page(first, shared, own))
    _save(db, second, _page(second, shared))
    with db.unit_of_work() as uow:
        keys = uow.documents.delete(first)
        uow.commit()

    assert hashlib.sha256(own.encode()).hexdigest() in keys
    assert hashlib.sha256(shared.encode()).hexdigest() not in keys  # the second document still uses it
    assert _load(db, second).pages[0].attempts[0].output == shared


def test_without_a_blob_store_outputs_stay_inline_and_blob_outputs_cannot_be_loaded(
    db: Database, database_url: str
) -> None:
    document_id = _document(db)
    _save(db, document_id, _page(document_id, LARGE))
    plain = Database(database_url)
    try:
        with plain.unit_of_work() as uow, pytest.raises(RawOutputUnavailable, match="blob"):
            uow.documents.load(document_id)
        assert _load(plain, document_id, include_raw=False).pages[0].attempts[0].output == ""
        other = _document(plain)
        _save(plain, other, _page(other, LARGE))
        assert _rows(plain, other) == [(LARGE, None)]
    finally:
        plain.dispose()


def test_the_threshold_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert StorageSettings().raw_output_inline_bytes == DEFAULT_INLINE_MAX_BYTES == 24 * 1024
    monkeypatch.setenv("DOCPARSE_RAW_OUTPUT_INLINE_BYTES", "4096")
    assert StorageSettings().raw_output_inline_bytes == 4096
    monkeypatch.setenv("DOCPARSE_RAW_OUTPUT_INLINE_BYTES", "-1")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        StorageSettings()
