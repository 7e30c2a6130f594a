"""API fixtures: a real uvicorn server on loopback over real PostgreSQL, Redis and a worker.

Isolation: one throwaway PostgreSQL database ``docparse_api_<random>`` for the session (created
through ``DOCPARSE_TEST_POSTGRES_URL``, dropped at the end); Redis database 10 with queue names
unique to the session, whose keys are deleted afterwards (nothing is flushed); one
``celery -A workers.worker worker`` subprocess (engine ``pdf-text``) in its own process group,
killed at teardown. Documents are deduplicated by content and settings across the whole
database, so each test that needs a fresh document uploads with its own ``max_pixels``.
Waiting is polling with a bound, never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI

from docparse.api import ApiSettings, create_app
from docparse.services import Services
from storage import StorageSettings
from tests.paths import REPO_ROOT
from tests.postgres import session_database
from tests.waiting import poll
from workers.settings import WorkerSettings

REDIS_URL = os.environ.get("DOCPARSE_TEST_API_REDIS_URL", "redis://127.0.0.1:6379/10")
KEYS = {"alice": "alice-key-0123456789", "bob": "bob-key-0123456789"}
ADMIN_KEYS = {"ops": "ops-key-0123456789"}
T = TypeVar("T")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    yield from session_database("docparse_api")


@dataclass
class Deployment:
    """What the API and the worker share: database, data folder, broker queues."""

    db_url: str
    data_dir: Path
    queues: tuple[str, str]

    def services(self, broker_url: str | None = REDIS_URL) -> Services:
        return Services(
            storage=StorageSettings(data_dir=self.data_dir, database_url=self.db_url),
            workers=WorkerSettings(broker_url=broker_url, render_queue=self.queues[0], infer_queue=self.queues[1]),
        )


@pytest.fixture(scope="session")
def deployment(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis unreachable at {REDIS_URL}: {exc}", False)
    tag = uuid.uuid4().hex[:8]
    dep = Deployment(pg_url, tmp_path_factory.mktemp("api") / "data", (f"api-render-{tag}", f"api-infer-{tag}"))
    migrated = dep.services()
    migrated.db.upgrade()  # as `docparse db upgrade` does before a deployment starts
    migrated.db.dispose()
    try:
        yield dep
    finally:
        for queue in dep.queues:
            keys = list(client.scan_iter(f"*{queue}*"))
            if keys:
                client.delete(*keys)
        client.close()


@pytest.fixture(scope="session")
def worker(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    """One ``celery worker`` (pdf-text engine) on the session's queues."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    env.update(
        DOCPARSE_BROKER_URL=REDIS_URL,
        DOCPARSE_DATABASE_URL=deployment.db_url,
        DOCPARSE_DATA_DIR=str(deployment.data_dir),
        DOCPARSE_ENGINE="pdf-text",
        DOCPARSE_RENDER_QUEUE=deployment.queues[0],
        DOCPARSE_INFER_QUEUE=deployment.queues[1],
        OMP_NUM_THREADS="1",
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "workers.worker", "worker", "-Q", ",".join(deployment.queues)),
                *("-c", "1", "--pool", "prefork", "--without-mingle", "--without-gossip", "--without-heartbeat"),
                *("-l", "INFO", "-n", f"api-{uuid.uuid4().hex[:6]}@%h"),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class LiveServer:
    """A uvicorn server for ``app`` in a thread, on an ephemeral loopback port."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        poll(lambda: self.server.started, timeout_s=10, what="uvicorn to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        services = self.app.state.services
        if "db" in vars(services):  # built (cached_property): close its pool
            services.db.dispose()

    def client(self, key: str | None = KEYS["alice"], **kw: Any) -> httpx.Client:
        headers = {"X-API-Key": key} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kw)


def api_settings(**overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {"api_keys": KEYS, "api_admin_keys": ADMIN_KEYS, **overrides}
    return ApiSettings.model_validate(values)


@pytest.fixture(scope="session")
def live(deployment: Deployment, worker: subprocess.Popen[bytes]) -> Iterator[LiveServer]:
    """The API under test (default limits) with a worker behind it."""
    with LiveServer(create_app(deployment.services(), api_settings())) as server:
        yield server


@pytest.fixture(scope="session")
def strict_live(deployment: Deployment) -> Iterator[LiveServer]:
    """The same deployment with tiny limits: 1 page and 64 KiB per file."""
    app = create_app(deployment.services(), api_settings(max_pages=1, max_upload_bytes=64 * 1024))
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def alice(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client(KEYS["alice"]) as client:
        yield client


@pytest.fixture
def bob(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client(KEYS["bob"]) as client:
        yield client


@pytest.fixture
def ops(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client(ADMIN_KEYS["ops"]) as client:
        yield client


_pixels = iter(range(1_000_000, 2_000_000, 1_003))


def fresh_pixels() -> str:
    """A ``max_pixels`` value no other upload of the session used (a fresh fingerprint)."""
    return str(next(_pixels))


def upload(client: httpx.Client, *files: Path | tuple[str, bytes], **fields: str) -> httpx.Response:
    parts = [
        ("files", (f.name, f.read_bytes(), "application/octet-stream") if isinstance(f, Path) else (f[0], f[1]))
        for f in files
    ]
    return client.post("/v1/documents", files=parts, data=fields)


def wait_terminal(client: httpx.Client, document_id: str, timeout_s: float = 60) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"/v1/documents/{document_id}").json()
        return body if body["status"] in ("done", "partial", "failed", "cancelled") else None

    return poll(check, timeout_s=timeout_s, what=f"document {document_id} to finish")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body
