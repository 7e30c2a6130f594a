"""The render step runs its document's first chain step in a worker process that consumes the
infer queue too: a one-page upload is one task. Called as a worker calls the task (not eager),
on a real Redis queue pair whose messages are counted, and a real SQLite database."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from celery import Celery
from sqlalchemy import text

import bench.sleep_engine  # noqa: F401  (registers the bench-sleep engine in this process)
from docparse.intake import ProcessingRequest, intake_file
from storage import Database, LocalBlobStore
from tests.ingest.files import make_pdf
from tests.workers.conftest import REDIS_URL
from workers.celery_app import create_app, load_tasks
from workers.names import RENDER_TASK
from workers.settings import WorkerSettings

pytestmark = [pytest.mark.services]


@dataclass
class Host:
    app: Celery
    settings: WorkerSettings
    db: Database
    blobs: LocalBlobStore
    tmp: Path

    def queued(self, path: Path, engine: str = "bench-sleep") -> str:
        result = intake_file(path, db=self.db, blobs=self.blobs, request=ProcessingRequest(engine=engine))
        assert result.outcome == "queued" and result.document_id is not None
        return result.document_id

    def render(self, document_id: str, *, redelivered: bool = False) -> None:
        """The render task as a worker process runs it: not eager, its first delivery (or a
        delivery again after its worker died)."""
        task = self.app.tasks[RENDER_TASK]
        info = {"redelivered": redelivered}
        task.push_request(is_eager=False, retries=0, id=uuid.uuid4().hex, delivery_info=info)
        try:
            task.run(document_id)
        finally:
            task.pop_request()

    def steps_queued(self) -> int:
        """Infer tasks (chain steps) waiting in the infer queue (every priority list of it)."""
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = [k for k in client.scan_iter(f"{self.settings.infer_queue}*") if client.type(k) == b"list"]
            return sum(int(client.llen(k)) for k in keys)
        finally:
            client.close()

    def status(self, document_id: str) -> tuple[str, int]:
        with self.db.unit_of_work() as uow:
            record = uow.documents.get(document_id)
        assert record is not None
        return record.status, record.pages_processed


def _host(tmp: Path, queues: tuple[str, ...], **settings: object) -> Iterator[Host]:
    tag = uuid.uuid4().hex[:8]
    values = {"broker_url": REDIS_URL, "render_queue": f"test-render-{tag}", "infer_queue": f"test-infer-{tag}"}
    config = WorkerSettings.model_validate({**values, "pages_per_task": 2, **settings})
    db = Database(f"sqlite:///{tmp}/db/docparse.db")
    db.upgrade()
    blobs = LocalBlobStore(tmp / "blobs")
    app = create_app(config, db=db, blobs=blobs)
    load_tasks(app)
    names = {"render": config.render_queue, "infer": config.infer_queue}
    app.amqp.queues.select([names[q] for q in queues])  # what `--queues` does in a worker process
    try:
        yield Host(app, config, db, blobs, tmp)
    finally:
        db.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        with contextlib.suppress(redis.ConnectionError):
            keys = [*client.scan_iter(f"*{tag}*")]
            if keys:
                client.delete(*keys)
        client.close()


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Host]:
    monkeypatch.setenv("DOCPARSE_BENCH_LATENCY_S", "0")
    yield from _host(tmp_path, ("render", "infer"))


def test_a_one_page_document_is_done_by_its_render_step_alone(host: Host) -> None:
    doc_id = host.queued(make_pdf(host.tmp / "one.pdf", 1))
    host.render(doc_id)
    assert host.status(doc_id) == ("done", 1)
    assert host.steps_queued() == 0


def test_the_other_chains_are_queued_and_the_first_continues_as_a_queued_step(host: Host) -> None:
    # 5 pages in steps of 2: three chains; the render step runs one (pages 1-2) and queues two,
    # and its chain goes on as a queued step, since pages are left to claim
    doc_id = host.queued(make_pdf(host.tmp / "five.pdf", 5))
    host.render(doc_id)
    assert host.status(doc_id) == ("running", 2)
    assert host.steps_queued() == 3


def test_a_render_step_delivered_again_runs_its_step_and_sends_no_second_set_of_chains(host: Host) -> None:
    doc_id = host.queued(make_pdf(host.tmp / "five.pdf", 5))
    host.render(doc_id, redelivered=True)  # as after its worker died in the first delivery's step
    assert host.status(doc_id) == ("running", 2)
    assert host.steps_queued() == 1  # only the continuation of its own chain


@pytest.mark.parametrize(
    ("queues", "settings"),
    [(("render", "infer"), {"render_runs_first_step": False}), (("render",), {})],
    ids=["turned-off", "render-only-host"],
)
def test_otherwise_every_step_is_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, queues: tuple[str, ...], settings: dict[str, object]
) -> None:
    monkeypatch.setenv("DOCPARSE_BENCH_LATENCY_S", "0")
    for host in _host(tmp_path, queues, **settings):
        doc_id = host.queued(make_pdf(host.tmp / "one.pdf", 1))
        host.render(doc_id)
        assert host.status(doc_id) == ("running", 0)
        assert host.steps_queued() == 1


@pytest.fixture
def broken_server() -> Iterator[tuple[str, list[int]]]:
    """A loopback server that accepts connections and closes them unanswered: an engine server
    that is down. Yields its base URL and the list of connections it took (one item each)."""
    server = socket.create_server(("127.0.0.1", 0))
    taken: list[int] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = server.accept()
                taken.append(1)
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1", taken
    finally:
        server.close()


def test_a_fault_in_the_first_step_hands_it_over_to_a_queued_step(
    host: Host, broken_server: tuple[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # an openai document whose server does not answer: the engine is unavailable (transient)
    url, taken = broken_server
    monkeypatch.setenv("DOCPARSE_OPENAI_BASE_URL", url)
    monkeypatch.setenv("DOCPARSE_OPENAI_MAX_RETRIES", "0")
    doc_id = host.queued(make_pdf(host.tmp / "one.pdf", 1), engine="openai")
    host.render(doc_id)  # does not raise: the render step is never retried for a page's fault
    assert taken  # the step ran: its page went to the server
    assert host.status(doc_id) == ("running", 0)
    assert host.steps_queued() == 1  # the queued step retries with backoff, then fails the page
    with host.db.session() as session:  # the page was given back, its delivery taken back
        row = session.execute(text("SELECT lease_until, deliveries FROM pages WHERE document_id = :id"), {"id": doc_id})
        assert tuple(row.one()) == (None, 0)
