"""Writing finished pages in bulk: the statements behind ``PageRepository.save_result(s)``.

However many pages (of however many documents) a call writes, it costs the same handful of
statements: one ``SELECT ... FOR UPDATE`` locking the documents in id order, one page upsert
(``RETURNING`` each page's ``attempt_base``; it also records the page image and drops the
page's lease), one attempt upsert, one block delete and one
block ``COPY`` (PostgreSQL; an executemany ``INSERT`` elsewhere). Everything that needs no lock
— mapping pages to rows, serializing blocks, writing large raw outputs to the blob store — is
done before the locks are taken, so documents stay locked only for the statements themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.orm import Session

from schemas import Block, Page
from storage import mapping
from storage.errors import DocumentNotFound
from storage.raw_outputs import RawOutputs
from storage.sql import bulk_insert, upsert_returning
from storage.tables import ATTEMPTS, BLOCKS, PAGES, BlockRow, DocumentRow, RawJson

PAGE_KEY = ("document_id", "number")
ATTEMPT_KEY = ("document_id", "page_number", "index")

# Built once: building a statement costs more CPU than sending it (SQLAlchemy caches the compiled
# form and the cache key on the statement object).
_LOCK = (
    select(DocumentRow.id, DocumentRow.status, DocumentRow.page_count)
    .where(DocumentRow.id.in_(bindparam("ids", expanding=True)))
    .order_by(DocumentRow.id)
    .with_for_update()
)
_DELETE_BLOCKS = delete(BLOCKS).where(
    tuple_(BlockRow.document_id, BlockRow.page_number).in_(bindparam("pages", expanding=True))
)


@dataclass
class PreparedPage:
    """One page's rows, ready to write (attempt indices not yet shifted by ``attempt_base``)."""

    document_id: str
    number: int
    page: dict[str, Any]
    attempts: list[dict[str, Any]]
    blocks: list[dict[str, Any]] = field(default_factory=list)
    exact_blocks: list[Block] | None = None
    """The page's blocks when their stored JSON is exactly their serialization (no NUL character
    replaced): what reading them back would give (see :mod:`storage.recent_blocks`)."""


def prepare(
    items: Iterable[tuple[str, Page]],
    outputs: RawOutputs | None,
    now: datetime,
    image_keys: Mapping[tuple[str, int], str] | None = None,
) -> list[PreparedPage]:
    """The rows of each (document id, page); a page given twice keeps its last result; a page
    named in ``image_keys`` records that image. Raw outputs over the threshold are written to
    the blob store here (before any lock)."""
    images = image_keys or {}
    latest: dict[tuple[str, int], Page] = {}
    for document_id, page in items:
        latest.pop((document_id, page.number), None)  # re-insert: the last one wins, in its place
        latest[(document_id, page.number)] = page
    prepared = []
    for (document_id, number), page in latest.items():
        attempts = [mapping.attempt_values(document_id, number, a.index, a, now) for a in page.attempts]
        for values in attempts:
            values["output"], values["output_key"] = (
                outputs.offload(values["output"]) if outputs is not None else (values["output"], None)
            )
        blocks = [mapping.block_values(document_id, number, b) for b in page.blocks]
        values = mapping.page_values(document_id, page, now, images.get((document_id, number)))
        exact = all(isinstance(row["attributes"], RawJson) for row in blocks)
        prepared.append(PreparedPage(document_id, number, values, attempts, blocks, page.blocks if exact else None))
    return prepared


def lock_documents(session: Session, ids: Iterable[str]) -> dict[str, tuple[str, int | None]]:
    """Lock the documents' rows in ascending id order (one ``SELECT ... ORDER BY id FOR UPDATE``:
    PostgreSQL locks rows in the order it returns them) and return each one's status and page
    count. :class:`DocumentNotFound` (naming every missing id) before anything is written.

    Every writer that holds several document locks takes them in this order, and every other
    writer holds one document lock at a time, so writers queue instead of deadlocking."""
    wanted = sorted(set(ids))
    found = {id: (status, page_count) for id, status, page_count in session.execute(_LOCK, {"ids": wanted})}
    missing = [id for id in wanted if id not in found]
    if missing:
        raise DocumentNotFound(", ".join(missing))
    return found


def write(session: Session, prepared: Sequence[PreparedPage]) -> None:
    """Write the pages (the caller holds their documents' locks): pages, attempts, blocks."""
    if not prepared:
        return
    bases = {
        (row.document_id, row.number): row.attempt_base
        for row in upsert_returning(
            session, PAGES, [p.page for p in prepared], PAGE_KEY, ("attempt_base",), coalesce=("image_key",)
        )
    }
    attempts: list[dict[str, Any]] = []
    for p in prepared:
        base = bases[(p.document_id, p.number)]
        # after a reset kept earlier attempts, a run numbered from 0 again goes after them
        if p.attempts and base and min(a["index"] for a in p.attempts) < base:
            for values in p.attempts:
                values["index"] += base
        attempts.extend(p.attempts)
    if attempts:
        upsert_returning(session, ATTEMPTS, attempts, ATTEMPT_KEY, (), keep=("created_at",))  # first stored
    session.execute(_DELETE_BLOCKS, {"pages": [(p.document_id, p.number) for p in prepared]})
    bulk_insert(session, BLOCKS, [row for p in prepared for row in p.blocks])
