"""The document-level pass: stored results, the document's tables, and their cells for SQL.

Revision ID: 0004_document_pass
Revises: 0003_recovery
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_document_pass"
down_revision: str | None = "0003_recovery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types (a migration never follows later model changes).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_passes",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("pass_version", sa.String(32), nullable=False),
        sa.Column("schema_version", sa.String(16), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.Column("structure", JSON, nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="pk_document_passes"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_passes_document_id_documents", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "document_tables",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("table_index", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.String(255), nullable=False),
        sa.Column("logical_id", sa.String(255), nullable=True),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("last_page", sa.Integer(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_cols", sa.Integer(), nullable=False),
        sa.Column("header_rows", sa.Integer(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("document_id", "table_index", name="pk_document_tables"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_tables_document_id_documents", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "table_cells",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("table_index", sa.Integer(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("col_index", sa.Integer(), nullable=False),
        sa.Column("rowspan", sa.Integer(), nullable=False),
        sa.Column("colspan", sa.Integer(), nullable=False),
        sa.Column("header", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("number", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("document_id", "table_index", "row_index", "col_index", name="pk_table_cells"),
        sa.ForeignKeyConstraint(
            ["document_id", "table_index"],
            ["document_tables.document_id", "document_tables.table_index"],
            name="fk_table_cells_document_id_table_index_document_tables",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("table_cells")
    op.drop_table("document_tables")
    op.drop_table("document_passes")
