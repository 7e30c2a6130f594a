"""The document repository: add/get/find/list/count, uniqueness, status, start, delete, rollback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage import Database, DocumentExists, DocumentNotFound
from storage.tables import AttemptRow, BlockRow, DocumentRow, PageRow
from tests.storage.factories import make_new_document, make_page, sha

Queued = Callable[..., str]


def test_add_returns_a_queued_record_and_get_reads_it_back(db: Database) -> None:
    new = make_new_document(owner="alice")
    before = datetime.now(UTC)
    with db.unit_of_work() as uow:
        added = uow.documents.add(new)
        uow.commit()
    with db.unit_of_work() as uow:
        got = uow.documents.get(new.id)

    assert got == added
    assert got.status == "queued"
    assert (got.id, got.sha256, got.filename, got.media_type) == (new.id, new.sha256, new.filename, new.media_type)
    assert (got.size_bytes, got.settings, got.blob_key, got.owner) == (
        new.size_bytes,
        new.settings,
        new.blob_key,
        "alice",
    )
    assert got.page_count is None
    assert got.error is None
    assert got.page_counts == {}
    assert got.pages_processed == 0
    assert got.created_at.tzinfo is not None
    assert got.created_at.utcoffset() == UTC.utcoffset(None)
    assert before <= got.created_at <= datetime.now(UTC)


def test_get_unknown_is_none(db: Database) -> None:
    with db.unit_of_work() as uow:
        assert uow.documents.get("nope") is None
        assert uow.documents.load("nope") is None


def test_find_by_content_and_settings(db: Database, queued: Queued) -> None:
    document_id = queued(content="same", fingerprint="a" * 16)
    queued(content="same", fingerprint="b" * 16)
    with db.unit_of_work() as uow:
        found = uow.documents.find(sha("same"), "a" * 16)
        assert found is not None
        assert found.id == document_id
        assert uow.documents.find(sha("same"), "c" * 16) is None
        assert uow.documents.find(sha("other"), "a" * 16) is None


def test_the_id_is_the_identity_and_the_unit_of_work_stays_usable(db: Database) -> None:
    first = make_new_document(content="dup")
    other_owner = make_new_document(content="dup", id="another-id", owner="bob")  # same bytes, another owner
    with db.unit_of_work() as uow:
        uow.documents.add(first)
        uow.documents.add(other_owner)
        with pytest.raises(DocumentExists):
            uow.documents.add(first)
        uow.documents.add(make_new_document(content="fine"))
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.documents.count() == 3


def test_list_newest_first_with_filters_and_paging(db: Database) -> None:
    ids = []
    with db.unit_of_work() as uow:
        for i in range(7):
            new = make_new_document(id=f"doc-{i:02d}", owner="alice" if i % 2 else "bob")
            uow.documents.add(new)
            ids.append(new.id)
        uow.documents.transition("doc-03", "done")
        uow.documents.transition("doc-05", "done")
        uow.commit()

    with db.unit_of_work() as uow:
        newest_first = list(reversed(ids))
        assert [r.id for r in uow.documents.list()] == newest_first
        assert [r.id for r in uow.documents.list(limit=3)] == newest_first[:3]
        assert [r.id for r in uow.documents.list(limit=3, offset=3)] == newest_first[3:6]
        assert [r.id for r in uow.documents.list(limit=3, offset=6)] == newest_first[6:]
        assert [r.id for r in uow.documents.list(owner="alice")] == ["doc-05", "doc-03", "doc-01"]
        assert [r.id for r in uow.documents.list(status="done")] == ["doc-05", "doc-03"]
        assert [r.id for r in uow.documents.list(status="done", owner="bob")] == []
        assert [r.id for r in uow.documents.list(status="queued", owner="bob")] == [
            "doc-06",
            "doc-04",
            "doc-02",
            "doc-00",
        ]
        assert uow.documents.count() == 7
        assert uow.documents.count(owner="alice") == 3
        assert uow.documents.count(status="done") == 2
        assert uow.documents.count(status="queued", owner="bob") == 4
        assert uow.documents.count(status="failed") == 0


def test_list_and_count_by_batch(db: Database) -> None:
    with db.unit_of_work() as uow:
        batch = uow.batches.add("nightly", {"engine": "qwen"})
        uow.documents.add(make_new_document(id="in-batch", batch_id=batch))
        uow.documents.add(make_new_document(id="no-batch"))
        uow.commit()
    with db.unit_of_work() as uow:
        assert [r.id for r in uow.documents.list(batch_id=batch)] == ["in-batch"]
        assert uow.documents.count(batch_id=batch) == 1
        record = uow.documents.get("in-batch")
        assert record is not None
        assert record.batch_id == batch


def test_transition_sets_the_reason_and_bumps_updated_at(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.unit_of_work() as uow:
        before = uow.documents.get(document_id)
        uow.documents.transition(document_id, "failed", reason="encrypted PDF")
        uow.commit()
    with db.unit_of_work() as uow:
        after = uow.documents.get(document_id)
        assert before is not None
        assert after is not None
        assert (after.status, after.error) == ("failed", "encrypted PDF")
        assert after.updated_at > before.updated_at
        uow.documents.transition(document_id, "queued")
        cleared = uow.documents.get(document_id)
        assert cleared is not None
        assert (cleared.status, cleared.error) == ("queued", None)
        with pytest.raises(ValueError, match="unknown document status"):
            uow.documents.transition(document_id, "bogus")
        with pytest.raises(DocumentNotFound):
            uow.documents.transition("missing", "done")


def test_start_creates_pending_pages_once(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 3)
        uow.commit()
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None
        assert (record.status, record.page_count) == ("running", 3)
        assert record.page_counts == {"pending": 3}
        assert record.pages_processed == 0
        assert [(s.number, s.status, s.processed, s.attempts) for s in uow.pages.states(document_id)] == [
            (1, "pending", False, 0),
            (2, "pending", False, 0),
            (3, "pending", False, 0),
        ]
        uow.pages.save_result(document_id, make_page(document_id, 2, "partial"))
        uow.commit()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 3)  # redelivered render task
        uow.commit()
    with db.unit_of_work() as uow:
        states = uow.pages.states(document_id)
        assert [(s.number, s.status, s.processed) for s in states] == [
            (1, "pending", False),
            (2, "partial", True),
            (3, "pending", False),
        ]
        assert uow.documents.count() == 1
        record = uow.documents.get(document_id)
        assert record is not None
        assert record.page_counts == {"pending": 2, "partial": 1}
        assert record.pages_processed == 1
        with pytest.raises(DocumentNotFound):
            uow.documents.start("missing", 1)


def test_start_does_not_reopen_a_finished_document(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 1)
        assert uow.pages.save_result(document_id, make_page(document_id, 1)) == "done"
        uow.documents.start(document_id, 1)
        record = uow.documents.get(document_id)
        assert record is not None
        assert record.status == "done"


def test_start_without_pages_fails_the_document(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 0)
        record = uow.documents.get(document_id)
        assert record is not None
        assert (record.status, record.page_count, record.error) == ("failed", 0, "the document has no pages")


def test_delete_removes_every_row_and_returns_unshared_blob_keys(db: Database, queued: Queued) -> None:
    document_id = queued(content="doc", blob_key=sha("original"))
    twin = queued(content="doc", fingerprint="e" * 16, blob_key=sha("original"))  # same bytes, other settings
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 2)
        uow.pages.set_image(document_id, 1, sha("image-1"))
        uow.pages.set_image(document_id, 2, sha("image-2"))
        uow.pages.save_result(document_id, make_page(document_id, 1))
        uow.pages.save_result(document_id, make_page(document_id, 2))
        uow.documents.start(twin, 1)
        uow.pages.set_image(twin, 1, sha("image-2"))  # an identical page image
        uow.pages.save_result(twin, make_page(twin, 1))
        uow.commit()

    with db.unit_of_work() as uow:
        keys = uow.documents.delete(document_id)
        uow.commit()

    assert keys == [sha("image-1")]  # the original and image-2 are still used by the twin
    with db.session() as session:
        for table in (DocumentRow, PageRow, AttemptRow, BlockRow):
            gone = select(func.count()).select_from(table).where(table.__table__.c[_doc_column(table)] == document_id)
            assert session.execute(gone).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(BlockRow)).scalar_one() == 16  # the twin's
    with db.unit_of_work() as uow:
        assert uow.documents.get(document_id) is None
        assert uow.documents.delete(document_id) == []
        assert sorted(uow.documents.delete(twin)) == sorted([sha("original"), sha("image-2")])


def _doc_column(table: type) -> str:
    return "id" if table is DocumentRow else "document_id"


def test_without_commit_everything_is_rolled_back(db: Database, queued: Queued) -> None:
    document_id = queued()
    new = make_new_document()
    with db.unit_of_work() as uow:
        uow.documents.add(new)
        uow.documents.transition(document_id, "cancelled")

    def crashing_task() -> None:
        with db.unit_of_work() as uow:
            uow.documents.start(document_id, 2)
            raise RuntimeError("task crashed")

    with pytest.raises(RuntimeError, match="task crashed"):
        crashing_task()
    with db.unit_of_work() as uow:
        uow.documents.transition(document_id, "running")
        uow.commit()
        uow.documents.transition(document_id, "failed")  # after the commit: rolled back on exit
    with db.unit_of_work() as uow:
        assert uow.documents.get(new.id) is None
        record = uow.documents.get(document_id)
        assert record is not None
        assert (record.status, record.page_count) == ("running", None)
        assert uow.pages.states(document_id) == []


def test_a_writer_locks_the_document_row_once_per_transaction(db: Database, queued: Queued) -> None:
    """The render step's start, a page result that completes the document and the document pass's
    save each take the document lock once: the status change they make reads the status they
    locked, not the row again."""
    from sqlalchemy import event

    from schemas import DocumentStructure
    from tests.storage.factories import make_page

    locks: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FOR UPDATE" in statement.upper() and "FROM DOCUMENTS" in " ".join(statement.upper().split()):
            locks.append(statement)

    document_id = queued()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        seen = []
        with db.unit_of_work() as uow:
            uow.documents.start(document_id, 1)
            uow.commit()
        seen.append(len(locks))
        with db.unit_of_work() as uow:
            assert uow.pages.save_results([(document_id, make_page(document_id, 1))]) == {document_id: "done"}
            uow.commit()
        seen.append(len(locks))
        with db.unit_of_work() as uow:
            uow.documents.lock(document_id)
            uow.structures.save(document_id, DocumentStructure(pass_version="test"), locked=True)
            uow.commit()
        seen.append(len(locks))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    if db.engine.dialect.name == "postgresql":
        assert seen == [1, 2, 3]
    else:  # SQLite serializes whole transactions: no row locks are taken
        assert seen == [0, 0, 0]


def test_a_document_read_without_its_page_counts_is_the_same_row_in_one_query(db: Database, queued: Queued) -> None:
    """``get(counts=False)`` (the render step, intake's duplicate check) reads the row alone; the
    page counts of ``get`` cost a grouped query over the pages."""
    import dataclasses

    from sqlalchemy import event

    from tests.storage.factories import make_page

    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 2)
        uow.pages.save_results([(document_id, make_page(document_id, 1))])
        uow.commit()
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.unit_of_work() as uow:
            full = uow.documents.get(document_id)
            queries = len(statements)
            light = uow.documents.get(document_id, counts=False)
            assert uow.documents.get("no-such-document", counts=False) is None
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert full is not None and light is not None
    full_reads, light_reads = statements[:queries], statements[queries:]
    assert any("FROM pages" in " ".join(q.split()) for q in full_reads), "get counts the pages"
    assert len(light_reads) == 2 and not any("pages" in q for q in light_reads), "one row query per light read"
    assert full.page_counts == {"ok": 1, "pending": 1} and full.pages_processed == 1
    assert (light.page_counts, light.pages_processed) == ({}, 0)
    assert dataclasses.replace(light, page_counts=full.page_counts, pages_processed=1) == full
