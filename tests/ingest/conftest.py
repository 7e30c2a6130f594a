"""Intake fixtures: a real SQLite database and blob store in a temp folder, and an embedded app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from storage import Database, LocalBlobStore
from workers.engines import clear_engines
from workers.settings import WorkerSettings
from workers.worker import create_app


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/data/docparse.db")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "data" / "blobs")


@pytest.fixture
def embedded(db: Database, blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Celery]:
    """An embedded app (no broker: tasks run in process) on this database, workers' engine pdf-text."""
    monkeypatch.setenv("DOCPARSE_ENGINE", "pdf-text")
    clear_engines()
    yield create_app(WorkerSettings.model_validate({"broker_url": None, "pages_per_task": 2}), db=db, blobs=blobs)
    clear_engines()
