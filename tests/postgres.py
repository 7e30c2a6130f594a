"""Throwaway PostgreSQL databases for test sessions (see :mod:`storage.testing`).

The admin URL is ``DOCPARSE_TEST_POSTGRES_URL`` (default: the local server's ``test``
database with trust auth). An unreachable server FAILS the tests that need it, unless
``DOCPARSE_SKIP_POSTGRES=1`` is set.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import psycopg
import pytest

from storage.testing import DEFAULT_ADMIN_URL, temporary_database

ADMIN_URL = os.environ.get("DOCPARSE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


def session_database(prefix: str) -> Iterator[str]:
    """For a session fixture: ``yield from session_database("docparse_x")`` yields the URL of a
    database created for the session and dropped after it."""
    if os.environ.get("DOCPARSE_SKIP_POSTGRES") == "1":
        pytest.skip("DOCPARSE_SKIP_POSTGRES=1")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(temporary_database(ADMIN_URL, prefix))
        except psycopg.OperationalError as exc:
            pytest.fail(f"PostgreSQL unreachable at {ADMIN_URL} ({exc}); set DOCPARSE_SKIP_POSTGRES=1 to skip", False)
        yield url
