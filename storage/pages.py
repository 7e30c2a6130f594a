"""The page repository: per-page results written idempotently, page states, resets and images.

Every method that changes pages takes the document row lock first (the same order everywhere,
so concurrent writers of one document queue up instead of deadlocking).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import and_, bindparam, case, delete, func, select, update
from sqlalchemy.orm import Session

from schemas import DocumentStatus, Page, PageStatus, derive_document_status
from storage import page_results
from storage.documents import transition
from storage.errors import DocumentNotFound
from storage.raw_outputs import RawOutputs
from storage.recent_blocks import RecentBlocks
from storage.records import PageState
from storage.sql import upsert
from storage.tables import ATTEMPTS, BLOCKS, PAGES, AttemptRow, BlockRow, DocumentRow, PageRow, utcnow

_PAGE_KEY = ("document_id", "number")


class PageRepository:
    """Pages of one unit of work (see :class:`storage.UnitOfWork`)."""

    def __init__(self, session: Session, outputs: RawOutputs | None = None) -> None:
        self._session = session
        self._outputs = outputs

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
        """Write one page's result, idempotently, in the caller's transaction (the caller commits):
        :meth:`save_results` with one page. Returns the document's derived status when this page
        completed it, else ``None``; :class:`DocumentNotFound` for an unknown document."""
        return self.save_results([(id, page)])[id]

    def save_results(
        self,
        items: Sequence[tuple[str, Page]],
        image_keys: Mapping[tuple[str, int], str] | None = None,
        *,
        recent: RecentBlocks | None = None,
    ) -> dict[str, DocumentStatus | None]:
        """Write several finished pages — of one or several documents — in the caller's
        transaction (the caller commits once for all of them: group commit). Returns, for each
        document named, its derived status when these pages completed it, else ``None``.
        ``image_keys`` maps (document id, page number) to the blob key of a page image already
        stored (the other pages keep theirs). A processed page is held by nobody: its lease
        (whoever took it) is dropped in the same statement.

        Idempotent: each page row is upserted (``processed``), its attempts are upserted by
        (document, page, index) and its blocks replaced, so a redelivered page writes the same
        rows again and duplicates nothing; a page given twice in ``items`` keeps its last result.
        The statements are the same few whatever the number of pages (see
        :mod:`storage.page_results`); raw outputs over the threshold go to the blob store first
        (:mod:`storage.raw_outputs`).

        Locks: the documents' rows are locked in ascending id order, all before the first write
        (:class:`DocumentNotFound`, naming every missing id, is raised before anything is
        written, so the caller can drop those pages and retry the rest). Writers holding one
        document lock and group writers taking theirs in the same order cannot deadlock. Page
        images go in ``image_keys`` (the page upsert records them), so the page rows are touched
        only under their document's lock.

        Status: for each document not ``cancelled`` whose pages 1..page_count are now all
        processed, the status derived from all its pages is set and returned; since every writer
        holds the document lock while it looks, exactly one writer sees the last page land.

        Crash safety is that of one page per transaction: the transaction commits all of the
        pages or none, so a crash before the commit loses only pages whose tasks were not
        acknowledged yet (the caller acknowledges a page — and reports it done — only after the
        commit), and those are redelivered and written again idempotently. Grouping delays when
        a finished page becomes durable; it never makes a page half-written or written twice.

        Attempt indices: after :meth:`reset` kept earlier attempts, a run whose attempts start at
        0 again is stored after them (at ``attempt_base + index``); indices already at or above
        the base are taken as given, so callers may number either way.

        ``recent``: remember the blocks written, with the pages' new ``updated_at``, for the
        document pass of this process (:mod:`storage.recent_blocks`; a page of a transaction that
        rolls back is never read from there, its row keeping its earlier ``updated_at``).
        """
        if not items:
            return {}
        now = utcnow()
        prepared = page_results.prepare(items, self._outputs, now, image_keys)
        documents = page_results.lock_documents(self._session, (id for id, _ in items))
        page_results.write(self._session, prepared)
        if recent is not None:
            for p in prepared:
                if p.exact_blocks is not None:
                    recent.remember(p.document_id, p.number, now, p.exact_blocks)
        derived: dict[str, DocumentStatus | None] = {}
        for id, (status, page_count) in documents.items():
            complete = status != "cancelled" and page_count is not None
            derived[id] = self._derive(id, page_count, status) if complete and page_count is not None else None
        return derived

    def reset(self, id: str, numbers: list[int] | None = None) -> list[int]:
        """Prepare pages for reprocessing: those ``numbers`` (``None``: all) become ``pending``
        and unprocessed with no issues, engine or model, and lose their blocks; geometry and page
        image stay. Their attempts are kept as history (no longer ``chosen``) and the next run's
        attempts continue the numbering after them (see :meth:`save_result`), human corrections
        included; the pages are no longer reviewed and their concurrency version moves on. The
        document goes back to ``queued`` with its error cleared. Returns the page numbers reset,
        ascending."""
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
                    deliveries=0,  # a fresh start: earlier worker deaths no longer count
                    lease_until=None,
                    leased_by=None,
                    updated_at=utcnow(),
                    version=PageRow.version + 1,  # a reviewer's open edit of the old result conflicts
                    reviewed=False,
                    reviewed_by=None,
                    reviewed_at=None,
                )
            )
            self._session.execute(
                update(ATTEMPTS)
                .where(AttemptRow.document_id == id, AttemptRow.page_number.in_(reset))
                .values(chosen=False)
            )
            self._session.execute(delete(BLOCKS).where(BlockRow.document_id == id, BlockRow.page_number.in_(reset)))
        transition(self._session, id, "queued", None)
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

    def unprocessed(self, id: str, among: Iterable[int] | None = None) -> list[int]:
        """The numbers of the document's pages not processed yet (among ``among`` when given), ascending."""
        if among is None:
            return list(self._session.scalars(_UNPROCESSED, {"id": id}))
        return list(self._session.scalars(_UNPROCESSED_AMONG, {"id": id, "among": list(among)}))

    def derive(self, id: str) -> DocumentStatus | None:
        """Once every page 1..page_count is processed, set the document status derived from its
        pages (:func:`schemas.derive_document_status`) through the guarded transition and return
        it; ``None`` while pages remain, for a cancelled document, or one never rendered.
        Locks the document row first."""
        status, page_count = _lock(self._session, id)
        if status == "cancelled" or page_count is None:
            return None
        return self._derive(id, page_count, status)

    def _derive(self, id: str, page_count: int, status: str) -> DocumentStatus | None:
        """The derived status once pages 1..page_count are all processed (one grouped query);
        the caller holds the document lock and read ``status`` under it."""
        rows = self._session.execute(_DERIVE, {"id": id, "page_count": page_count}).all()
        if sum(int(done or 0) for _, _, done in rows) < page_count:
            return None
        derived = derive_document_status(cast(PageStatus, status) for status, n, _ in rows for _ in range(n))
        return transition(self._session, id, derived, None, current=status)


_PROCESSED = and_(PageRow.processed.is_(True), PageRow.number.between(1, bindparam("page_count")))
_DERIVE = (
    select(PageRow.status, func.count(), func.sum(case((_PROCESSED, 1), else_=0)))
    .where(PageRow.document_id == bindparam("id"))
    .group_by(PageRow.status)
)
_LOCK = select(DocumentRow.status, DocumentRow.page_count).where(DocumentRow.id == bindparam("id")).with_for_update()
_UNPROCESSED = (
    select(PageRow.number)
    .where(PageRow.document_id == bindparam("id"), PageRow.processed.is_(False))
    .order_by(PageRow.number)
)
_UNPROCESSED_AMONG = _UNPROCESSED.where(PageRow.number.in_(bindparam("among", expanding=True)))
"""Built once: each save derives its document's status under its lock; each render step asks
what is left."""


def _lock(session: Session, id: str) -> tuple[str, int | None]:
    """Lock the document row (``FOR UPDATE``; ignored by SQLite, whose transactions are
    serialized) and return its status and page count."""
    row = session.execute(_LOCK, {"id": id}).one_or_none()
    if row is None:
        raise DocumentNotFound(id)
    return row[0], row[1]
