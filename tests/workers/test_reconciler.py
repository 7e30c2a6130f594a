"""The reconciler, one pass at a time, on a real SQLite database with tasks run in process:
work whose task was lost is sent again (render, or the page chains of a dead worker), work a
live worker holds is left alone, and exactly one reconciler takes a document per period.
The broker cases run with real brokers in test_crash.py and test_broker_restart.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from docparse.intake import ProcessingRequest, intake_file
from storage import Database, LocalBlobStore
from tests.ingest.files import make_pdf
from tests.waiting import poll
from workers import jobs
from workers.celery_app import create_app
from workers.engines import clear_engines
from workers.runtime import WorkerRuntime
from workers.settings import WorkerSettings

RECOVER_S = 0.3


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerRuntime]:
    monkeypatch.setenv("DOCPARSE_BENCH_LATENCY_S", "0")
    db = Database(f"sqlite:///{tmp_path}/docparse.db")
    db.upgrade()
    settings = WorkerSettings.model_validate({"broker_url": None, "recover_after_s": RECOVER_S})
    yield WorkerRuntime(settings, db, LocalBlobStore(tmp_path / "blobs"), os.getpid(), owned=False)
    clear_engines()
    db.dispose()


def _queued(rt: WorkerRuntime, path: Path) -> str:
    result = intake_file(path, db=rt.db, blobs=rt.blobs, request=ProcessingRequest(engine="bench-sleep"))
    assert result.document_id is not None
    return result.document_id  # stored and queued, but its task never sent: as if the broker lost it


def _status(rt: WorkerRuntime, doc_id: str) -> str:
    with rt.db.unit_of_work() as uow:
        record = uow.documents.get(doc_id)
    assert record is not None
    return record.status


def _stale(rt: WorkerRuntime, doc_id: str) -> bool:
    with rt.db.unit_of_work() as uow:
        return any(s.id == doc_id for s in uow.claims.stalled(RECOVER_S))


def test_a_document_whose_render_task_was_lost_is_rendered_again(rt: WorkerRuntime, tmp_path: Path) -> None:
    app = create_app(rt.settings, db=rt.db, blobs=rt.blobs)
    doc_id = _queued(rt, make_pdf(tmp_path / "three.pdf", 3))
    assert jobs.reconcile(rt, app) == {}  # not stalled yet: its task may still be on its way
    poll(lambda: _stale(rt, doc_id), timeout_s=30, what="the recovery period to pass")
    assert jobs.reconcile(rt, app) == {"render": 1}
    assert _status(rt, doc_id) == "done"  # embedded: the re-sent tasks ran in process


def test_pages_held_by_a_dead_worker_are_resumed_once_its_lease_runs_out(rt: WorkerRuntime, tmp_path: Path) -> None:
    app = create_app(rt.settings, db=rt.db, blobs=rt.blobs)
    doc_id = _queued(rt, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(rt, doc_id)
    with rt.db.unit_of_work() as uow:  # a worker takes both pages and dies: its heartbeat stops
        claim = uow.claims.claim(doc_id, worker="dead:1:x", lease_s=RECOVER_S, limit=2, max_deaths=3)
        uow.commit()
    assert claim.pages == (1, 2)
    with rt.db.unit_of_work() as uow:
        live = uow.claims.claim(doc_id, worker="other:2:y", lease_s=RECOVER_S, limit=2, max_deaths=3)
    assert live.pages == ()  # leased: nobody else may take them meanwhile
    poll(lambda: _stale(rt, doc_id) and jobs.reconcile(rt, app), timeout_s=30, what="the lease to run out")
    assert _status(rt, doc_id) == "done"
    with rt.db.session() as session:
        rows = session.execute(text("SELECT number, deliveries, lease_until FROM pages ORDER BY number")).all()
    assert [tuple(r) for r in rows] == [(1, 2, None), (2, 2, None)]  # one death each, then done


def test_only_one_reconciler_takes_a_document_per_period(rt: WorkerRuntime, tmp_path: Path) -> None:
    doc_id = _queued(rt, make_pdf(tmp_path / "one.pdf", 1))
    poll(lambda: _stale(rt, doc_id), timeout_s=30, what="the recovery period to pass")
    with rt.db.unit_of_work() as uow:
        first = uow.claims.take_dispatch(doc_id, RECOVER_S)
        second = uow.claims.take_dispatch(doc_id, RECOVER_S)
        uow.commit()
    assert (first, second) == (True, False)
