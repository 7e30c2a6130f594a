"""A remote engine's worker process reserves the tasks holding pages and a short line, not a
message per thread: the rest of the queue stays where another process or host can take it."""

from __future__ import annotations

import threading

import httpx
import pytest
from kombu.common import QoS

from bench.scenarios.capacity import capacity_server
from docparse.intake import wait
from tests.waiting import poll
from tests.workers.conftest import Stack
from workers.page_budget import PageBudget
from workers.prefetch import PrefetchLimiter, line_tasks


def test_the_line_is_a_quarter_of_the_budget_in_full_tasks_and_at_least_four() -> None:
    assert line_tasks(128, 16) == 4  # one process at the defaults: 8 tasks fill the budget
    assert line_tasks(256, 8) == 8
    assert line_tasks(16, 4) == 4
    assert line_tasks(256, 1) == 64


def _qos(value: int) -> tuple[QoS, list[int]]:
    """A kombu QoS as a consumer has one, recording what it applies."""
    applied: list[int] = []
    qos = QoS(lambda prefetch_count: applied.append(prefetch_count), value)
    return qos, applied


def test_the_prefetch_follows_the_tasks_holding_pages_and_comes_back_down() -> None:
    ceiling, line = 16, 2
    qos, applied = _qos(line)  # the consumer starts at the line (BudgetPrefetch)
    budget = PageBudget(16)
    budget.observe(PrefetchLimiter(qos, ceiling, line, reduction=ceiling - line))
    assert qos.value == 2
    seen = []
    with budget.hold(8) as first:
        seen.append(qos.value)
        with budget.hold(8):
            seen.append(qos.value)
            first.keep(1)  # pages given back early: still a task holding its grant
            seen.append(qos.value)
        seen.append(qos.value)
    seen.append(qos.value)
    assert seen == [3, 4, 4, 3, 2]
    assert applied == [3, 4, 3, 2]  # each change applied at once


def test_changes_by_others_are_kept_and_the_ceiling_holds() -> None:
    """An ETA task raises the count by one meanwhile (Celery's own change): it stays raised; the
    count never goes over what Celery set with every thread free."""
    qos, _ = _qos(2)
    limiter = PrefetchLimiter(qos, 4, 2, reduction=2)
    limiter(1)
    qos.increment_eventually(1)  # an ETA task received
    assert qos.value == 4
    limiter(5)  # more holders than the ceiling allows a line for
    assert qos.value == 5  # 4 (the ceiling) + the ETA task's 1
    limiter(0)
    qos.decrement_eventually(1)  # the ETA task ran
    assert qos.value == 2


def test_changes_are_applied_on_the_consumers_loop_once_for_all_made_meanwhile() -> None:
    """Task threads only record the target and schedule the loop (Celery moves its QoS on the
    loop's thread alone, and the loop applies a new count only once woken); changes made before
    the loop runs are applied together, at once."""
    qos, applied = _qos(2)
    scheduled: list[object] = []
    limiter = PrefetchLimiter(qos, 16, 2, reduction=14, schedule=scheduled.append)
    limiter(3)
    limiter(5)
    limiter(4)
    assert (qos.value, len(scheduled)) == (2, 1)  # nothing moved yet; one wake-up pending
    limiter.apply()  # what the loop runs
    assert (qos.value, applied) == (6, [6])
    limiter(0)
    limiter.detach()  # the consumer restarted before the loop ran it
    limiter.apply()
    assert qos.value == 6


def test_the_budget_tells_its_observer_its_holders_in_order() -> None:
    budget = PageBudget(4)
    calls: list[int] = []
    budget.observe(calls.append)
    first = budget.hold(4)
    first.__enter__()
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(budget.acquire(2)))
    waiter.start()
    poll(lambda: budget.waiting == 1, timeout_s=30, what="the waiter in line")
    first.__exit__(None, None, None)
    waiter.join(timeout=30)
    assert got == [2]
    assert calls == [0, 1, 0]  # observed, held, done (a waiter served by acquire holds no grant)
    budget.observe(None)
    with budget.hold(1):
        pass
    assert len(calls) == 3  # no observer, no calls


def test_a_new_observer_counts_only_the_tasks_that_begin_after_it() -> None:
    """After a broker reconnect the consumer's new limiter observes the budget: the tasks still
    running (or waiting in the budget's line) from the lost connection take no place in the new
    connection's prefetch, so they must not raise it."""
    budget = PageBudget(4)
    before: list[int] = []
    budget.observe(before.append)
    old = budget.hold(4)
    old.__enter__()  # a task received on the connection about to be lost, running
    go_on = threading.Event()

    def waiting_task() -> None:  # received then too, in the budget's line when the connection is lost
        with budget.hold(2):
            go_on.wait(30)

    waiter = threading.Thread(target=waiting_task)
    waiter.start()
    poll(lambda: budget.waiting == 1, timeout_s=30, what="the old connection's second task in line")
    budget.observe(None)
    after: list[int] = []
    budget.observe(after.append)  # the consumer started again on a new connection
    old.__exit__(None, None, None)  # the running one ends; the waiting one now holds its pages
    poll(lambda: budget.in_use == 2, timeout_s=30, what="the old waiting task holding")
    with budget.hold(2):  # a task received on the new connection
        assert after == [0, 1]
    go_on.set()
    waiter.join(timeout=30)
    assert before == [0, 1]
    assert after == [0, 1, 0], "the old connection's tasks never counted for the new observer"


@pytest.mark.services
@pytest.mark.timeout(300)
def test_a_worker_reserves_the_tasks_holding_pages_and_a_short_line(broker_stack: Stack) -> None:
    """8 requests for the process: a budget of 16 pages, 16 threads, tasks of 4 pages — 4 tasks hold
    the budget. With 12 chain steps queued (6 documents, 2 chains each) the worker reserves those 4
    and a line of 4, not one per thread (12 before: 8 of them waiting in the budget's line, out of
    other hosts' reach), and everything finishes."""
    stack = broker_stack
    stack.configure(pages_per_task=4, document_window_pages=8)
    with capacity_server(16, 0.5) as url:
        stack.start_worker("openai", in_flight=8, DOCPARSE_OPENAI_BASE_URL=url, DOCPARSE_OPENAI_MODEL="capacity-server")
        poll(lambda: "ready." in stack.logs(), timeout_s=120, what="the worker")
        assert "worker.prefetch_follows_budget budget=16 ceiling=16 line=4" in stack.logs()
        ids = stack.submit_mixed("doc", 6, 8)
        root = url.removesuffix("/v1")
        busy = lambda: httpx.get(f"{root}/stats").json()["in_flight"] == 8  # noqa: E731
        poll(busy, timeout_s=120, what="8 requests at the server")
        samples = [stack.tasks_held() for _ in range(4)]
        records = wait(stack.db, ids, poll_s=0.1, timeout_s=240)
    assert sorted(r.status for r in records.values()) == ["done"] * 6, stack.logs()
    assert 5 <= max(samples) <= 8, samples  # 4 holding + a line of 4: the count rose past the line, no further
