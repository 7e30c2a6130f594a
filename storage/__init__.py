"""Persistence: SQLAlchemy tables, the one ORM <-> schema mapping, a repository with a unit of
work, the blob store and Alembic migrations.

Not built yet: it arrives with the pipeline issue (storage + workers + ingestion). This
package may import only :mod:`schemas` (an import-linter contract enforces it).
"""
