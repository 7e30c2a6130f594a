"""Poison pages: a page whose processing kills its worker process fails after a bounded number
of deaths, and a page that runs past the time limit fails with the reason — while the rest of
the document completes, through real ``docparse worker`` processes, PostgreSQL and Redis."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import bench.sleep_engine
from docparse.intake import ProcessingRequest, submit, wait
from schemas import Document
from tests.ingest.files import make_pdf
from tests.workers import trap_engine
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]

PAGES = 5
TRAP = 3
PLUGINS = f"{bench.sleep_engine.PLUGIN},{trap_engine.PLUGIN}"


def _run(stack: Stack, mode: str) -> Document:
    pdf = make_pdf(stack.tmp / f"{mode}.pdf", PAGES)
    env = {"DOCPARSE_ENGINE_PLUGINS": PLUGINS, "DOCPARSE_TRAP_PAGE": str(TRAP), "DOCPARSE_TRAP_MODE": mode}
    stack.start_worker(trap_engine.ENGINE_NAME, in_flight=2, **env)
    request = ProcessingRequest(engine=trap_engine.ENGINE_NAME)
    (result,) = submit([pdf], db=stack.db, blobs=stack.blobs, app=stack.app, request=request)
    assert result.document_id is not None
    try:
        wait(stack.db, [result.document_id], poll_s=0.2, timeout_s=240)
    except TimeoutError:
        pytest.fail(f"not finished; worker logs:\n{stack.logs()}")
    with stack.db.unit_of_work() as uow:
        document = uow.documents.load(result.document_id)
    assert document is not None
    summary = [(p.number, p.status, [i.message for i in p.issues]) for p in document.pages]
    assert document.status == "partial", (summary, stack.logs())
    with stack.db.session() as session:
        chosen = session.execute(
            text("SELECT max(n) FROM (SELECT count(*) AS n FROM attempts WHERE chosen GROUP BY page_number) AS c")
        ).scalar_one()
    assert chosen == 1  # still no page with two chosen attempts
    return document


def test_a_page_that_kills_its_worker_fails_after_three_deaths_and_the_rest_completes(stack: Stack) -> None:
    stack.configure(pages_per_task=1, recover_after_s=2, max_page_deaths=3)
    document = _run(stack, "kill")
    assert document.status == "partial"
    statuses = {p.number: p.status for p in document.pages}
    assert statuses == {n: "failed" if n == TRAP else "ok" for n in range(1, PAGES + 1)}
    (issue,) = document.pages[TRAP - 1].issues
    assert issue.message == "worker died 3 times on this page"
    assert document.pages[TRAP - 1].attempts == []
    with stack.db.session() as session:
        deliveries = dict(session.execute(text("SELECT number, deliveries FROM pages")).all())
    assert deliveries[TRAP] == 3


def test_a_page_over_the_time_limit_fails_with_the_reason_and_the_rest_completes(stack: Stack) -> None:
    stack.configure(pages_per_task=1, recover_after_s=2, task_time_limit_s=15, task_soft_time_limit_s=14)
    document = _run(stack, "hang")
    assert document.status == "partial"
    statuses = {p.number: p.status for p in document.pages}
    assert statuses == {n: "failed" if n == TRAP else "ok" for n in range(1, PAGES + 1)}
    (issue,) = document.pages[TRAP - 1].issues
    assert issue.message.startswith("time limit: the page ran over 15 s"), issue.message
