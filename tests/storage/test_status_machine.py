"""The document status machine: every legal move is taken, every illegal one refused, by the
one guarded transition, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import cast

import pytest

from schemas import DocumentStatus
from storage import TRANSITIONS, Database, IllegalTransition
from storage.status import STATUSES, allowed
from tests.storage.factories import make_page

Queued = Callable[..., str]


def _force(db: Database, document_id: str, status: DocumentStatus) -> None:
    """Put a fresh document in ``status`` through legal moves only (queued -> running -> ...)."""
    path: dict[DocumentStatus, list[DocumentStatus]] = {
        "queued": [],
        "running": ["running"],
        "done": ["running", "done"],
        "partial": ["running", "partial"],
        "failed": ["running", "failed"],
        "cancelled": ["running", "cancelled"],
    }
    with db.unit_of_work() as uow:
        for step in path[status]:
            uow.documents.transition(document_id, step)
        uow.commit()


def test_the_table_covers_every_status_and_names_only_statuses() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(targets <= set(STATUSES) for targets in TRANSITIONS.values())
    for terminal in ("done", "partial", "failed", "cancelled"):
        assert not allowed(cast(DocumentStatus, terminal), "running"), f"{terminal} -> running must be refused"
    assert not allowed("cancelled", "failed") and not allowed("cancelled", "done")
    assert not allowed("done", "cancelled")


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(STATUSES, STATUSES)))
def test_every_pair_is_taken_or_refused_as_the_table_says(
    db: Database, queued: Queued, current: DocumentStatus, wanted: DocumentStatus
) -> None:
    document_id = queued()
    _force(db, document_id, current)
    with db.unit_of_work() as uow:
        if allowed(current, wanted):
            assert uow.documents.transition(document_id, wanted, reason="why") == wanted
            uow.commit()
        else:
            with pytest.raises(IllegalTransition, match=f"from {current} to {wanted}"):
                uow.documents.transition(document_id, wanted)
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None
        assert record.status == (wanted if allowed(current, wanted) else current)


def test_derivation_goes_through_the_machine_and_never_overrides_a_cancel(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 2)
        assert uow.pages.unprocessed(document_id) == [1, 2]
        assert uow.pages.save_result(document_id, make_page(document_id, 1, "ok")) is None
        assert uow.pages.unprocessed(document_id, among=[1, 2]) == [2]
        uow.documents.transition(document_id, "cancelled")
        assert uow.pages.save_result(document_id, make_page(document_id, 2, "failed")) is None
        assert uow.pages.derive(document_id) is None
        uow.commit()
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None and record.status == "cancelled"
        uow.pages.reset(document_id, [2])  # reprocessing a cancelled document goes through queued
        assert uow.pages.save_result(document_id, make_page(document_id, 2, "ok")) == "done"
        uow.commit()


def test_a_redelivered_render_never_reopens_a_finished_document(db: Database, queued: Queued) -> None:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 1)
        assert uow.pages.save_result(document_id, make_page(document_id, 1, "ok")) == "done"
        uow.documents.start(document_id, 1)  # the same render task delivered again
        uow.commit()
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assert record is not None and record.status == "done"
