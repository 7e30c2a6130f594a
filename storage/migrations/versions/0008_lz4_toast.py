"""Large text and JSON columns compressed with LZ4 on PostgreSQL (where the server has it).

A page's raw output (several KB of HTML) and a large table's block JSON are stored out of line
(TOAST), compressed with ``pglz`` by default: in ``make bench``'s persistence figure that
compression was a fifth of the time PostgreSQL spent writing a group of pages. LZ4 compresses
several times faster for a similar ratio. The setting applies to values written from now on;
values already stored stay as they are and read back the same. A server built without LZ4
(or older than PostgreSQL 14) keeps ``pglz``; SQLite has no such setting.

Revision ID: 0008_lz4_toast
Revises: 0007_blocks_bulk
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_lz4_toast"
down_revision: str | None = "0007_blocks_bulk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("attempts", "output"),
    ("blocks", "text"),
    ("blocks", "attributes"),
    ("document_passes", "structure"),
)
"""The columns whose values are often large enough to be compressed."""


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        sa.text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar_one_or_none()
    return bool(found)


def _set(method: str) -> None:
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET COMPRESSION {method}')


def upgrade() -> None:
    if _lz4_available():
        _set("lz4")


def downgrade() -> None:
    if _lz4_available():
        _set("default")
