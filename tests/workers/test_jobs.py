"""The work behind the tasks, called directly (no Celery), on a real SQLite database."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from bench.sleep_engine import BenchSleepEngine
from docparse.engines.base import EngineOutput, EngineUnavailable, GenerationOptions, PageInput
from docparse.engines.factory import EngineChoice
from docparse.intake import ProcessingRequest, cancel, intake_file
from storage import Database, LocalBlobStore, NewDocument
from storage.group_commit import GroupWriteInterrupted
from tests.ingest.files import make_pdf
from tests.waiting import poll
from workers import jobs
from workers.page_budget import PageBudget
from workers.runtime import WorkerRuntime
from workers.settings import WorkerSettings


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[WorkerRuntime]:
    db = Database(f"sqlite:///{tmp_path}/db/docparse.db")
    db.upgrade()
    settings = WorkerSettings.model_validate({"broker_url": None, "pages_per_task": 2})
    yield WorkerRuntime(settings, db, LocalBlobStore(tmp_path / "blobs"), os.getpid(), owned=False)
    db.dispose()


def _bench(_: Mapping[str, Any]) -> EngineChoice:
    return EngineChoice(BenchSleepEngine(0.0, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28))


def _queued(rt: WorkerRuntime, path: Path) -> str:
    result = intake_file(path, db=rt.db, blobs=rt.blobs, request=ProcessingRequest(engine="bench-sleep"))
    assert result.outcome == "queued" and result.document_id is not None
    return result.document_id


def _record(rt: WorkerRuntime, doc_id: str) -> Any:
    with rt.db.unit_of_work() as uow:
        return uow.documents.get(doc_id)


def _run(rt: WorkerRuntime, doc_id: str, numbers: list[int] | None, engines: Any = None) -> list[int]:
    return jobs.run_pages(rt, doc_id, numbers, engines=engines or _bench).saved


def _with(rt: WorkerRuntime, **settings: Any) -> WorkerRuntime:
    return WorkerRuntime(rt.settings.model_copy(update=settings), rt.db, rt.blobs, os.getpid(), owned=False)


def test_render_creates_pending_pages_and_returns_the_unprocessed_ones(rt: WorkerRuntime, tmp_path: Path) -> None:
    doc_id = _queued(rt, make_pdf(tmp_path / "five.pdf", 5))
    assert jobs.render_document(rt, doc_id) == [1, 2, 3, 4, 5]
    record = _record(rt, doc_id)
    assert (record.status, record.page_count, record.page_counts) == ("running", 5, {"pending": 5})
    assert _run(rt, doc_id, [1, 2]) == [1, 2]
    assert jobs.render_document(rt, doc_id) == [3, 4, 5]  # a redelivered render re-queues only the rest


def test_a_chain_step_claims_the_next_pages_and_says_whether_more_remain(rt: WorkerRuntime, tmp_path: Path) -> None:
    rt = _with(rt, save_within_s=60.0)  # however slow this machine, a task's pages share a transaction
    doc_id = _queued(rt, make_pdf(tmp_path / "three.pdf", 3))
    jobs.render_document(rt, doc_id)
    first = jobs.run_pages(rt, doc_id, None, engines=_bench)  # pages_per_task=2
    assert (first.saved, first.more) == ([1, 2], True)
    last = jobs.run_pages(rt, doc_id, None, engines=_bench)
    assert (last.saved, last.more) == ([3], False)
    assert jobs.run_pages(rt, doc_id, None, engines=_bench).saved == []
    assert _record(rt, doc_id).status == "done"
    # every page went through the process's group committer; a task's pages that finished close
    # together (the instant engine) shared one transaction: pages 1-2, then page 3
    assert rt.committer().transactions == 2


def test_the_step_that_completes_its_document_does_not_ask_whether_pages_are_left(
    rt: WorkerRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The question is one more query (and connection) per task: a one-page document's only task
    completes it, so it knows the answer."""
    import storage.claims

    rt = _with(rt, save_within_s=60.0)
    doc_id = _queued(rt, make_pdf(tmp_path / "three.pdf", 3))
    jobs.render_document(rt, doc_id)
    asked: list[bool] = []
    real = storage.claims.claimable

    def claimable(reader: Any, id: str) -> bool:  # the real query, counted
        asked.append(real(reader, id))
        return asked[-1]

    monkeypatch.setattr(storage.claims, "claimable", claimable)
    first = jobs.run_pages(rt, doc_id, None, engines=_bench)  # pages 1-2 of 3: the rest is asked about
    assert (first.more, asked) == (True, [True])
    last = jobs.run_pages(rt, doc_id, None, engines=_bench)  # page 3 completes the document
    assert (last.saved, last.more, asked) == ([3], False, [True])
    assert _record(rt, doc_id).status == "done"


@pytest.mark.parametrize(
    ("latency_s", "within_s", "transactions"),
    [
        (0.0, 60.0, 1),  # pages finished close together: one transaction for the task
        (0.0, 0.0, 4),  # holding disabled: a transaction per chunk (here a page)
        (0.05, 0.01, 4),  # each page takes longer than a page may wait: saved as it finishes
    ],
)
def test_a_tasks_pages_share_a_transaction_only_when_they_finish_within_save_within_s(
    rt: WorkerRuntime, tmp_path: Path, latency_s: float, within_s: float, transactions: int
) -> None:
    rt = _with(rt, pages_per_task=4, save_within_s=within_s)
    doc_id = _queued(rt, make_pdf(tmp_path / "four.pdf", 4))
    jobs.render_document(rt, doc_id)
    engine = BenchSleepEngine(latency_s, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28)
    assert jobs.run_pages(rt, doc_id, None, engines=lambda _: EngineChoice(engine)).saved == [1, 2, 3, 4]
    assert rt.committer().transactions == transactions
    assert _record(rt, doc_id).status == "done"
    with rt.db.unit_of_work() as uow:  # the page that completed the document ran the document pass
        assert uow.structures.get(doc_id) is not None


def test_the_document_pass_takes_the_blocks_its_own_process_wrote(rt: WorkerRuntime, tmp_path: Path) -> None:
    """Each process remembers the blocks it wrote (``pass_cache_pages``); the pass run by the
    process that stores the last page takes its own, and reads the others from the database."""
    rt = _with(rt, save_within_s=60.0)
    other = _with(rt)  # another worker process: its own memory
    doc_id = _queued(rt, make_pdf(tmp_path / "three.pdf", 3))
    jobs.render_document(rt, doc_id)
    assert jobs.run_pages(other, doc_id, None, engines=_bench).saved == [1, 2]
    assert (len(other.recent), len(rt.recent)) == (2, 0)
    taken: list[list[int]] = []
    take = rt.recent.take
    rt.recent.take = lambda document_id: taken.append(sorted(held := take(document_id))) or held  # type: ignore[method-assign]
    assert jobs.run_pages(rt, doc_id, None, engines=_bench).saved == [3]
    assert taken == [[3]]  # the pass took page 3 from memory; pages 1-2 it read
    assert (len(other.recent), len(rt.recent)) == (2, 0)
    with rt.db.unit_of_work() as uow:
        assert uow.structures.get(doc_id) is not None
    off = _with(rt, pass_cache_pages=0)
    doc_id = _queued(off, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(off, doc_id)
    assert _run(off, doc_id, [1]) == [1]
    assert len(off.recent) == 0  # not remembered (with the default, page 1 would be held)


class _Abort(BaseException):
    """Escapes the engine's no-raise guard, like a shutdown in the middle of a task."""


def test_pages_held_for_a_shared_transaction_are_saved_when_the_task_fails_after_them(
    rt: WorkerRuntime, tmp_path: Path
) -> None:
    rt = _with(rt, pages_per_task=4, save_within_s=60.0)
    doc_id = _queued(rt, make_pdf(tmp_path / "four.pdf", 4))
    jobs.render_document(rt, doc_id)
    bench = BenchSleepEngine(0.0, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28)

    class AbortOnThird:
        info = bench.info

        def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
            if pages[0].pdf_page_index == 2:
                raise _Abort
            return bench.infer(pages, options)

    with pytest.raises(_Abort):
        jobs.run_pages(rt, doc_id, None, engines=lambda _: EngineChoice(AbortOnThird()))  # type: ignore[arg-type]
    with rt.db.session() as session:
        rows = session.execute(
            sqlalchemy.text("SELECT number, processed, leased_by FROM pages WHERE document_id = :id ORDER BY number"),
            {"id": doc_id},
        ).all()
    assert [tuple(row) for row in rows] == [(1, True, None), (2, True, None), (3, False, None), (4, False, None)]


def test_a_file_that_does_not_open_fails_its_document_at_render(rt: WorkerRuntime) -> None:
    key = rt.blobs.put_bytes(b"%PDF-1.7\n" + b"\x00" * 300)
    new = NewDocument("bad-1", "a" * 64, "bad.pdf", "application/pdf", 309, "f" * 16, {}, key)
    with rt.db.unit_of_work() as uow:
        uow.documents.add(new)
        uow.commit()
    assert jobs.render_document(rt, "bad-1") == []
    record = _record(rt, "bad-1")
    assert record.status == "failed" and record.error and "bad.pdf" in record.error
    assert key not in record.error


def test_infer_is_idempotent_and_the_last_page_derives_the_status(rt: WorkerRuntime, tmp_path: Path) -> None:
    doc_id = _queued(rt, make_pdf(tmp_path / "three.pdf", 3))
    jobs.render_document(rt, doc_id)
    assert _run(rt, doc_id, [1, 2]) == [1, 2]
    assert _run(rt, doc_id, [1, 2]) == []  # redelivered: nothing redone
    assert _record(rt, doc_id).status == "running"
    assert _run(rt, doc_id, [2, 3]) == [3]
    record = _record(rt, doc_id)
    assert (record.status, record.pages_processed) == ("done", 3)
    with rt.db.unit_of_work() as uow:
        states = uow.pages.states(doc_id)
        image = uow.pages.image_key(doc_id, 1)
    assert [s.attempts for s in states] == [1, 1, 1]
    assert image is not None and rt.blobs.exists(image)  # keep_page_images


class CancelAfterFirst:
    """An engine that cancels its document while answering the first page."""

    def __init__(self, rt: WorkerRuntime, doc_id: str) -> None:
        self.inner = BenchSleepEngine(0.0, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28)
        self.rt, self.doc_id, self.calls = rt, doc_id, 0

    @property
    def info(self) -> Any:
        return self.inner.info

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        self.calls += len(pages)
        cancel(self.rt.db, self.doc_id)
        return self.inner.infer(pages, options)


def test_cancel_stops_before_the_next_page_and_keeps_what_is_done(rt: WorkerRuntime, tmp_path: Path) -> None:
    doc_id = _queued(rt, make_pdf(tmp_path / "four.pdf", 4))
    jobs.render_document(rt, doc_id)
    engine = CancelAfterFirst(rt, doc_id)
    assert _run(rt, doc_id, [1, 2, 3, 4], lambda _: EngineChoice(engine)) == [1]
    assert engine.calls == 1
    record = _record(rt, doc_id)
    assert (record.status, record.pages_processed) == ("cancelled", 1)
    assert _run(rt, doc_id, [2, 3, 4]) == []  # queued tasks skip it too
    assert jobs.render_document(rt, doc_id) == []
    with rt.db.session() as session:  # the pages not run were given back: no death counted, no lease left
        rows = session.execute(
            sqlalchemy.text("SELECT deliveries, lease_until FROM pages WHERE document_id = :id AND number > 1"),
            {"id": doc_id},
        ).all()
    assert [tuple(r) for r in rows] == [(0, None)] * 3


def _unavailable(_: Mapping[str, Any]) -> EngineChoice:
    raise EngineUnavailable("weights missing at /models/x")


def test_a_local_engine_that_cannot_load_fails_the_pages_with_the_reason(rt: WorkerRuntime, tmp_path: Path) -> None:
    doc_id = _queued(rt, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(rt, doc_id)
    assert _run(rt, doc_id, [1, 2], _unavailable) == [1, 2]  # saved, as failed pages
    with rt.db.unit_of_work() as uow:
        document = uow.documents.load(doc_id)
    assert document is not None and document.status == "failed"
    assert all(p.status == "failed" and "weights missing" in p.issues[0].message for p in document.pages)


def test_an_engine_server_that_does_not_answer_is_transient(rt: WorkerRuntime, tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "one.pdf", 1)
    result = intake_file(path, db=rt.db, blobs=rt.blobs, request=ProcessingRequest(engine="openai"))
    assert result.document_id is not None
    jobs.render_document(rt, result.document_id)
    with pytest.raises(EngineUnavailable):
        jobs.run_pages(rt, result.document_id, [1], engines=_unavailable)
    assert _record(rt, result.document_id).status == "running"  # nothing written: the task retries
    assert jobs.fail_pages(rt, result.document_id, [1], "gave up after 5 retries: server down", 2) == [1]
    assert _record(rt, result.document_id).status == "failed"


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (EngineUnavailable("server down"), True),
        (ConnectionRefusedError(), True),
        (GroupWriteInterrupted("KeyboardInterrupt()"), True),
        (sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        # every pooled connection busy for pool_timeout (a database stall under many task threads)
        (sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), True),
        (ValueError("a bug"), False),
        (KeyError("x"), False),
    ],
)
def test_transient_faults(exc: BaseException, transient: bool) -> None:
    assert jobs.is_transient(exc) is transient


def test_the_heartbeat_sets_the_token_of_holds_on_cancelled_or_deleted_documents(
    rt: WorkerRuntime, tmp_path: Path
) -> None:
    cancelled_id, running_id, deleted_id = (_queued(rt, make_pdf(tmp_path / f"{n}.pdf", 1, label=n)) for n in "ABC")
    keeper = rt.leases()
    with (
        keeper.holding(cancelled_id, [1]) as on_cancelled,
        keeper.holding(running_id, [1]) as on_running,
        keeper.holding(deleted_id, [1]) as on_deleted,
    ):
        cancel(rt.db, cancelled_id)
        with rt.db.unit_of_work() as uow:
            uow.documents.lock(deleted_id)
            uow.documents.delete(deleted_id)
            uow.commit()
        assert not (on_cancelled.is_set() or on_deleted.is_set()), "only a heartbeat sets them"
        keeper.beat()  # what the heartbeat thread does every heartbeat_s
        assert on_cancelled.reason == "the document was cancelled"
        assert on_deleted.reason == "the document was deleted"
        assert not on_running.is_set()
    with rt.db.unit_of_work() as uow:  # reprocessed after the cancel: a new hold gets a fresh token
        uow.pages.reset(cancelled_id, None)
        uow.commit()
    with keeper.holding(cancelled_id, [1]) as again:
        keeper.beat()
        assert not again.is_set()
    assert keeper.held() == []


def test_a_cancel_interrupts_the_page_in_progress_and_gives_it_back(rt: WorkerRuntime, tmp_path: Path) -> None:
    doc_id = _queued(rt, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(rt, doc_id)
    slow = BenchSleepEngine(600.0, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28)  # ten minutes a page
    keeper = rt.leases()
    with ThreadPoolExecutor(1) as pool:
        step = pool.submit(jobs.run_pages, rt, doc_id, [1, 2], engines=lambda _: EngineChoice(slow))
        poll(keeper.held, timeout_s=30, what="page 1 in progress")
        cancel(rt.db, doc_id)
        keeper.beat()
        assert step.result(timeout=60).saved == []  # interrupted: nothing saved, the thread is free
    record = _record(rt, doc_id)
    assert (record.status, record.pages_processed) == ("cancelled", 0)
    with rt.db.session() as session:  # given back, not failed: no death counted, no lease, no attempt
        pages = session.execute(
            sqlalchemy.text("SELECT processed, deliveries, lease_until FROM pages WHERE document_id = :id"),
            {"id": doc_id},
        ).all()
        attempts = session.execute(
            sqlalchemy.text("SELECT count(*) FROM attempts WHERE document_id = :id"), {"id": doc_id}
        ).scalar_one()
    assert [tuple(p) for p in pages] == [(False, 0, None)] * 2
    assert attempts == 0
    assert keeper.held() == []


def test_a_page_image_saved_after_its_document_was_deleted_is_removed_unless_shared(
    rt: WorkerRuntime, tmp_path: Path
) -> None:
    """The image goes to the blob store before the page's transaction; when that transaction
    finds the document deleted, the image is deleted again — unless another row uses the same
    bytes (blobs are stored once per content)."""
    from tests.storage.factories import make_page
    from workers.page_job import save_pages

    kept_id, deleted_id = (_queued(rt, make_pdf(tmp_path / f"{n}.pdf", 1, label=n)) for n in "KD")
    shared, own = b"\x89PNG shared bytes", b"\x89PNG bytes of the deleted document only"
    assert save_pages(rt, kept_id, [(make_page(kept_id, 1), (shared, "image/png"))]).stored == [1]
    with rt.db.unit_of_work() as uow:
        uow.documents.lock(deleted_id)
        uow.documents.delete(deleted_id)
        uow.commit()
    shared_key, own_key = rt.blobs.put_bytes(shared), rt.blobs.put_bytes(own)  # the keys of those bytes

    for image in (shared, own):
        assert save_pages(rt, deleted_id, [(make_page(deleted_id, 1), (image, "image/png"))]).gone
    assert rt.blobs.exists(shared_key), "another page's image: kept"
    assert not rt.blobs.exists(own_key), "only the deleted document's page named it: removed"


def _budgeted(rt: WorkerRuntime, pages: int) -> PageBudget:
    """The runtime's page budget made with ``pages`` pages (what a remote engine's worker gets)."""
    budget = rt.page_budget(lambda _settings: pages)
    assert budget is not None and budget.limit == pages
    return budget


def test_a_chain_step_holds_budget_pages_for_its_claim_only_while_it_runs(rt: WorkerRuntime, tmp_path: Path) -> None:
    rt = _with(rt, save_within_s=60.0)  # pages_per_task=2
    budget = _budgeted(rt, 8)
    doc_id = _queued(rt, make_pdf(tmp_path / "three.pdf", 3))
    jobs.render_document(rt, doc_id)
    held: list[int] = []

    def engines(settings: Mapping[str, Any]) -> EngineChoice:
        held.append(budget.in_use)
        return _bench(settings)

    assert _run(rt, doc_id, None, engines) == [1, 2]
    assert _run(rt, doc_id, None, engines) == [3]
    assert held == [2, 1]  # the second step asked for 2 pages, claimed 1 and gave the other back at once
    assert budget.in_use == 0


def test_a_failing_chain_step_gives_its_budget_pages_back(rt: WorkerRuntime, tmp_path: Path) -> None:
    budget = _budgeted(rt, 8)
    doc_id = _queued(rt, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(rt, doc_id)

    def broken(_settings: Mapping[str, Any]) -> EngineChoice:
        raise RuntimeError("a bug in the engine factory")

    with pytest.raises(RuntimeError, match="a bug"):
        _run(rt, doc_id, None, broken)
    assert budget.in_use == 0
    assert _run(rt, doc_id, None) == [1, 2]  # the pages were given back, not lost


def test_a_chain_step_waiting_for_pages_when_the_worker_stops_claims_nothing(
    rt: WorkerRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers import page_job

    budget = _budgeted(rt, 8)
    doc_id = _queued(rt, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(rt, doc_id)
    assert budget.acquire(8) == 8  # other tasks hold the whole budget
    monkeypatch.setattr(page_job, "worker_stopping", lambda: True)
    step = jobs.run_pages(rt, doc_id, None, engines=_bench)
    assert (step.saved, step.more, step.deferred) == ([], True, True)
    with rt.db.session() as session:
        leased = session.execute(text("SELECT count(*) FROM pages WHERE leased_by IS NOT NULL")).scalar_one()
    assert leased == 0 and _record(rt, doc_id).page_counts == {"pending": 2}
    budget.release(8)
    monkeypatch.setattr(page_job, "worker_stopping", lambda: False)
    assert _run(rt, doc_id, None) == [1, 2]


def test_a_step_that_gives_up_fails_what_it_would_have_claimed_within_the_budget(
    rt: WorkerRuntime, tmp_path: Path
) -> None:
    """pages_per_task 2 in a budget of 4: a task asks for a quarter of it, 1 page, and a step that
    gives up fails that one page, not the 2 of pages_per_task; the rest of the document goes on."""
    from workers.page_job import task_pages

    _budgeted(rt, 4)
    doc_id = _queued(rt, make_pdf(tmp_path / "two.pdf", 2))
    jobs.render_document(rt, doc_id)
    assert task_pages(rt) == 1
    assert jobs.fail_pages(rt, doc_id, None, "gave up after 5 retries: server down", task_pages(rt)) == [1]
    assert _record(rt, doc_id).page_counts == {"failed": 1, "pending": 1}
