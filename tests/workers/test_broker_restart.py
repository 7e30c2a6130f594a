"""The broker goes away mid-batch and comes back: every document still ends, every page once.

Redis (the default) comes back empty — the queued tasks are gone, and the reconciler, reading
the database, sends them again after ``recover_after_s``; RabbitMQ comes back with its durable
queues and persistent messages. Each test runs its own broker process on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from docparse.intake import ProcessingRequest, submit, wait
from tests.ingest.files import make_pdf
from tests.waiting import poll
from tests.workers.brokers import PrivateBroker, PrivateRabbitMQ, PrivateRedis
from tests.workers.conftest import Stack, _stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(420)]


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivateBroker]:
    node = PrivateRedis(tmp_path / "redis") if request.param == "redis" else PrivateRabbitMQ(tmp_path / "rabbitmq")
    node.start()
    try:
        yield node
    finally:
        node.kill()


@pytest.fixture
def private_stack(broker: PrivateBroker, pg_session_db: str, tmp_path: Path) -> Iterator[Stack]:
    yield from _stack(pg_session_db, tmp_path, broker.url)


def test_documents_finish_after_the_broker_restarts(broker: PrivateBroker, private_stack: Stack) -> None:
    stack = private_stack
    stack.configure(pages_per_task=1, recover_after_s=2, document_window_pages=2)
    request = ProcessingRequest(engine="bench-sleep")
    big = make_pdf(stack.tmp / "big.pdf", 6)
    small = make_pdf(stack.tmp / "small.pdf", 1, label="Small")
    results = submit([big, small], db=stack.db, blobs=stack.blobs, app=stack.app, request=request)
    ids = [r.document_id for r in results if r.document_id is not None]
    assert len(ids) == 2
    stack.start_worker("bench-sleep", in_flight=1, DOCPARSE_BENCH_LATENCY_S="0.3")

    def processed() -> int:
        with stack.db.unit_of_work() as uow:
            return sum(r.pages_processed for r in (uow.documents.get(i) for i in ids) if r is not None)

    poll(lambda: processed() >= 1, timeout_s=120, what="a first processed page")
    if isinstance(broker, PrivateRedis):
        broker.kill()  # comes back empty: the queued tasks are lost
    else:
        broker.stop()  # durable queues, persistent messages
    assert processed() < 7, "the batch finished before the broker went away: make the pages slower"
    broker.start()
    try:
        records = wait(stack.db, ids, poll_s=0.2, timeout_s=300)
    except TimeoutError:
        pytest.fail(f"not finished after the broker restart; worker logs:\n{stack.logs()}")
    assert {r.status for r in records.values()} == {"done"}
    with stack.db.session() as session:
        rows = session.execute(
            text(
                "SELECT document_id, page_number, count(*), sum(CASE WHEN chosen THEN 1 ELSE 0 END) "
                "FROM attempts GROUP BY document_id, page_number"
            )
        ).all()
    assert sorted(r[2:] for r in rows) == [(1, 1)] * 7  # every page once, one chosen attempt
