"""Document identity is per owner: the id (sha256 + settings + owner) is the dedupe key.

The unique constraint on (sha256, settings_fingerprint) made a second owner's upload of the
same bytes collide with the first (a 409 that revealed the file existed). The primary key,
derived from the bytes, the settings fingerprint and the owner, is now the only uniqueness;
a plain index keeps look-ups by content fast.

Revision ID: 0002_identity
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_identity"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("uq_documents_sha256_settings_fingerprint", type_="unique")
        batch.create_index("ix_documents_sha256_settings_fingerprint", ["sha256", "settings_fingerprint"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_sha256_settings_fingerprint")
        batch.create_unique_constraint("uq_documents_sha256_settings_fingerprint", ["sha256", "settings_fingerprint"])
