"""Storage fixtures: every test runs on SQLite (a temp file) and on real PostgreSQL.

PostgreSQL isolation: one throwaway database ``docparse_test_<random>`` is created for the
test session through the admin URL (``DOCPARSE_TEST_POSTGRES_URL``, default
``postgresql://postgres@127.0.0.1:5432/test``) and dropped at the end; inside it every test
gets its own fresh schema (``search_path``), dropped after the test. Nothing else on the
server is touched. An unreachable server FAILS the PostgreSQL parameters, unless
``DOCPARSE_SKIP_POSTGRES=1``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage import Database
from storage.testing import temporary_schema
from tests.postgres import session_database
from tests.s3 import S3Server, session_s3_server
from tests.storage.factories import make_new_document

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session; yields its SQLAlchemy URL (no schema)."""
    yield from session_database("docparse_test")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server on loopback for this test session (see :mod:`tests.s3`)."""
    yield from session_s3_server(tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database (no tables) for one test, on ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/db/docparse.db"
        return
    with temporary_schema(request.getfixturevalue("pg_database")) as url:
        yield url


@pytest.fixture
def empty_db(database_url: str) -> Iterator[Database]:
    """A :class:`Database` on an empty database (not migrated)."""
    db = Database(database_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def db(empty_db: Database) -> Database:
    """A migrated, empty :class:`Database`."""
    empty_db.upgrade()
    return empty_db


@pytest.fixture
def queued(db: Database) -> Callable[..., str]:
    """Adds and commits a queued document; returns its id."""

    def add(**overrides: object) -> str:
        new = make_new_document(**overrides)
        with db.unit_of_work() as uow:
            uow.documents.add(new)
            uow.commit()
        return new.id

    return add
