"""Review and correction: human attempts, page review state and version, flags, assignments.

Revision ID: 0005_review
Revises: 0004_document_pass
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_review"
down_revision: str | None = "0004_document_pass"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types (a migration never follows later model changes).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
ATTEMPT_KIND = "kind IN ('model', 'human')"


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), server_default="model", nullable=False))
        batch.add_column(sa.Column("reviewer", sa.String(255), nullable=True))
        batch.add_column(sa.Column("snapshot", JSON, nullable=True))
        batch.create_check_constraint("ck_attempts_kind", ATTEMPT_KIND)
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("reviewed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("reviewed_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("reviewed_at", TS, nullable=True))
        batch.add_column(sa.Column("flag", sa.Text(), nullable=True))
        batch.add_column(sa.Column("flagged_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("flagged_at", TS, nullable=True))
    op.create_table(
        "review_assignments",
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("assigned_by", sa.String(255), nullable=True),
        sa.Column("assigned_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("document_id", "reviewer", name="pk_review_assignments"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_review_assignments_document_id_documents", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_review_assignments_reviewer", "review_assignments", ["reviewer"])


def downgrade() -> None:
    op.drop_index("ix_review_assignments_reviewer", table_name="review_assignments")
    op.drop_table("review_assignments")
    with op.batch_alter_table("pages") as batch:
        for name in ("flagged_at", "flagged_by", "flag", "reviewed_at", "reviewed_by", "reviewed", "version"):
            batch.drop_column(name)
    with op.batch_alter_table("attempts") as batch:
        batch.drop_constraint("ck_attempts_kind", type_="check")
        for name in ("snapshot", "reviewer", "kind"):
            batch.drop_column(name)
