"""The page budget of a remote engine's worker process: first come first served, partial grants,
never more pages held than the budget — and one-page documents keep the server's slots full."""

from __future__ import annotations

import os
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench.scenarios.capacity import capacity_server
from docparse.intake import wait
from tests.waiting import poll
from tests.workers.conftest import Stack
from workers.page_budget import PageBudget, unbounded

BROKER = "redis://127.0.0.1:6379/9"  # (never connected to: a worker's settings, not embedded)


def _waiting_for(
    budget: PageBudget, wanted: int, got: list[int], stop: threading.Event | None = None, poll_s: float = 1.0
) -> threading.Thread:
    """A thread that asks ``budget`` for ``wanted`` pages (giving up once ``stop`` is set, looked at
    every ``poll_s`` while it waits) and appends what it got; returned once it is in line."""
    before = budget.waiting
    asked = stop.is_set if stop is not None else None
    thread = threading.Thread(target=lambda: got.append(budget.acquire(wanted, stop=asked, poll_s=poll_s)))
    thread.start()
    poll(lambda: budget.waiting == before + 1, timeout_s=30, what="the thread to wait in line")
    return thread


def test_a_request_waits_until_all_it_asks_for_is_free() -> None:
    budget = PageBudget(10)
    assert budget.acquire(8) == 8
    got: list[int] = []
    waiter = _waiting_for(budget, 8, got)  # 2 free: not enough
    budget.release(5)
    assert budget.waiting == 1 and not got  # 7 free: still not enough
    budget.release(1)
    waiter.join(timeout=30)
    assert got == [8] and (budget.in_use, budget.waiting) == (10, 0)  # 2 left of the first 8, and these 8
    budget.release(budget.in_use)
    assert budget.acquire(50) == 10  # never more than the budget
    budget.release(10)
    assert budget.acquire(0) == 1  # at least one page


def test_waiters_are_served_first_come_first_served() -> None:
    budget = PageBudget(4)
    assert budget.acquire(4) == 4
    got: list[int] = []
    first = _waiting_for(budget, 3, got)
    second = _waiting_for(budget, 1, got)
    budget.release(1)  # enough for the second, but the first is in line before it
    assert budget.waiting == 2 and not got
    budget.release(2)
    first.join(timeout=30)
    assert got == [3] and second.is_alive() and budget.waiting == 1
    budget.release(1)
    second.join(timeout=30)
    assert got == [3, 1] and budget.in_use == 4


def test_a_newcomer_does_not_overtake_those_in_line() -> None:
    budget = PageBudget(2)
    assert budget.acquire(2) == 2
    got: list[int] = []
    waiter = _waiting_for(budget, 2, got)
    budget.release(2)
    waiter.join(timeout=30)
    assert got == [2] and budget.in_use == 2


def test_a_waiter_told_to_stop_leaves_the_line_and_the_next_one_is_served() -> None:
    budget = PageBudget(8)
    assert budget.acquire(7) == 7  # 1 free
    stopping = threading.Event()
    got: list[int] = []
    quitter = _waiting_for(budget, 2, got, stopping, poll_s=0.01)
    patient = _waiting_for(budget, 1, got)  # the page free is its, once the first in line is gone
    stopping.set()
    quitter.join(timeout=30)
    patient.join(timeout=30)
    assert got == [0, 1] and (budget.in_use, budget.waiting) == (8, 0)
    with budget.hold(1, stop=lambda: True) as grant:  # none free: it gives up at once
        assert (grant.pages, budget.in_use, budget.waiting) == (0, 8, 0)
    budget.release(1)
    with budget.hold(1, stop=lambda: True) as grant:  # a page free and nobody in line: no wait
        assert (grant.pages, budget.in_use) == (1, 8)


def test_a_wait_that_ends_in_a_grant_as_the_worker_stops_gives_the_pages_back() -> None:
    budget = PageBudget(2)
    assert budget.acquire(2) == 2
    stopping = threading.Event()
    got: list[int] = []
    waiter = _waiting_for(budget, 2, got, stopping, poll_s=60)
    stopping.set()  # (its next look at stop() would come in a minute)
    budget.release(2)  # the wait ends in a grant, after the shutdown began
    waiter.join(timeout=30)
    assert got == [0] and (budget.in_use, budget.waiting) == (0, 0)


def test_a_grant_gives_back_what_the_claim_did_not_use_and_the_rest_at_the_end() -> None:
    budget = PageBudget(8)
    with budget.hold(8) as grant:
        assert (grant.pages, budget.in_use) == (8, 8)
        grant.keep(3)
        assert (grant.pages, budget.in_use) == (3, 3)
    assert budget.in_use == 0
    seen: list[int] = []

    def failing_task() -> None:
        with budget.hold(5):
            seen.append(budget.in_use)
            raise RuntimeError("the task failed")

    with pytest.raises(RuntimeError, match="the task failed"):
        failing_task()
    assert seen == [5] and budget.in_use == 0  # released however the block ends
    with unbounded(8) as free:  # no budget: the task's own size
        assert free.pages == 8
        free.keep(2)
        assert free.pages == 2


def test_releasing_more_than_was_taken_is_an_error() -> None:
    budget = PageBudget(3)
    budget.acquire(1)
    with pytest.raises(RuntimeError, match="over-released"):
        budget.release(2)
    with pytest.raises(ValueError, match="at least one page"):
        PageBudget(0)


def test_many_threads_never_hold_more_than_the_budget() -> None:
    budget, limit = PageBudget(12), 12
    lock, held, peak = threading.Lock(), [0], [0]
    rng = random.Random(7)
    sizes = [rng.randint(1, 8) for _ in range(300)]

    def task(wanted: int) -> int:
        with budget.hold(wanted) as grant:
            grant.keep(max(1, grant.pages - 1))
            with lock:
                held[0] += grant.pages
                peak[0] = max(peak[0], held[0])
                assert budget.in_use <= limit
            time.sleep(0.001)  # hold the pages a moment: the tasks overlap
            with lock:
                held[0] -= grant.pages
            return grant.pages

    with ThreadPoolExecutor(32) as pool:
        taken = list(pool.map(task, sizes))
    assert 8 < peak[0] <= limit  # tasks held pages together (more than any one holds), never over the budget
    assert all(1 <= t <= s for t, s in zip(taken, sizes, strict=True))
    assert (budget.in_use, budget.waiting) == (0, 0)


@pytest.mark.services
@pytest.mark.timeout(240)
def test_one_page_documents_keep_every_request_slot_of_the_process_busy(stack: Stack) -> None:
    """8 requests in flight for the process, a budget of 16 pages, tasks asking for 4 (16 per task,
    capped at a quarter of the budget): one-page documents are a task each, and the process still
    sends the server 8 at once (it once ran 2 threads: 2 requests; tasks asking for the whole
    budget ran 1)."""
    stack.configure()
    with capacity_server(16, 1.5) as url:
        stack.start_worker("openai", in_flight=8, DOCPARSE_OPENAI_BASE_URL=url, DOCPARSE_OPENAI_MODEL="capacity-server")
        poll(lambda: "ready." in stack.logs(), timeout_s=120, what="the worker")
        assert "docparse worker: 1 process(es) x 16 thread(s), 8 pages in flight" in stack.logs()
        root = url.removesuffix("/v1")
        httpx.post(f"{root}/stats/reset").raise_for_status()
        ids = stack.submit_mixed("one", 24, 1)
        records = wait(stack.db, ids, poll_s=0.1, timeout_s=180)
        stats = httpx.get(f"{root}/stats").json()
    assert sorted(r.status for r in records.values()) == ["done"] * 24, stack.logs()
    assert stats["completed"] == 24
    assert stats["peak_in_flight"] == 8, stats  # every slot of its share, and never more


@pytest.mark.services
@pytest.mark.timeout(240)
def test_a_warm_shutdown_waits_for_the_pages_held_not_for_the_tasks_in_line(stack: Stack) -> None:
    """A budget of 8 pages, tasks of 2: four tasks run, the two other tasks wait in line. On
    SIGTERM the running pages finish and are saved; the waiting tasks claim nothing and go back to
    the queue, where the next worker finds them."""
    import signal

    from sqlalchemy import text

    stack.configure(pages_per_task=2)
    with capacity_server(16, 3.0) as url:
        env = {"DOCPARSE_OPENAI_BASE_URL": url, "DOCPARSE_OPENAI_MODEL": "capacity-server"}
        first = stack.start_worker("openai", in_flight=4, **env)
        poll(lambda: "ready." in stack.logs(), timeout_s=120, what="the worker")
        ids = stack.submit_mixed("two", 6, 2)
        root = url.removesuffix("/v1")
        poll(lambda: httpx.get(f"{root}/stats").json()["in_flight"] == 4, timeout_s=60, what="4 requests at the server")
        poll(lambda: stack.tasks_held() == 6, timeout_s=60, what="the 6 chain steps running or in line")
        stack.kill_worker(first, signal.SIGTERM)
        assert first.returncode == 0, stack.logs()
        with stack.db.session() as session:
            processed = session.execute(text("SELECT count(*) FROM pages WHERE processed")).scalar_one()
            held = session.execute(text("SELECT count(*) FROM pages WHERE leased_by IS NOT NULL")).scalar_one()
            started = set(session.execute(text("SELECT DISTINCT document_id FROM pages WHERE processed")).scalars())
        assert (processed, held) == (8, 0)  # the four running tasks' pages, saved; nothing left leased
        # the two tasks in line claimed nothing; each went back to the queue (where this worker,
        # still draining its consumer, may take it once more and defer it again)
        deferred = set(re.findall(r"infer\.deferred\s+document=(\S+)", stack.logs()))
        assert len(deferred) == 2 and not deferred & started, stack.logs()
        stack.start_worker("openai", in_flight=4, **env)
        records = wait(stack.db, ids, poll_s=0.1, timeout_s=180)
    assert sorted(r.status for r in records.values()) == ["done"] * 6, stack.logs()


@pytest.mark.parametrize(
    ("engine", "broker", "budget"),
    [
        ("openai", "redis://127.0.0.1:6379/9", 24),
        ("openai", None, None),
        ("pdf-text", "redis://127.0.0.1:6379/9", None),
    ],
)
def test_a_remote_engines_worker_process_gets_a_budget_and_a_pass_cache_of_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, broker: str | None, budget: int | None
) -> None:
    """render-ahead 2 x 12 requests: 24 pages, and the blocks of 48 written pages kept for the
    document passes (the setting's 16 would drop a document's first pages before its last lands).
    Embedded, or with an engine in process, there is none."""
    from storage import Database, LocalBlobStore
    from workers.page_job import budget_pages
    from workers.runtime import WorkerRuntime
    from workers.settings import WorkerSettings

    monkeypatch.setenv("DOCPARSE_ENGINE", engine)
    monkeypatch.setenv("DOCPARSE_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("DOCPARSE_OPENAI_MAX_IN_FLIGHT", "12")
    settings = WorkerSettings.model_validate({"broker_url": broker, "pass_cache_pages": 16})
    db = Database(f"sqlite:///{tmp_path}/docparse.db")
    rt = WorkerRuntime(settings, db, LocalBlobStore(tmp_path / "blobs"), os.getpid(), owned=False)
    made = rt.page_budget(budget_pages)
    assert (made.limit if made else None) == budget
    assert rt.recent.capacity == (48 if budget else 16)
    assert rt.page_budget(budget_pages) is made  # one per process
    db.dispose()


def test_a_prefork_child_runs_one_task_at_a_time_and_gets_no_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from workers import page_budget
    from workers.page_job import budget_pages
    from workers.settings import WorkerSettings

    monkeypatch.setenv("DOCPARSE_ENGINE", "openai")
    monkeypatch.setenv("DOCPARSE_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = WorkerSettings.model_validate({"broker_url": BROKER})
    assert budget_pages(settings) == 128  # a thread pool's process: 2 x 64
    monkeypatch.setattr(page_budget, "_prefork_child", False)
    page_budget.in_prefork_child()  # what worker_process_init does in each prefork child
    assert budget_pages(settings) is None


def test_a_task_asks_for_at_most_a_quarter_of_the_budget() -> None:
    """A task asks before its claim and keeps what it took: a one-page document's task asking for
    a whole budget would hold it alone until its page was done."""
    assert PageBudget(16).task_pages(16) == 4
    assert PageBudget(32).task_pages(16) == 8  # 4 processes at the defaults
    assert PageBudget(128).task_pages(16) == 16  # one process at the defaults: as set
    assert PageBudget(3).task_pages(16) == 1
