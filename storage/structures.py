"""The document pass's stored results: the structure JSON, the document's tables and their cells.

:meth:`StructureRepository.save` replaces a document's result as a whole (the pass row
deleted and written again; the earlier tables and cells deleted when there was one — they are
only ever written beside it, in its transaction; three bulk inserts), so re-running the pass is
idempotent; the tables cascade with their document. ``table_cells`` makes table contents
queryable in SQL on PostgreSQL and SQLite alike (see the README's example).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from schemas import SCHEMA_VERSION, DocumentStructure
from storage.cell_numbers import cell_number
from storage.mapping import model_json, scrub
from storage.sql import bulk_insert, bulk_insert_values
from storage.tables import (
    DOCUMENT_PASSES,
    DOCUMENT_TABLES,
    TABLE_CELLS,
    DocumentPassRow,
    DocumentTableRow,
    PageRow,
    TableCellRow,
    utcnow,
)

_DELETE_PASS = delete(DOCUMENT_PASSES).where(DocumentPassRow.document_id == bindparam("id"))
_DELETE_CELLS = delete(TABLE_CELLS).where(TableCellRow.document_id == bindparam("id"))
_DELETE_TABLES = delete(DOCUMENT_TABLES).where(DocumentTableRow.document_id == bindparam("id"))

CELL_COLUMNS = tuple(column.name for column in TABLE_CELLS.columns)
"""The ``table_cells`` columns, in the order of the value tuples :meth:`StructureRepository.save`
writes (a column added to the table and not to the tuples fails the insert)."""


def stored_structure(session: Session, document_id: str) -> DocumentStructure | None:
    """The stored pass result of a document while it is current: ``None`` when the pass has not
    run, or when a page changed after it ran (a correction, a reset) — readers then run the pass
    themselves until it runs again."""
    row = session.execute(
        select(DocumentPassRow.structure, DocumentPassRow.computed_at).where(DocumentPassRow.document_id == document_id)
    ).one_or_none()
    if row is None:
        return None
    changed = session.execute(
        select(func.max(PageRow.updated_at)).where(PageRow.document_id == document_id)
    ).scalar_one_or_none()
    if changed is not None and changed > row.computed_at:
        return None
    return DocumentStructure.model_validate(row.structure)


class StructureRepository:
    """Document pass results of one unit of work (see :class:`storage.UnitOfWork`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, document_id: str, structure: DocumentStructure, *, locked: bool = False) -> None:
        """Store ``structure`` as the document's pass result, replacing any earlier one (in the
        caller's transaction; the caller commits). Locks the document row first, unless the
        caller says it holds the lock (``locked``)."""
        from storage.documents import lock  # (storage.documents reads results through this module)

        if not locked:
            lock(self._session, document_id)
        row = {
            "document_id": document_id,
            "pass_version": structure.pass_version,
            "schema_version": SCHEMA_VERSION,
            "computed_at": utcnow(),
            "structure": model_json(structure),
        }
        earlier = self._session.execute(_DELETE_PASS, {"id": document_id})
        if getattr(earlier, "rowcount", 0):  # tables and cells exist only beside a pass row (its transaction)
            self._session.execute(_DELETE_CELLS, {"id": document_id})
            self._session.execute(_DELETE_TABLES, {"id": document_id})
        bulk_insert(self._session, DOCUMENT_PASSES, [row])
        tables: list[dict[str, Any]] = []
        cells: list[tuple[Any, ...]] = []
        for table in structure.tables:
            tables.append(
                {
                    "document_id": document_id,
                    "table_index": table.index,
                    "block_id": table.block_id,
                    "logical_id": table.logical_id,
                    "page": table.page,
                    "last_page": table.parts[-1].page,
                    "n_rows": table.data.n_rows,
                    "n_cols": table.data.n_cols,
                    "header_rows": table.header_rows,
                    "caption": scrub(table.caption),
                }
            )
            index = table.index
            for cell in table.data.cells:
                text = scrub(cell.text)
                cells.append(
                    (
                        document_id,
                        index,
                        cell.row,
                        cell.col,
                        cell.rowspan,
                        cell.colspan,
                        cell.header,
                        text,
                        cell_number(text),
                    )
                )
        bulk_insert(self._session, DOCUMENT_TABLES, tables)
        bulk_insert_values(self._session, TABLE_CELLS, CELL_COLUMNS, cells)

    def get(self, document_id: str) -> DocumentStructure | None:
        """The stored pass result of a document, if the pass has run and no page changed since
        (see :func:`stored_structure`)."""
        return stored_structure(self._session, document_id)

    def version(self, document_id: str) -> str | None:
        """The pass version of the stored result, if any."""
        return self._session.execute(
            select(DocumentPassRow.pass_version).where(DocumentPassRow.document_id == document_id)
        ).scalar_one_or_none()
