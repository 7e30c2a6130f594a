"""The page repository: per-page results written idempotently, page states, resets and images.

Every method that changes pages takes the document row lock first (the same order everywhere,
so concurrent writers of one document queue up instead of deadlocking).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.orm import Session

from schemas import DocumentStatus, Page, PageStatus, derive_document_status
from storage import mapping
from storage.errors import DocumentNotFound
from storage.records import PageState
from storage.sql import bulk_insert, upsert
from storage.tables import ATTEMPTS, BLOCKS, DOCUMENTS, PAGES, AttemptRow, BlockRow, DocumentRow, PageRow, utcnow

_PAGE_KEY = ("document_id", "number")
_ATTEMPT_KEY = ("document_id", "page_number", "index")


class PageRepository:
    """Pages of one unit of work (see :class:`storage.UnitOfWork`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def states(self, id: str) -> list[PageState]:
        """Status, processed flag and number of stored attempts of each page, by number."""
        attempts = (
            select(AttemptRow.page_number, func.count().label("n"))
            .where(AttemptRow.document_id == id)
            .group_by(AttemptRow.page_number)
            .subquery()
        )
        stmt = (
            select(PageRow.number, PageRow.status, PageRow.processed, func.coalesce(attempts.c.n, 0))
            .outerjoin(attempts, attempts.c.page_number == PageRow.number)
            .where(PageRow.document_id == id)
            .order_by(PageRow.number)
        )
        return [
            PageState(number=n, status=cast(PageStatus, status), processed=bool(processed), attempts=int(count))
            for n, status, processed, count in self._session.execute(stmt)
        ]

    def save_result(self, id: str, page: Page) -> DocumentStatus | None:
        """Write one page's result, idempotently, in the caller's transaction (the caller commits).

        Locks the document row; upserts the page row (``processed``), upserts its attempts by
        (document, page, index) and replaces its blocks (one delete, one bulk insert), so a
        redelivered task writing the same page again duplicates nothing (blocks go in with one
        ``COPY`` on PostgreSQL, one executemany ``INSERT`` elsewhere). Then, when every page
        1..page_count is processed and the document is not ``cancelled``, derives the document
        status with :func:`schemas.derive_document_status` over all its pages, sets it and
        returns it; otherwise returns ``None``. Because every writer holds the document lock
        while it looks, exactly one of several concurrent writers sees the last page land.

        Attempt indices: after :meth:`reset` kept earlier attempts, a run whose attempts start at
        0 again is stored after them (at ``attempt_base + index``); indices already at or above
        the base are taken as given, so callers may number either way.
        """
        status, page_count = _lock(self._session, id)
        now = utcnow()
        base = upsert(self._session, PAGES, [mapping.page_values(id, page, now)], _PAGE_KEY, returning="attempt_base")
        shift = base if page.attempts and min(a.index for a in page.attempts) < base else 0
        attempts = [mapping.attempt_values(id, page.number, shift + a.index, a, now) for a in page.attempts]
        upsert(self._session, ATTEMPTS, attempts, _ATTEMPT_KEY)
        self._session.execute(delete(BLOCKS).where(BlockRow.document_id == id, BlockRow.page_number == page.number))
        bulk_insert(self._session, BLOCKS, [mapping.block_values(id, page.number, b) for b in page.blocks])
        if status == "cancelled" or page_count is None:
            return None
        return self._derive(id, page_count)

    def reset(self, id: str, numbers: list[int] | None = None) -> list[int]:
        """Prepare pages for reprocessing: those ``numbers`` (``None``: all) become ``pending``
        and unprocessed with no issues, engine or model, and lose their blocks; geometry and page
        image stay. Their attempts are kept as history (no longer ``chosen``) and the next run's
        attempts continue the numbering after them (see :meth:`save_result`). The document goes
        back to ``queued`` with its error cleared. Returns the page numbers reset, ascending."""
        _lock(self._session, id)
        query = select(PageRow.number).where(PageRow.document_id == id)
        if numbers is not None:
            query = query.where(PageRow.number.in_(numbers))
        reset = list(self._session.scalars(query.order_by(PageRow.number)))
        if reset:
            next_index = (
                select(func.coalesce(func.max(AttemptRow.index) + 1, 0))
                .where(AttemptRow.document_id == id, AttemptRow.page_number == PageRow.number)
                .scalar_subquery()
            )
            self._session.execute(
                update(PAGES)
                .where(PageRow.document_id == id, PageRow.number.in_(reset))
                .values(
                    status="pending",
                    processed=False,
                    issues=[],
                    engine=None,
                    model=None,
                    attempt_base=next_index,
                    updated_at=utcnow(),
                )
            )
            self._session.execute(
                update(ATTEMPTS)
                .where(AttemptRow.document_id == id, AttemptRow.page_number.in_(reset))
                .values(chosen=False)
            )
            self._session.execute(delete(BLOCKS).where(BlockRow.document_id == id, BlockRow.page_number.in_(reset)))
        self._session.execute(
            update(DOCUMENTS).where(DocumentRow.id == id).values(status="queued", error=None, updated_at=utcnow())
        )
        return reset

    def set_image(self, id: str, number: int, blob_key: str) -> None:
        """Record the blob key of a page's rendered image (creating a pending page row if needed)."""
        row: dict[str, Any] = {
            "document_id": id,
            "number": number,
            "status": "pending",
            "processed": False,
            "issues": [],
            "image_key": blob_key,
            "updated_at": utcnow(),
        }
        upsert(self._session, PAGES, [row], _PAGE_KEY, columns=("image_key", "updated_at"))

    def image_key(self, id: str, number: int) -> str | None:
        """The blob key of a page's image, if one was recorded."""
        return self._session.execute(
            select(PageRow.image_key).where(PageRow.document_id == id, PageRow.number == number)
        ).scalar_one_or_none()

    def _derive(self, id: str, page_count: int) -> DocumentStatus | None:
        """The derived status once pages 1..page_count are all processed (one grouped query)."""
        processed = and_(PageRow.processed.is_(True), PageRow.number.between(1, page_count))
        stmt = (
            select(PageRow.status, func.count(), func.sum(case((processed, 1), else_=0)))
            .where(PageRow.document_id == id)
            .group_by(PageRow.status)
        )
        rows = self._session.execute(stmt).all()
        if sum(int(done or 0) for _, _, done in rows) < page_count:
            return None
        derived = derive_document_status(cast(PageStatus, status) for status, n, _ in rows for _ in range(n))
        self._session.execute(update(DOCUMENTS).where(DocumentRow.id == id).values(status=derived, updated_at=utcnow()))
        return derived


def _lock(session: Session, id: str) -> tuple[str, int | None]:
    """Lock the document row (``FOR UPDATE``; ignored by SQLite, whose transactions are
    serialized) and return its status and page count."""
    stmt = select(DocumentRow.status, DocumentRow.page_count).where(DocumentRow.id == id).with_for_update()
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise DocumentNotFound(id)
    return row[0], row[1]
