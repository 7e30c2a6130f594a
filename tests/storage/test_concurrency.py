"""Concurrent writers of one document: exactly one of them derives the final status."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from schemas import DocumentStatus
from storage import Database
from tests.storage.factories import make_page

Queued = Callable[..., str]
Result = DocumentStatus | None


ROUNDS = 20  # a race lost without the lock shows up in about a third of the rounds


def test_two_last_pages_written_at_once_derive_the_status_exactly_once(
    db: Database, queued: Queued, backend: str
) -> None:
    """On PostgreSQL both transactions are open (and have read the document) when both write; on
    SQLite a transaction holds the write lock from its start, so they meet just before it."""
    for _ in range(ROUNDS):
        document_id = queued()
        with db.unit_of_work() as uow:
            uow.documents.start(document_id, 2)
            uow.commit()
        barrier = threading.Barrier(2, timeout=30)

        def write(number: int, document_id: str = document_id, barrier: threading.Barrier = barrier) -> Result:
            if backend == "sqlite":
                barrier.wait()
            with db.unit_of_work() as uow:
                uow.documents.get(document_id)
                if backend == "postgresql":
                    barrier.wait()
                page = make_page(document_id, number, "ok" if number == 1 else "failed", attempts=1)
                result = uow.pages.save_result(document_id, page)
                uow.commit()
                return result

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(write, [1, 2]))

        assert sorted(results, key=lambda r: r is None) == ["partial", None]
        with db.unit_of_work() as uow:
            record = uow.documents.get(document_id)
            assert record is not None
            assert record.status == "partial"
            assert record.pages_processed == 2


def test_lock_blocks_a_second_writer_until_commit(db: Database, queued: Queued, backend: str) -> None:
    """``documents.lock`` holds the row: a second unit of work's lock waits for the first commit."""
    if backend != "postgresql":
        pytest.skip("SQLite serializes whole transactions (BEGIN IMMEDIATE); lock() is a no-op there")
    document_id = queued()
    holding = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with db.unit_of_work() as uow:
            uow.documents.lock(document_id)
            holding.set()
            release.wait(30)
            order.append("first commits")
            uow.documents.transition(document_id, "running")
            uow.commit()

    def second() -> str:
        holding.wait(30)
        with db.unit_of_work() as uow:
            release.set()
            uow.documents.lock(document_id)  # waits for first()'s commit
            order.append("second locked")
            record = uow.documents.get(document_id)
            assert record is not None
            return record.status

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(first)
        b = pool.submit(second)
        a.result()
        assert b.result() == "running"
    assert order == ["first commits", "second locked"]
