"""The engine and session factory for one database URL, and programmatic Alembic upgrades.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a 30 s busy
timeout; every transaction starts with ``BEGIN IMMEDIATE``, so writers are serialized at
the start of a unit of work instead of failing half-way with "database is locked" when two
processes upgrade a read lock to a write lock. PostgreSQL runs on psycopg 3 with
``pool_pre_ping``; its units of work run at READ COMMITTED and serialize on the document
row where it matters (:meth:`storage.documents.DocumentRepository.lock`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.blobs.base import BlobStore
from storage.errors import StorageError
from storage.raw_outputs import DEFAULT_INLINE_MAX_BYTES, RawOutputs
from storage.settings import normalize_database_url
from storage.tables import json_dumps
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# any constant: serializes concurrent upgrades of one PostgreSQL database
_PG_MIGRATION_LOCK = 0x646F6370_61727365 & 0x7FFFFFFFFFFFFFFF


class Database:
    """One database: ``Database(url)`` builds the engine and session factory (no connection is
    opened until first use). Call :meth:`upgrade` at process start, :meth:`dispose` at exit.

    With ``blobs`` (the application's blob store), raw model outputs longer than
    ``inline_output_bytes`` (UTF-8; ``DOCPARSE_RAW_OUTPUT_INLINE_BYTES``) are written there and
    read back transparently (:mod:`storage.raw_outputs`); without one every output stays inline
    and a document holding blob-stored outputs cannot be loaded with them."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        blobs: BlobStore | None = None,
        inline_output_bytes: int = DEFAULT_INLINE_MAX_BYTES,
    ) -> None:
        self.url = make_url(normalize_database_url(url))
        self.outputs = RawOutputs(blobs, inline_output_bytes) if blobs is not None else None
        self.dialect = self.url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": json_dumps}
        if self.dialect == "sqlite":
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._peeking = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT") if self.dialect == "postgresql" else self.engine
        )

    def unit_of_work(self) -> UnitOfWork:
        """A new :class:`UnitOfWork`; use it as a context manager, call ``commit()`` to keep its writes."""
        return UnitOfWork(self._sessions, self.outputs)

    @contextmanager
    def peek(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction of their own (a status, whether work
        is left): on PostgreSQL in autocommit, so a read costs one round trip instead of a
        ``BEGIN``, the read and a ``ROLLBACK``; elsewhere in a transaction rolled back at the end."""
        with self._peeking.connect() as connection:
            yield connection

    def session(self) -> Session:
        """A raw session (for tests and maintenance scripts; application code uses :meth:`unit_of_work`)."""
        return self._sessions()

    def upgrade(self, revision: str = "heads") -> None:
        """Upgrade the schema to ``revision`` (default: the latest) with the migrations shipped in
        ``storage/migrations``. Idempotent, and safe to call from many processes at once
        (PostgreSQL: a transaction-scoped advisory lock; SQLite: ``BEGIN IMMEDIATE``)."""
        from alembic import command  # lazily: processes that never migrate never load alembic

        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), revision)

    def current_revision(self) -> str | None:
        """The revision the database is at (``None`` before the first upgrade; with several
        heads applied, the highest)."""
        heads = self.current_heads()
        return max(heads) if heads else None

    def current_heads(self) -> set[str]:
        """The revisions the database is at (empty before the first upgrade)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def require_current(self) -> None:
        """Raise :class:`SchemaOutdated` unless every shipped migration has been applied."""
        from alembic.script import ScriptDirectory

        wanted = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        if self.current_heads() != wanted:
            raise SchemaOutdated(
                "the database schema is not up to date with this version of docparse: run `docparse db upgrade`"
            )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class SchemaOutdated(StorageError):
    """The database has not been migrated to this version's schema (``docparse db upgrade``)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the shipped migrations, with no ``alembic.ini`` on disk.
    ``connection``, when given, is the one ``env.py`` migrates (inside its transaction)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control away from the sqlite3 module: SQLAlchemy's "begin" below emits it
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
