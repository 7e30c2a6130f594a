"""Group commit: several finished pages of several documents written in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from schemas import Document, Page
from storage import Database, DocumentNotFound
from storage.tables import AttemptRow, BlockRow, PageRow
from tests.storage.factories import make_page

Queued = Callable[..., str]


def _started(db: Database, queued: Queued, pages: int) -> str:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, pages)
        uow.commit()
    return document_id


def _load(db: Database, document_id: str) -> Document:
    with db.unit_of_work() as uow:
        document = uow.documents.load(document_id)
    assert document is not None
    return document


def _count(db: Database, table: type[AttemptRow] | type[BlockRow] | type[PageRow]) -> int:
    with db.session() as session:
        stmt = select(func.count()).select_from(table)
        if table is PageRow:
            stmt = stmt.where(PageRow.processed.is_(True))
        return int(session.execute(stmt).scalar_one())


def _without_timestamps(pages: list[Page]) -> list[Page]:
    """Pages with the attempts' storage timestamps cleared (they are set on write)."""
    return [
        p.model_copy(update={"attempts": [a.model_copy(update={"created_at": None}) for a in p.attempts]})
        for p in pages
    ]


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_pages_of_two_documents_share_one_transaction(db: Database, queued: Queued) -> None:
    first, second = _started(db, queued, 2), _started(db, queued, 3)
    items = [
        (second, make_page(second, 3, "failed")),
        (first, make_page(first, 1)),
        (second, make_page(second, 1)),
        (first, make_page(first, 2, "partial")),
    ]
    with db.unit_of_work() as uow:
        derived = uow.pages.save_results(items)
        uow.commit()

    assert derived == {first: "partial", second: None}
    assert _without_timestamps(_load(db, first).pages) == [items[1][1], items[3][1]]
    loaded = _load(db, second)
    assert _without_timestamps([loaded.pages[0], loaded.pages[2]]) == [items[2][1], items[0][1]]
    assert loaded.pages[1].status == "pending"
    assert loaded.status == "running"

    with db.unit_of_work() as uow:  # the last page of the second document completes it
        assert uow.pages.save_results([(second, make_page(second, 2))]) == {second: "partial"}
        uow.commit()
    assert _load(db, second).status == "partial"


def test_a_redelivered_group_duplicates_nothing_and_a_repeated_page_keeps_its_last_result(
    db: Database, queued: Queued
) -> None:
    document_id = _started(db, queued, 3)
    older, newer = make_page(document_id, 1, "partial"), make_page(document_id, 1, "ok", attempts=1)
    newer.blocks = newer.blocks[:2]
    items = [(document_id, older), (document_id, make_page(document_id, 2)), (document_id, newer)]
    stamps = []
    for _ in range(2):  # the second time: the same tasks delivered again
        with db.unit_of_work() as uow:
            assert uow.pages.save_results(items) == {document_id: None}
            uow.commit()
        stamps.append([a.created_at for p in _load(db, document_id).pages for a in p.attempts])
    assert stamps[0] == stamps[1] and None not in stamps[0]  # an attempt keeps when it was first stored

    page = _load(db, document_id).pages[0]
    assert (page.status, page.blocks) == ("ok", newer.blocks)
    assert _count(db, PageRow) == 2
    assert _count(db, BlockRow) == 2 + len(items[1][1].blocks)
    assert _count(db, AttemptRow) == 1 + 2  # page 1: the newer result's one attempt; page 2: two


def test_an_unknown_document_fails_the_group_before_anything_is_written(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 2)
    with db.unit_of_work() as uow, pytest.raises(DocumentNotFound, match="no-such-document"):
        uow.pages.save_results([(document_id, make_page(document_id, 1)), ("no-such-document", make_page("x", 1))])
    assert _count(db, PageRow) == 0
    with db.unit_of_work() as uow:
        assert uow.pages.save_results([]) == {}


def test_the_number_of_statements_does_not_grow_with_the_pages(db: Database, queued: Queued) -> None:
    """A page result costs a few statements, and a group of pages the same few."""
    counts = []
    for pages in (1, 12):
        first, second = _started(db, queued, pages), _started(db, queued, pages)
        items = [(id, make_page(id, n)) for id in (first, second) for n in range(1, pages + 1)]
        with db.unit_of_work() as uow, _statements(db) as sent:
            assert uow.pages.save_results(items[: len(items) // 2 or 1]) == {first: "done"}
            uow.commit()
        counts.append(len(sent))
    # lock, page upsert, attempt upsert, block delete, block insert, derive (query + guarded update)
    assert counts[0] == counts[1] <= 9


ROUNDS = 15


def test_groups_locking_the_same_documents_in_opposite_orders_do_not_deadlock(
    db: Database, queued: Queued, backend: str
) -> None:
    """Two transactions write pages of documents A and B, one listing A first, the other B first,
    both open at once: the locks are taken in id order, so one waits for the other instead of
    the two deadlocking; the last page of each document derives its status exactly once."""
    for _ in range(ROUNDS):
        a, b = _started(db, queued, 2), _started(db, queued, 2)
        barrier = threading.Barrier(2, timeout=30)

        def write(number: int, order: tuple[str, str], barrier: threading.Barrier = barrier) -> dict[str, str | None]:
            if backend == "sqlite":
                barrier.wait()
            with db.unit_of_work() as uow:
                if backend == "postgresql":
                    uow.documents.get(order[0])
                    barrier.wait()
                derived = uow.pages.save_results([(id, make_page(id, number, attempts=1)) for id in order])
                uow.commit()
                return dict(derived)

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(write, [1, 2], [(a, b), (b, a)]))

        for id in (a, b):
            assert sorted([r[id] for r in results], key=lambda s: s is None) == ["done", None]
            assert _load(db, id).status == "done"
