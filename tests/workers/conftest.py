"""Worker fixtures: real PostgreSQL, real Redis, real ``celery worker`` subprocesses.

Isolation: one throwaway PostgreSQL database ``docparse_w_<random>`` for the session (created
through ``DOCPARSE_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``,
dropped at the end), a fresh schema per test; Redis database 9 (``DOCPARSE_TEST_REDIS_URL``)
or the shared RabbitMQ (``DOCPARSE_TEST_RABBITMQ_URL``) with queue names unique to each test,
whose keys or queues are deleted afterwards (nothing is flushed). Workers are started as a
user starts them: ``docparse worker`` (a supervisor and its worker processes).
Waiting is polling the database with a bound, never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from celery import Celery

import bench.sleep_engine
from storage import Database, LocalBlobStore
from storage.testing import temporary_schema
from tests.paths import REPO_ROOT
from tests.postgres import session_database
from workers.settings import WorkerSettings
from workers.worker import create_app

REDIS_URL = os.environ.get("DOCPARSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
RABBITMQ_URL = os.environ.get("DOCPARSE_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
T = TypeVar("T")


@pytest.fixture(scope="session")
def pg_session_db() -> Iterator[str]:
    yield from session_database("docparse_w")


@dataclass
class Stack:
    """One isolated deployment: database, blob store, broker queues, app and worker processes."""

    db_url: str
    data_dir: Path
    queues: tuple[str, str]
    tmp: Path
    broker_url: str = REDIS_URL
    settings: WorkerSettings = field(init=False)
    db: Database = field(init=False)
    blobs: LocalBlobStore = field(init=False)
    app: Celery = field(init=False)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def configure(self, **overrides: object) -> None:
        values: dict[str, object] = {
            "broker_url": self.broker_url,
            "render_queue": self.queues[0],
            "infer_queue": self.queues[1],
            **overrides,
        }
        self.settings = WorkerSettings.model_validate(values)
        self.db = Database(self.db_url)
        self.db.upgrade()
        self.blobs = LocalBlobStore(self.data_dir / "blobs")
        self.app = create_app(self.settings)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
        env.update(
            DOCPARSE_ENGINE_PLUGINS=bench.sleep_engine.PLUGIN,
            DOCPARSE_DATABASE_URL=self.db_url,
            DOCPARSE_DATA_DIR=str(self.data_dir),
            OMP_NUM_THREADS="1",
            PYTHONPATH=str(REPO_ROOT),  # the engine plugins (bench/, tests/) live in the checkout
            PYTHONUNBUFFERED="1",
        )
        for name, value in self.settings.model_dump().items():  # the workers get this stack's settings
            if value is not None:
                env[f"DOCPARSE_{name.upper()}"] = str(value)
        env.update(extra)
        return env

    def start_worker(
        self,
        engine: str,
        *,
        queues: tuple[str, ...] = (),
        processes: int = 1,
        in_flight: int = 2,
        pool: str = "threads",
        args: tuple[str, ...] = (),
        **extra_env: str,
    ) -> subprocess.Popen[bytes]:
        """``docparse worker`` (its supervisor and worker processes) on this stack's queues, or on
        ``queues`` among them (e.g. a render-only host), in its own process group; ``args``: more
        options."""
        n = len(self.workers)
        with (self.tmp / f"worker-{n}.log").open("wb") as log:
            proc = subprocess.Popen(
                [
                    *(str(Path(sys.executable).parent / "docparse"), "worker"),
                    *("--queues", ",".join(queues or self.queues), "--pool", pool),
                    *("--processes", str(processes), "--in-flight", str(in_flight)),
                    *args,
                ],
                cwd=REPO_ROOT,
                env=self.env(DOCPARSE_ENGINE=engine, **extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers.append(proc)
        return proc

    def submit_mixed(self, name: str, documents: int, pages: int, engine: str = "openai") -> list[str]:
        """Submit ``documents`` generated PDFs of ``pages`` mixed pages each (their text unique to
        this call, so none is a duplicate); their document ids."""
        from bench.inputs import make_mixed_pdf
        from docparse.intake import ProcessingRequest, submit

        tag = uuid.uuid4().hex[:6]
        pdfs = [
            make_mixed_pdf(self.tmp / f"{name}-{i}.pdf", pages, label=f"{name} {i} {tag}") for i in range(documents)
        ]
        request = ProcessingRequest(engine=engine)
        results = submit(pdfs, db=self.db, blobs=self.blobs, app=self.app, request=request)
        return [r.document_id for r in results if r.document_id]

    def tasks_held(self, processes: int = 1) -> int:
        """Tasks held now by this stack's worker processes (``processes`` of them: the answers
        waited for), by Celery's remote control: running (a page budget's line included) and
        prefetched."""
        inspect = self.app.control.inspect(timeout=5.0, limit=processes)
        active, reserved = inspect.active() or {}, inspect.reserved() or {}
        return sum(len(v) for v in active.values()) + sum(len(v) for v in reserved.values())

    def kill_worker(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Signal the worker's whole process group (main process and pool children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.tmp.glob("worker-*.log")))

    def close(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                self.kill_worker(proc, signal.SIGTERM)
        if self.broker_url.startswith("redis"):
            client = redis.Redis.from_url(self.broker_url)
            with contextlib.suppress(redis.ConnectionError):
                for queue in self.queues:
                    keys = list(client.scan_iter(f"*{queue}*"))
                    if keys:
                        client.delete(*keys)
            client.close()
        elif hasattr(self, "app"):
            with contextlib.suppress(Exception), self.app.connection_for_write() as connection:
                for queue in self.queues:
                    with contextlib.suppress(Exception):
                        connection.channel().queue_delete(queue)
        if hasattr(self, "db"):
            self.db.dispose()


@pytest.fixture
def stack(pg_session_db: str, tmp_path: Path) -> Iterator[Stack]:
    """An isolated stack (call ``configure(**settings)`` first); workers are stopped afterwards."""
    yield from _stack(pg_session_db, tmp_path)


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_stack(request: pytest.FixtureRequest, pg_session_db: str, tmp_path: Path) -> Iterator[Stack]:
    """Like ``stack``, once on the shared Redis and once on the shared RabbitMQ."""
    yield from _stack(pg_session_db, tmp_path, REDIS_URL if request.param == "redis" else RABBITMQ_URL)


def _check_broker(url: str) -> None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.fail(f"broker unreachable at {url}: {exc}", False)


def _stack(pg_session_db: str, tmp: Path, broker_url: str = REDIS_URL) -> Iterator[Stack]:
    _check_broker(broker_url)
    tag = uuid.uuid4().hex[:8]
    with temporary_schema(pg_session_db) as url:
        s = Stack(url, tmp / "data", (f"test-render-{tag}", f"test-infer-{tag}"), tmp, broker_url)
        try:
            yield s
        finally:
            s.close()


@pytest.fixture(scope="module")
def module_stack(pg_session_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Like ``stack``, shared by the tests of one module."""
    yield from _stack(pg_session_db, tmp_path_factory.mktemp("stack"))
