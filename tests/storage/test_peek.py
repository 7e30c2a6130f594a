"""Reads outside any transaction (``Database.peek``): the document status and whether work is
left, as a worker asks them before each chunk of pages, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from storage import Database
from storage.claims import claimable, status
from tests.storage.factories import make_page

Queued = Callable[..., str]


def test_status_and_work_left_read_through_peek(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.peek() as connection:
        assert status(connection, document_id) == "queued"
        assert status(connection, "no-such-document") is None
        assert not claimable(connection, document_id)  # no pages yet
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 1)
        uow.commit()
    with db.peek() as connection:
        assert (status(connection, document_id), claimable(connection, document_id)) == ("running", True)
    with db.unit_of_work() as uow:
        uow.pages.save_results([(document_id, make_page(document_id, 1))])
        uow.commit()
    with db.peek() as connection:
        assert (status(connection, document_id), claimable(connection, document_id)) == ("done", False)


def test_peek_runs_each_read_on_its_own_on_postgresql(db: Database) -> None:
    """No transaction around the reads (no BEGIN/ROLLBACK round trips): each statement sees its
    own ``now()``, which a transaction would hold still."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite reads share a transaction, rolled back at the end")
    with db.peek() as connection:
        first = connection.execute(sa.text("SELECT now()")).scalar_one()
        connection.execute(sa.text("SELECT pg_sleep(0.002)"))
        second = connection.execute(sa.text("SELECT now()")).scalar_one()
    assert second > first
