"""Recovery: page claims (delivery counter, lease) and the time work was last dispatched.

``pages.deliveries`` counts the times a worker took a page and neither finished it nor gave
it back (so, for an unprocessed page, the times a worker died on it); ``pages.lease_until``
and ``pages.leased_by`` say which worker holds the page and until when (renewed by the
worker's heartbeat); ``documents.dispatched_at`` is when tasks were last sent for the
document. The reconciler reads them to re-enqueue work whose task was lost.

Revision ID: 0003_recovery
Revises: 0002_identity
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_recovery"
down_revision: str | None = "0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)  # a frozen copy of the column type


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("deliveries", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("lease_until", TS, nullable=True))
        batch.add_column(sa.Column("leased_by", sa.String(255), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("dispatched_at", TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("dispatched_at")
    with op.batch_alter_table("pages") as batch:
        for name in ("leased_by", "lease_until", "deliveries"):
            batch.drop_column(name)
