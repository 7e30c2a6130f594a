"""The page repository: result round-trips, idempotent redelivery, status derivation, reset, images."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from schemas import Attempt, Document, Page, PageStatus
from storage import Database, DocumentNotFound
from storage.tables import AttemptRow, BlockRow, PageRow
from tests.storage.factories import make_page, sha

Queued = Callable[..., str]


def _started(db: Database, queued: Queued, pages: int) -> str:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, pages)
        uow.commit()
    return document_id


def _load(db: Database, document_id: str, *, include_raw: bool = True) -> Document:
    """The stored document, its attempts' ``created_at`` (stamped by storage on the first write,
    checked here) cleared so it compares with the pages as written."""
    with db.unit_of_work() as uow:
        document = uow.documents.load(document_id, include_raw=include_raw)
    assert document is not None
    assert all(a.created_at is not None for p in document.pages for a in p.attempts)
    pages = [
        p.model_copy(update={"attempts": [a.model_copy(update={"created_at": None}) for a in p.attempts]})
        for p in document.pages
    ]
    return document.model_copy(update={"pages": pages})


def _count(db: Database, table: type[AttemptRow] | type[BlockRow]) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_every_block_type_round_trips(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 2)
    pages = [make_page(document_id, 2, "partial", attempts=3), make_page(document_id, 1, "ok")]
    with db.unit_of_work() as uow:
        for page in pages:
            uow.pages.save_result(document_id, page)
        uow.commit()

    document = _load(db, document_id)

    assert document.pages == sorted(pages, key=lambda p: p.number)
    assert len({block.type for block in document.pages[0].blocks}) == 16
    assert [type(b) for b in document.pages[0].blocks] == [type(b) for b in pages[1].blocks]
    assert document.page_count == 2
    assert document.status == "partial"
    assert Document.model_validate(document.model_dump(mode="json")) == document


def test_load_without_raw_output(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 1)
    page = make_page(document_id, 1)
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, page)
        uow.commit()

    lean = _load(db, document_id, include_raw=False)

    assert [a.output for a in lean.pages[0].attempts] == ["", ""]
    assert [a.model_copy(update={"output": ""}) for a in page.attempts] == lean.pages[0].attempts
    assert [a.output for a in _load(db, document_id).pages[0].attempts] == [a.output for a in page.attempts]


def test_redelivered_result_duplicates_nothing(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 2)
    page = make_page(document_id, 1)
    with db.unit_of_work() as uow:
        assert uow.pages.save_result(document_id, page) is None
        uow.commit()
    first = _load(db, document_id)
    with db.unit_of_work() as uow:
        assert uow.pages.save_result(document_id, page) is None  # the task ran again
        uow.commit()

    assert _load(db, document_id).pages == first.pages
    assert _count(db, BlockRow) == 16
    assert _count(db, AttemptRow) == 2


def test_a_second_result_replaces_blocks_and_updates_attempts(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 1)
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, make_page(document_id, 1))
        uow.commit()
    shorter = make_page(document_id, 1, "partial", attempts=1)
    shorter.blocks = shorter.blocks[:3]
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, shorter)
        uow.commit()

    page = _load(db, document_id).pages[0]
    assert page.blocks == shorter.blocks
    assert page.status == "partial"
    assert page.attempts[0] == shorter.attempts[0]
    assert _count(db, BlockRow) == 3


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["ok", "ok", "ok"], "done"),
        (["ok", "failed", "ok"], "partial"),
        (["partial", "ok", "ok"], "partial"),
        (["failed", "failed", "failed"], "failed"),
    ],
)
def test_the_last_page_derives_the_document_status(
    db: Database, queued: Queued, statuses: list[PageStatus], expected: str
) -> None:
    document_id = _started(db, queued, len(statuses))
    results = []
    with db.unit_of_work() as uow:
        for number, status in enumerate(statuses, start=1):
            results.append(uow.pages.save_result(document_id, make_page(document_id, number, status)))
        uow.commit()

    assert results == [None, None, expected]
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None
        assert record.status == expected
        assert record.pages_processed == len(statuses)
        assert sum(record.page_counts.values()) == len(statuses)


def test_a_cancelled_document_stays_cancelled(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 2)
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, make_page(document_id, 1))
        uow.documents.transition(document_id, "cancelled")
        assert uow.pages.save_result(document_id, make_page(document_id, 2)) is None
        uow.commit()
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None
        assert record.status == "cancelled"
        assert record.pages_processed == 2


def test_save_result_for_an_unknown_document_raises(db: Database) -> None:
    with db.unit_of_work() as uow, pytest.raises(DocumentNotFound):
        uow.pages.save_result("missing", make_page("missing", 1))


def test_reset_some_pages_keeps_attempt_history_and_requeues(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 2)
    with db.unit_of_work() as uow:
        uow.pages.set_image(document_id, 1, sha("img"))
        uow.pages.save_result(document_id, make_page(document_id, 1, "failed"))
        uow.pages.save_result(document_id, make_page(document_id, 2, "ok"))
        uow.documents.transition(document_id, "failed", reason="page 1 failed")
        uow.commit()

    with db.unit_of_work() as uow:
        assert uow.pages.reset(document_id, [1, 99]) == [1]
        uow.commit()

    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None
        assert (record.status, record.error, record.pages_processed) == ("queued", None, 1)
        assert [(s.number, s.status, s.processed, s.attempts) for s in uow.pages.states(document_id)] == [
            (1, "pending", False, 2),
            (2, "ok", True, 2),
        ]
        assert uow.pages.image_key(document_id, 1) == sha("img")
    page1 = _load(db, document_id).pages[0]
    assert page1.blocks == []
    assert page1.issues == []
    assert page1.geometry is not None
    assert [(a.index, a.chosen) for a in page1.attempts] == [(0, False), (1, False)]

    # the next run numbers its attempts from 0 again: they are stored after the history, and a
    # redelivery of that run still duplicates nothing
    rerun = make_page(document_id, 1, "ok", attempts=1)
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 2)
        assert uow.pages.save_result(document_id, rerun) == "done"
        assert uow.pages.save_result(document_id, rerun) == "done"
        uow.commit()
    page1 = _load(db, document_id).pages[0]
    assert [(a.index, a.chosen) for a in page1.attempts] == [(0, False), (1, False), (2, True)]
    assert page1.attempts[2] == rerun.attempts[0].model_copy(update={"index": 2})
    assert page1.blocks == rerun.blocks

    # callers that already continue the numbering themselves are taken as given
    with db.unit_of_work() as uow:
        uow.pages.reset(document_id, [1])
        numbered = make_page(document_id, 1, "ok", attempts=1)
        numbered.attempts = [numbered.attempts[0].model_copy(update={"index": 3})]
        uow.pages.save_result(document_id, numbered)
        uow.commit()
    assert [a.index for a in _load(db, document_id).pages[0].attempts] == [0, 1, 2, 3]


def test_reset_all_pages(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 3)
    with db.unit_of_work() as uow:
        for n in (1, 2, 3):
            uow.pages.save_result(document_id, make_page(document_id, n))
        assert uow.pages.reset(document_id) == [1, 2, 3]
        uow.commit()
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None
        assert record.status == "queued"
        assert record.page_counts == {"pending": 3}
        with pytest.raises(DocumentNotFound):
            uow.pages.reset("missing")
    assert _count(db, BlockRow) == 0


def test_page_images(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 1)
    with db.unit_of_work() as uow:
        assert uow.pages.image_key(document_id, 1) is None
        uow.pages.set_image(document_id, 1, sha("a"))
        uow.pages.set_image(document_id, 1, sha("b"))
        uow.pages.save_result(document_id, make_page(document_id, 1))  # a result keeps the image
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.pages.image_key(document_id, 1) == sha("b")
        assert uow.pages.image_key(document_id, 2) is None


def test_a_result_records_its_image_and_drops_the_lease_in_its_own_upsert(db: Database, queued: Queued) -> None:
    """``save_results`` with image keys: the named pages record theirs, the others keep what they
    had; every saved page is held by nobody afterwards, whichever worker held it."""
    document_id = _started(db, queued, 3)
    with db.unit_of_work() as uow:
        uow.pages.set_image(document_id, 2, sha("earlier"))
        claim = uow.claims.claim(document_id, worker="w1", lease_s=600, limit=3, max_deaths=3)
        assert claim.pages == (1, 2, 3)
        uow.commit()
    with db.unit_of_work() as uow:
        pages = [(document_id, make_page(document_id, n)) for n in (1, 2)]
        uow.pages.save_results(pages, {(document_id, 1): sha("one")})
        uow.commit()
    with db.session() as session:
        rows = session.execute(
            select(PageRow.number, PageRow.image_key, PageRow.leased_by, PageRow.lease_until)
            .where(PageRow.document_id == document_id)
            .order_by(PageRow.number)
        ).all()
    assert [tuple(r) for r in rows][:2] == [(1, sha("one"), None, None), (2, sha("earlier"), None, None)]
    assert rows[2].leased_by == "w1"  # page 3 is still being worked on


def test_nul_characters_are_stored_as_replacement_characters(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 1)
    page = make_page(document_id, 1)
    page.blocks[1].text = "before\x00after"
    page.attempts[0].output = "raw\x00output"
    page.issues[0].detail = "detail\x00"
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, page)
        uow.commit()

    loaded = _load(db, document_id).pages[0]
    assert loaded.blocks[1].text == "before\ufffdafter"
    assert loaded.attempts[0].output == "raw\ufffdoutput"
    assert loaded.issues[0].detail == "detail\ufffd"


def test_states_counts_attempts(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 2)
    with db.unit_of_work() as uow:
        uow.pages.save_result(document_id, make_page(document_id, 2, attempts=3))
        assert [(s.number, s.attempts) for s in uow.pages.states(document_id)] == [(1, 0), (2, 3)]


def test_attempt_fields_survive_unusual_values(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 1)
    page = Page(
        number=1,
        status="failed",
        attempts=[
            Attempt(index=0, engine="http", model_width=28, model_height=28, stop_reason="unsupported"),
            Attempt(index=1, engine="http", model_width=28, model_height=28, settings={"x": 1.0, "y": 1}),
        ],
    )
    with db.unit_of_work() as uow:
        assert uow.pages.save_result(document_id, page) == "failed"
        uow.commit()
    loaded = _load(db, document_id).pages[0]
    assert loaded == page
    assert type(loaded.attempts[1].settings["x"]) is float
    assert type(loaded.attempts[1].settings["y"]) is int
