"""Throwaway PostgreSQL databases for tests and benchmarks.

``temporary_database(admin_url)`` creates a uniquely named database through an admin
connection (autocommit), yields its SQLAlchemy URL (psycopg 3 driver) and drops it on exit
(``WITH (FORCE)``), so test sessions and benchmark runs never touch other data.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def conninfo(admin_url: str, database: str | None = None) -> str:
    """A libpq connection string for ``admin_url``, optionally on another ``database``."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    parts: dict[str, object] = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "dbname": database or url.database or "postgres",
    }
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


@contextlib.contextmanager
def temporary_database(admin_url: str = DEFAULT_ADMIN_URL, prefix: str = "docparse_tmp") -> Iterator[str]:
    """A fresh database named ``{prefix}_<random>``; yields its ``postgresql+psycopg://`` URL.

    Raises ``psycopg.OperationalError`` when PostgreSQL cannot be reached (callers decide
    whether that fails or skips).
    """
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo(admin_url), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    finally:
        with psycopg.connect(conninfo(admin_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def temporary_schema(database_url: str) -> Iterator[str]:
    """A fresh schema in the database of ``database_url``; yields a URL whose connections use
    it (``search_path``) and drops it, with everything in it, on exit."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = make_url(database_url)
    info = conninfo(database_url, url.database)
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with psycopg.connect(info, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
