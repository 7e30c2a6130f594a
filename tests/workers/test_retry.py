"""Transient faults retry through the real Celery task (embedded, eager), then the pages fail
with the reason — a server that does not answer never silently fails or loses a page."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from docparse.intake import ProcessingRequest, submit
from storage import Database, LocalBlobStore
from tests.ingest.files import make_pdf
from workers.engines import clear_engines
from workers.settings import WorkerSettings
from workers.worker import create_app


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/docparse.db")
    database.upgrade()
    yield database
    database.dispose()


def test_an_unreachable_engine_server_is_retried_then_the_pages_fail_with_the_reason(
    db: Database, tmp_path: Path, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCPARSE_OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")
    monkeypatch.setenv("DOCPARSE_OPENAI_TIMEOUT_S", "5")
    monkeypatch.setenv("DOCPARSE_OPENAI_MAX_RETRIES", "1")  # the engine's own retries of a request
    monkeypatch.setenv("DOCPARSE_OPENAI_BACKOFF_MAX_S", "0.05")
    clear_engines()
    blobs = LocalBlobStore(tmp_path / "blobs")
    settings = WorkerSettings.model_validate({"broker_url": None, "max_retries": 2, "retry_backoff_s": 0.01})
    app = create_app(settings, db=db, blobs=blobs)
    try:
        (result,) = submit(
            [make_pdf(tmp_path / "two.pdf", 2)], db=db, blobs=blobs, app=app, request=ProcessingRequest(engine="openai")
        )
    finally:
        clear_engines()
    assert result.document_id is not None
    with db.unit_of_work() as uow:
        document = uow.documents.load(result.document_id)
    assert document is not None and document.status == "failed"
    for page in document.pages:
        assert page.status == "failed"
        (issue,) = page.issues
        assert issue.message.startswith("gave up after 2 retries: EngineUnavailable:"), issue.message
        assert f"127.0.0.1:{closed_port}" in issue.message
