"""Cancel interrupts the page in progress (issue 13): a real ``docparse worker`` with one task
thread is stuck on a page that would take ten minutes — in the engine (``bench-sleep`` at 600 s a
page) or in the render child (a page that takes minutes to draw, under a 600 s render budget).
The document is cancelled over the real HTTP API; within about one heartbeat the worker stops
the page (the render child is killed), gives it back unprocessed, and its only thread then
parses a second document — which could not happen before the ten minutes ran out otherwise.
Every wait is a bounded poll far below those ten minutes; nothing asserts on wall-clock time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from docparse.api import ApiSettings, create_app
from docparse.intake import ProcessingRequest, submit, wait
from docparse.render import RenderLimits
from docparse.services import Services
from storage import StorageSettings
from tests.api.conftest import LiveServer
from tests.ingest.files import make_pdf
from tests.procs import cpu_ticks, gone, render_children
from tests.render.helpers import SLOW_OP, write_shared_content_pdf
from tests.waiting import poll
from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]

OWNER, KEY = "alice", "alice-key-0123456789"
LATENCY_S = "600"  # a page of bench-sleep: ten minutes, unless interrupted
HEARTBEAT_RECOVER_AFTER_S = 2.0  # heartbeat_s = recover_after_s / 4 = 0.5 s
FREED_WITHIN_S = 120  # far below the ten minutes an uninterrupted page would hold the only thread


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    """The real API (uvicorn on loopback) over this stack's database, blobs and queues."""
    stack.configure(pages_per_task=1, recover_after_s=HEARTBEAT_RECOVER_AFTER_S)
    services = Services(
        storage=StorageSettings(data_dir=stack.data_dir, database_url=stack.db_url), workers=stack.settings
    )
    settings = ApiSettings.model_validate({"api_keys": {OWNER: KEY}})
    with LiveServer(create_app(services, settings)) as server, server.client(KEY) as client:
        yield client


def _pages(stack: Stack, doc_id: str) -> list[tuple[int, bool, str | None, int]]:
    with stack.db.session() as session:
        rows = session.execute(
            text("SELECT number, processed, leased_by, deliveries FROM pages WHERE document_id = :id ORDER BY number"),
            {"id": doc_id},
        ).all()
    return [(int(n), bool(p), by, int(d)) for n, p, by, d in rows]


def _attempts(stack: Stack, doc_id: str) -> int:
    with stack.db.session() as session:
        count = session.execute(text("SELECT count(*) FROM attempts WHERE document_id = :id"), {"id": doc_id})
        return int(count.scalar_one())


def _drawing_render_child(worker_pid: int) -> int | None:
    """The worker's render child once it has burnt 1.5 s of CPU (past start-up: drawing the page)."""
    return next((pid for pid in render_children(worker_pid) if cpu_ticks(pid) > 150), None)


@pytest.mark.parametrize("stuck_in", ["engine", "render"])
def test_cancel_interrupts_the_page_in_progress_and_frees_the_worker(
    stack: Stack, api: httpx.Client, stuck_in: str
) -> None:
    if stuck_in == "render" and not Path("/proc/self/task").exists():
        pytest.skip("finds the render child through /proc (Linux)")
    worker = stack.start_worker("bench-sleep", in_flight=1, DOCPARSE_BENCH_LATENCY_S=LATENCY_S)
    if stuck_in == "engine":
        slow, limits = make_pdf(stack.tmp / "slow.pdf", 2), RenderLimits()
    else:  # minutes to draw one page, in the render child (past the in-process bound of 1.8 MB at 300 s)
        slow = write_shared_content_pdf(stack.tmp / "slow.pdf", 2, 4 << 20, op=SLOW_OP)
        limits = RenderLimits(render_timeout_s=300)
    request = ProcessingRequest(engine="bench-sleep")
    (first,) = submit(
        [slow], db=stack.db, blobs=stack.blobs, app=stack.app, request=request, owner=OWNER, limits=limits
    )
    doc_id = first.document_id
    assert doc_id is not None

    held = poll(
        lambda: [n for n, _, by, _ in _pages(stack, doc_id) if by is not None],
        timeout_s=FREED_WITHIN_S,
        what="a page of the slow document to be in flight",
    )
    child = None
    if stuck_in == "render":
        child = poll(lambda: _drawing_render_child(worker.pid), timeout_s=FREED_WITHIN_S, what="the page being drawn")

    response = api.post(f"/v1/documents/{doc_id}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    if child is not None:
        poll(lambda: gone(child), timeout_s=30, what="the render child to be killed by the cancel")

    # the worker's only thread is free again: a second document is parsed (pdf-text: no latency)
    (second,) = submit(
        [make_pdf(stack.tmp / "next.pdf", 1, label="Next")],
        db=stack.db,
        blobs=stack.blobs,
        app=stack.app,
        request=ProcessingRequest(engine="pdf-text"),
        owner=OWNER,
    )
    assert second.document_id is not None
    try:
        records = wait(stack.db, [second.document_id], poll_s=0.2, timeout_s=FREED_WITHIN_S)
    except TimeoutError:
        pytest.fail(f"the worker was not freed by the cancel; worker logs:\n{stack.logs()}")
    assert records[second.document_id].status == "done"

    # the interrupted page was given back, not saved nor failed: unprocessed, no lease, no death
    # counted, no attempt stored; the document stays cancelled with nothing lost
    assert api.get(f"/v1/documents/{doc_id}").json()["status"] == "cancelled"
    pages = _pages(stack, doc_id)
    assert [(n, processed, by, deliveries) for n, processed, by, deliveries in pages if n in held] == [
        (n, False, None, 0) for n in held
    ], stack.logs()
    assert all(not processed for _, processed, _, _ in pages)
    assert _attempts(stack, doc_id) == 0
    logs = "".join(p.read_text(errors="replace") for p in stack.tmp.glob("worker-*.log"))
    assert "infer.interrupted" in logs and "page.interrupt" in logs
