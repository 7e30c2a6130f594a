"""Alembic: upgrade from empty, idempotent upgrades, and models == migrations."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage import Database
from storage.database import alembic_config
from storage.tables import metadata

TABLES = {"batches", "documents", "pages", "attempts", "blocks"}


def _diff(db: Database, target: sa.MetaData) -> list[Any]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, target))


def test_upgrade_from_empty_creates_every_table_at_head(empty_db: Database) -> None:
    assert empty_db.current_revision() is None
    assert not TABLES & set(sa.inspect(empty_db.engine).get_table_names())

    empty_db.upgrade()

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    assert empty_db.current_revision() == head
    assert set(sa.inspect(empty_db.engine).get_table_names()) >= TABLES


def test_second_upgrade_is_a_no_op(db: Database, queued: Any) -> None:
    document_id = queued()
    db.upgrade()
    db.upgrade()
    with db.unit_of_work() as uow:
        assert uow.documents.get(document_id) is not None


def test_models_match_migrations(db: Database) -> None:
    """Fails when a model changes without a migration (autogenerate would write one)."""
    assert _diff(db, metadata) == []


def test_the_model_check_notices_a_model_change(db: Database) -> None:
    """Guard for the test above: an extra column, index or table in the models is reported."""
    changed = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["documents"].append_column(sa.Column("extra", sa.Integer(), nullable=True))
    sa.Index("ix_pages_engine", changed.tables["pages"].c.engine)
    sa.Table("newtable", changed, sa.Column("id", sa.Integer(), primary_key=True))

    kinds = {entry[0] if isinstance(entry, tuple) else entry[0][0] for entry in _diff(db, changed)}

    assert {"add_column", "add_index", "add_table"} <= kinds


def test_0007_round_trips_with_every_block_kept(db: Database, queued: Any) -> None:
    """Dropping the blocks' foreign key and JSONB (0007) and restoring them keeps every block."""
    from alembic import command

    from tests.storage.factories import make_page

    document_id = queued()
    page = make_page(document_id, 1)
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, 1)
        uow.pages.save_results([(document_id, page)])
        uow.commit()
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006_raw_output_key")
    assert db.current_revision() == "0006_raw_output_key"
    foreign = sa.inspect(db.engine).get_foreign_keys("blocks")
    assert [fk["referred_table"] for fk in foreign] == ["pages"]
    db.upgrade()
    assert sa.inspect(db.engine).get_foreign_keys("blocks") == []
    assert _diff(db, metadata) == []
    with db.unit_of_work() as uow:
        stored = uow.documents.load(document_id)
    assert stored is not None
    assert [b.model_dump() for b in stored.pages[0].blocks] == [b.model_dump() for b in page.blocks]


def test_0008_compresses_large_values_with_lz4_on_postgresql(db: Database, queued: Any) -> None:
    """After 0008 a large raw output is stored LZ4-compressed on PostgreSQL (pglz before), and
    reads back the same either way."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("column compression is a PostgreSQL setting")
    from alembic import command

    from tests.storage.factories import make_page

    def stored(output: str) -> tuple[str, str | None]:
        document_id = queued()
        page = make_page(document_id, 1)
        page = page.model_copy(update={"attempts": [page.attempts[0].model_copy(update={"output": output})]})
        with db.unit_of_work() as uow:
            uow.documents.start(document_id, 1)
            uow.pages.save_results([(document_id, page)])
            uow.commit()
        with db.engine.connect() as connection:
            text, method = connection.execute(
                sa.text("SELECT output, pg_column_compression(output) FROM attempts WHERE document_id = :id"),
                {"id": document_id},
            ).one()
        return text, method

    output = "<p data-bbox='1 2 3 4'>" + "a compressible paragraph " * 400 + "</p>"
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_blocks_bulk")
    assert stored(output) == (output, "pglz")
    db.upgrade()
    assert db.current_revision() == "0008_lz4_toast"
    assert stored(output) == (output, "lz4")
