"""Throwaway PostgreSQL databases and Redis keys for the bench (the approach of tests/workers/conftest.py).

Each run creates its own database ``docparse_bench_<random>`` through the admin URL
(``DOCPARSE_BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``) and drops
it afterwards; Redis work goes to database 11 (``DOCPARSE_BENCH_REDIS_URL``) on queue names unique
to the run, whose keys are deleted afterwards. Nothing is ever flushed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

from storage.testing import conninfo

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


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (``None`` when it can)."""
    try:
        import psycopg

        with psycopg.connect(conninfo(ADMIN_URL), connect_timeout=3) as conn:
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

        with psycopg.connect(conninfo(ADMIN_URL), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except Exception:
        return None
    return str(row[0]) if row else None


def temporary_database(prefix: str = "docparse_bench") -> contextlib.AbstractContextManager[str]:
    """A fresh PostgreSQL database (SQLAlchemy psycopg URL), dropped on exit."""
    from storage.testing import temporary_database as fresh

    return fresh(ADMIN_URL, prefix)


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
