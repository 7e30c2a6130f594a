"""Throwaway PostgreSQL databases and Redis keys for the bench (the approach of tests/workers/conftest.py).

Each run creates its own database ``docparse_bench_<random>`` through the admin URL
(``DOCPARSE_BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``) and drops
it afterwards; Redis work goes to database 11 (``DOCPARSE_BENCH_REDIS_URL``) on queue names unique
to the run, whose keys are deleted afterwards. Nothing is ever flushed.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Sequence

__all__ = [
    "ADMIN_URL",
    "REDIS_URL",
    "delete_redis_keys",
    "postgres_unreachable",
    "postgres_version",
    "redis_keys",
    "redis_unreachable",
    "temporary_database",
]

ADMIN_URL = os.environ.get("DOCPARSE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("DOCPARSE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def _conninfo(database: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(ADMIN_URL)
    parts: dict[str, object] = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "dbname": database or url.database or "postgres",
    }
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (``None`` when it can)."""
    try:
        import psycopg

        with psycopg.connect(_conninfo(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means: skip, with the reason
        return f"PostgreSQL unreachable at {ADMIN_URL}: {str(exc).strip().splitlines()[0] if str(exc) else exc!r}"
    return None


def redis_unreachable() -> str | None:
    """Why Redis cannot be used (``None`` when it can)."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"Redis unreachable at {REDIS_URL}: {exc}"
    return None


def postgres_version() -> str | None:
    """``SHOW server_version`` of the admin server, or ``None`` when unreachable."""
    try:
        import psycopg

        with psycopg.connect(_conninfo(), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except Exception:
        return None
    return str(row[0]) if row else None


@contextlib.contextmanager
def temporary_database(prefix: str = "docparse_bench") -> Iterator[str]:
    """A fresh PostgreSQL database (SQLAlchemy psycopg URL), dropped on exit."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_conninfo(), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    finally:
        with psycopg.connect(_conninfo(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def redis_keys() -> set[bytes]:
    """Every key name of :data:`REDIS_URL`'s database now (to tell the run's keys apart later)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return set(client.scan_iter("*"))
    finally:
        client.close()


def delete_redis_keys(fragments: Sequence[str], *, keep: set[bytes] | None = None) -> int:
    """Delete the run's keys of :data:`REDIS_URL`'s database: those whose names contain one of
    ``fragments``, and Kombu's own bookkeeping keys (``_kombu.*``, ``unacked*``) that were not in
    ``keep`` (the keys present before the run), so another user's keys are left alone."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deleted = 0
    try:
        doomed: set[bytes] = set()
        for fragment in fragments:
            doomed.update(client.scan_iter(f"*{fragment}*"))
        if keep is not None:
            for pattern in ("_kombu.*", "unacked*"):
                doomed.update(k for k in client.scan_iter(pattern) if k not in keep)
        if doomed:
            deleted = int(client.delete(*doomed))
    finally:
        client.close()
    return deleted
