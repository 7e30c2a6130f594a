"""GroupCommitter: threads finishing pages at once share transactions; a bad page fails alone."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import event

from schemas import DocumentStatus
from storage import Database, DocumentNotFound, UnitOfWork
from storage.group_commit import During, GroupCommitter, GroupWriteInterrupted
from tests.storage.factories import make_page, sha

Queued = Callable[..., str]
THREADS = 8


def _started(db: Database, queued: Queued, pages: int) -> str:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, pages)
        uow.commit()
    return document_id


def _commits(db: Database) -> list[int]:
    """A counter of committed transactions on ``db``'s engine (one element per commit)."""
    seen: list[int] = []
    event.listen(db.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_pages_finished_together_share_transactions_and_one_caller_gets_the_status(
    db: Database, queued: Queued
) -> None:
    first, second = _started(db, queued, THREADS // 2), _started(db, queued, THREADS // 2)
    jobs = [(id, n) for id in (first, second) for n in range(1, THREADS // 2 + 1)]
    committer = GroupCommitter(db, max_pages=THREADS, max_wait_s=5.0)  # waits for all: the group is full
    commits = _commits(db)
    barrier = threading.Barrier(THREADS, timeout=30)

    def save(job: tuple[str, int]) -> DocumentStatus | None:
        barrier.wait()
        return committer.save(job[0], make_page(job[0], job[1], attempts=1))

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(save, jobs))

    assert committer.transactions == 1 == len(commits)
    assert sorted(r for r in results if r is not None) == ["done", "done"]
    with db.unit_of_work() as uow:
        for id in (first, second):
            record = uow.documents.get(id)
            assert record is not None and (record.status, record.pages_processed) == ("done", THREADS // 2)


def test_a_lone_page_is_not_held_back(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 1)
    committer = GroupCommitter(db, max_pages=32, max_wait_s=0.01)
    assert committer.save(document_id, make_page(document_id, 1)) == "done"
    assert committer.transactions == 1


def test_a_bad_page_fails_only_its_caller(db: Database, queued: Queued) -> None:
    """A page of a missing document and a page whose callback raises make the group's transaction
    fail; each page is then written alone: the good ones are stored, the bad ones raise."""
    good = _started(db, queued, THREADS)
    committer = GroupCommitter(db, max_pages=THREADS, max_wait_s=5.0)
    barrier = threading.Barrier(THREADS, timeout=30)

    def keep_image(n: int) -> During:
        def during(uow: UnitOfWork, _status: DocumentStatus | None) -> None:
            if n == 3:
                raise RuntimeError("the image store refused page 3")
            uow.pages.set_image(good, n, sha(f"image {n}"))

        return during

    def save(n: int) -> str:
        barrier.wait()
        try:
            if n == 5:
                committer.save("missing-document", make_page("missing-document", 1))
            else:
                committer.save(good, make_page(good, n, attempts=1), keep_image(n))
        except (DocumentNotFound, RuntimeError) as exc:
            return type(exc).__name__
        return "saved"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(save, range(1, THREADS + 1)))

    assert outcomes == ["saved", "saved", "RuntimeError", "saved", "DocumentNotFound", "saved", "saved", "saved"]
    with db.unit_of_work() as uow:
        states = {s.number: s.processed for s in uow.pages.states(good)}
        keys = {n: uow.pages.image_key(good, n) for n in range(1, THREADS + 1)}
    assert [n for n, processed in sorted(states.items()) if processed] == [1, 2, 4, 6, 7, 8]
    assert {n for n, key in keys.items() if key is not None} == {1, 2, 4, 6, 7, 8}


class _Interrupt(BaseException):
    """Not an ``Exception``: like ``KeyboardInterrupt`` or a task's hard stop in the leader's thread."""


def test_an_interrupted_leader_fails_the_other_callers_pages_instead_of_stranding_them(
    db: Database, queued: Queued
) -> None:
    document_id = _started(db, queued, 2)
    committer = GroupCommitter(db, max_pages=2, max_wait_s=30.0)  # the group waits for both callers
    barrier = threading.Barrier(2, timeout=30)

    def interrupt(_uow: UnitOfWork, _status: DocumentStatus | None) -> None:
        raise _Interrupt  # run by whichever thread leads the group

    outcomes: list[str] = []

    def save(n: int) -> None:
        barrier.wait()
        try:
            committer.save(document_id, make_page(document_id, n), interrupt if n == 1 else None)
        except (_Interrupt, GroupWriteInterrupted) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=save, args=(n,), daemon=True) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a caller was left waiting for its page"
    assert sorted(outcomes) == ["GroupWriteInterrupted", "_Interrupt"]
    with db.unit_of_work() as uow:
        assert not any(s.processed for s in uow.pages.states(document_id))  # nothing half-written
    committer.max_wait_s = 0.0
    assert committer.save(document_id, make_page(document_id, 1)) is None  # the committer still works


def test_an_interrupted_callers_pages_left_in_the_queue_are_not_written_later(db: Database, queued: Queued) -> None:
    """Pages beyond the group a caller led when it was interrupted leave the queue with it: the
    next caller's group does not write them (its page may have been reset since)."""

    class InterruptedOnce(GroupCommitter):
        interrupted = False

        def _write_group(self, group: list[Any]) -> None:
            if not self.interrupted:
                self.interrupted = True
                raise _Interrupt
            super()._write_group(group)

    document_id = _started(db, queued, 4)
    committer = InterruptedOnce(db, max_pages=2, max_wait_s=0.0)
    with pytest.raises(_Interrupt):
        committer.save_all(document_id, [(make_page(document_id, n), None) for n in (1, 2, 3)])
    assert [s.error for s in committer.save_all(document_id, [(make_page(document_id, 4), None)])] == [None]
    with db.unit_of_work() as uow:
        assert [s.number for s in uow.pages.states(document_id) if s.processed] == [4]


def test_save_all_stores_one_callers_pages_in_one_transaction_and_reports_each(db: Database, queued: Queued) -> None:
    document_id = _started(db, queued, 3)
    committer = GroupCommitter(db, max_pages=32, max_wait_s=0.0)  # nobody waits: the caller's pages are the group
    commits = _commits(db)
    pages = [(make_page(document_id, n, attempts=1), sha(f"image {n}") if n != 2 else None) for n in (1, 2, 3)]
    saved = committer.save_all(document_id, pages)
    assert committer.transactions == 1 == len(commits)
    assert [(s.number, s.status, s.error) for s in saved] == [(1, None, None), (2, None, None), (3, "done", None)]
    with db.unit_of_work() as uow:
        keys = [uow.pages.image_key(document_id, n) for n in (1, 2, 3)]
    assert keys == [sha("image 1"), None, sha("image 3")]


def test_save_all_beyond_a_group_takes_several_transactions_and_a_gone_document_fails_each_page(
    db: Database, queued: Queued
) -> None:
    document_id = _started(db, queued, 5)
    committer = GroupCommitter(db, max_pages=2, max_wait_s=0.0)
    saved = committer.save_all(document_id, [(make_page(document_id, n), None) for n in range(1, 6)])
    assert committer.transactions == 3  # 2 + 2 + 1
    assert [s.status for s in saved] == [None, None, None, None, "done"]
    gone = committer.save_all("missing-document", [(make_page("missing-document", n), None) for n in (1, 2)])
    assert [type(s.error) for s in gone] == [DocumentNotFound, DocumentNotFound]


def test_a_database_that_does_not_answer_fails_the_group_at_once_not_page_by_page() -> None:
    """A fault of the database itself is met once, not once more per page of the group."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there
    down = Database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test")
    attempts: list[int] = []
    event.listen(down.engine, "do_connect", lambda *_: attempts.append(1))
    saved = GroupCommitter(down, max_pages=32, max_wait_s=0.0).save_all(
        "doc", [(make_page("doc", n), None) for n in range(1, 9)]
    )
    assert len(attempts) == 1  # one transaction tried, no retry page by page
    assert all(isinstance(s.error, sqlalchemy.exc.OperationalError) for s in saved)
    down.dispose()


def test_settings_are_checked(db: Database) -> None:
    with pytest.raises(ValueError, match="max_pages"):
        GroupCommitter(db, max_pages=0)
