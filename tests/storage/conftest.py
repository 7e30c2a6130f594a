"""Storage fixtures: every test runs on SQLite (a temp file) and on real PostgreSQL.

PostgreSQL isolation: one throwaway database ``docparse_test_<random>`` is created for the
test session through the admin URL (``DOCPARSE_TEST_POSTGRES_URL``, default
``postgresql://postgres@127.0.0.1:5432/test``) and dropped at the end; inside it every test
gets its own fresh schema (``search_path``), dropped after the test. Nothing else on the
server is touched. An unreachable server FAILS the PostgreSQL parameters, unless
``DOCPARSE_SKIP_POSTGRES=1``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from storage import Database
from tests.storage.factories import make_new_document

ADMIN_URL = os.environ.get("DOCPARSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _admin_conninfo(database: str | None = None) -> str:
    url = make_url(ADMIN_URL)
    parts = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "dbname": database or url.database or "postgres",
    }
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session; yields its SQLAlchemy URL (no schema)."""
    if os.environ.get("DOCPARSE_SKIP_POSTGRES") == "1":
        pytest.skip("DOCPARSE_SKIP_POSTGRES=1")
    name = f"docparse_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL unreachable at {ADMIN_URL} ({exc}); set DOCPARSE_SKIP_POSTGRES=1 to skip", False)
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database (no tables) for one test, on ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/db/docparse.db"
        return
    base: str = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = _admin_conninfo(make_url(base).database)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


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
