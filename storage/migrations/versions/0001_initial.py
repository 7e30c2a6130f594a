"""Initial schema: batches, documents, pages, attempts, blocks.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types (a migration never follows later model changes).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
BIGINT = sa.Integer().with_variant(postgresql.BIGINT(), "postgresql")
DOCUMENT_STATUS = "status IN ('queued', 'running', 'done', 'partial', 'failed', 'cancelled')"
PAGE_STATUS = "status IN ('pending', 'ok', 'partial', 'failed')"


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("label", sa.String(255), nullable=True),
        sa.Column("settings", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_batches"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("size_bytes", BIGINT, nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("settings_fingerprint", sa.String(128), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("blob_key", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_documents_batch_id_batches", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("sha256", "settings_fingerprint", name="uq_documents_sha256_settings_fingerprint"),
        sa.CheckConstraint(DOCUMENT_STATUS, name="ck_documents_status"),
    )
    op.create_index("ix_documents_status_created_at", "documents", ["status", "created_at"])
    op.create_index("ix_documents_owner_created_at", "documents", ["owner", "created_at"])
    op.create_index("ix_documents_batch_id", "documents", ["batch_id"])
    op.create_table(
        "pages",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.Column("geometry", JSON, nullable=True),
        sa.Column("engine", sa.String(255), nullable=True),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("issues", JSON, nullable=False),
        sa.Column("image_key", sa.String(64), nullable=True),
        sa.Column("attempt_base", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("document_id", "number", name="pk_pages"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_pages_document_id_documents", ondelete="CASCADE"
        ),
        sa.CheckConstraint(PAGE_STATUS, name="ck_pages_status"),
    )
    op.create_index("ix_pages_document_id_status", "pages", ["document_id", "status"])
    op.create_table(
        "attempts",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(255), nullable=False),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("model_revision", sa.String(255), nullable=True),
        sa.Column("spec", sa.String(255), nullable=True),
        sa.Column("prompt_version", sa.String(255), nullable=True),
        sa.Column("convention", sa.String(32), nullable=False),
        sa.Column("model_width", sa.Integer(), nullable=False),
        sa.Column("model_height", sa.Integer(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("stop_reason", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_s", sa.Float(), nullable=True),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("document_id", "page_number", "index", name="pk_attempts"),
        sa.ForeignKeyConstraint(
            ["document_id", "page_number"],
            ["pages.document_id", "pages.number"],
            name="fk_attempts_document_id_page_number_pages",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "blocks",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in ("x0", "y0", "x1", "y1", "nx0", "ny0", "nx1", "ny1")),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.PrimaryKeyConstraint("document_id", "page_number", "order", name="pk_blocks"),
        sa.ForeignKeyConstraint(
            ["document_id", "page_number"],
            ["pages.document_id", "pages.number"],
            name="fk_blocks_document_id_page_number_pages",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("blocks")
    op.drop_table("attempts")
    op.drop_index("ix_pages_document_id_status", table_name="pages")
    op.drop_table("pages")
    op.drop_index("ix_documents_batch_id", table_name="documents")
    op.drop_index("ix_documents_owner_created_at", table_name="documents")
    op.drop_index("ix_documents_status_created_at", table_name="documents")
    op.drop_table("documents")
    op.drop_table("batches")
