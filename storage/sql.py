"""Small dialect helpers shared by the repositories (PostgreSQL and SQLite only)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Insert, Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.tables import json_dumps


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    update: bool = True,
    columns: Sequence[str] | None = None,
    returning: str | None = None,
) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` (``columns``, default every non-key column of
    the rows) or ``DO NOTHING``, as one executemany. PostgreSQL and SQLite share the syntax.
    With ``returning`` (one row, ``DO UPDATE``): returns that column of the written row."""
    if not rows:
        return None
    if update:
        names = tuple(columns) if columns is not None else tuple(name for name in rows[0] if name not in keys)
    else:
        names = None
    stmt = _upsert_statement(dialect_name(session), table, tuple(keys), names, returning)
    if returning is not None:
        return session.execute(stmt, dict(rows[0])).scalar_one()
    session.execute(stmt, list(rows))
    return None


def upsert_returning(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    returning: Sequence[str],
    *,
    keep: Sequence[str] = (),
    coalesce: Sequence[str] = (),
) -> list[Any]:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of every non-key column of ``rows``, as ONE
    statement whatever the number of rows (SQLAlchemy's "insertmanyvalues": a multi-row
    ``VALUES``), returning the keys and ``returning`` columns of every written row (any order).
    With ``returning`` empty nothing is returned. Columns in ``keep`` are written by the insert
    but left as they are by the update; columns in ``coalesce`` are updated only where the new
    value is not NULL. Rows must not repeat a key (a statement cannot update one row twice)."""
    if not rows:
        return []
    names = tuple(name for name in rows[0] if name not in keys and name not in keep)
    stmt = _upsert_statement(dialect_name(session), table, tuple(keys), names, None, tuple(coalesce))
    if not returning:
        session.execute(stmt, list(rows))
        return []
    stmt = _returning(stmt, tuple(keys) + tuple(returning))
    return list(session.execute(stmt, list(rows)))


@functools.cache
def _returning(stmt: Insert, columns: tuple[str, ...]) -> Insert:
    return stmt.returning(*(stmt.table.c[name] for name in columns))


@functools.cache
def _upsert_statement(
    dialect: str,
    table: Table,
    keys: tuple[str, ...],
    update: tuple[str, ...] | None,
    returning: str | None,
    coalesce: tuple[str, ...] = (),
) -> Insert:
    """Built once per shape (building ``excluded`` is costly, and this runs for every page)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    if update is None:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    values = {c: func.coalesce(stmt.excluded[c], table.c[c]) if c in coalesce else stmt.excluded[c] for c in update}
    final = stmt.on_conflict_do_update(index_elements=list(keys), set_=values)
    return final.returning(table.c[returning]) if returning is not None else final


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows (all with the same keys) in the session's transaction, fast.

    PostgreSQL: one ``COPY ... FROM STDIN`` on the session's psycopg connection, about twice
    as fast as psycopg's pipelined executemany for page-sized batches (JSON columns are
    written as JSON text: :class:`~storage.tables.RawJson` as is, anything else dumped).
    Other databases: one executemany ``INSERT``.
    """
    if not rows:
        return
    if dialect_name(session) != "postgresql":
        session.execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    with _copy(session, table, columns) as copy:
        for row in rows:
            copy.write_row(
                [json_dumps(row[c]) if c in json_columns and row[c] is not None else row[c] for c in columns]
            )


def bulk_insert_values(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """:func:`bulk_insert` of rows given as values in ``columns`` order: no mapping is built per
    row on PostgreSQL (the ``COPY`` takes the tuples as they are), which matters for thousands of
    small rows (a document's table cells). Not for JSON columns (``ValueError``)."""
    if any(isinstance(table.c[name].type, JSON) for name in columns):
        raise ValueError(f"bulk_insert_values takes no JSON columns ({table.name}): use bulk_insert")
    if not rows:
        return
    if dialect_name(session) != "postgresql":
        session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    with _copy(session, table, columns) as copy:
        for row in rows:
            copy.write_row(row)


@contextlib.contextmanager
def _copy(session: Session, table: Table, columns: Sequence[str]) -> Iterator[Any]:
    """A psycopg ``COPY table (columns) FROM STDIN`` on the session's connection."""
    from psycopg import sql as pgsql  # only PostgreSQL sessions get here

    query = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table.name), pgsql.SQL(", ").join(pgsql.Identifier(name) for name in columns)
    )
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor() as cursor, cursor.copy(query) as copy:
        yield copy
