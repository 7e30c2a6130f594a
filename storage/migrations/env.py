"""Alembic environment for storage's migrations (no ``alembic.ini`` needed).

:meth:`storage.Database.upgrade` passes its connection in ``config.attributes["connection"]``
and owns the transaction. Run from the command line, the URL comes from the config's
``sqlalchemy.url`` or else from :class:`storage.StorageSettings` (``DOCPARSE_DATABASE_URL``).
Offline (SQL script) mode is not supported.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from storage.settings import StorageSettings, normalize_database_url
from storage.tables import metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    if context.is_offline_mode():
        raise RuntimeError("storage migrations run online only (Database.upgrade or `alembic upgrade`)")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or StorageSettings().database_url
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.begin() as own:
            _migrate(own)
    finally:
        engine.dispose()


_run()
