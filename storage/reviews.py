"""Review and correction of pages: human attempts, accepting, flagging, the page's history.

A correction is data, never an overwrite: it is stored as a new attempt of kind ``human``
(with the reviewer and the time) that becomes the page's chosen attempt, and the page's blocks
become its blocks. The model's attempts and raw outputs stay. Before the first correction of a
page, the result it replaces (status, issues, blocks of the chosen model attempt) is kept in
that attempt's ``snapshot``, so the history shows every version whole.

Optimistic concurrency: every page has a concurrency token (:func:`page_token`: its ``version``,
bumped by every review write and by a reset, plus its ``updated_at``, which every worker write
moves). A write names the token it was based on; a different current token raises
:class:`ReviewConflict` and nothing is written. After a correction or an accept, the document's
status is derived again from its pages (:meth:`storage.pages.PageRepository.derive`, through the
guarded transition).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, defer

from schemas import Attempt, Block, Issue, Page
from storage import mapping
from storage.documents import lock
from storage.errors import NotReviewable, PageNotFound, ReviewConflict
from storage.pages import PageRepository
from storage.records import PageVersion, ReviewState
from storage.sql import bulk_insert
from storage.tables import ATTEMPTS, BLOCKS, PAGES, AttemptRow, BlockRow, PageRow, utcnow


def page_token(version: int, updated_at: datetime) -> str:
    """The concurrency token of a page (opaque to clients: an ETag value)."""
    return f"{version}-{int(updated_at.timestamp() * 1_000_000):x}"


def _state(row: PageRow) -> ReviewState:
    return ReviewState(
        document_id=row.document_id,
        number=row.number,
        status=row.status,  # type: ignore[arg-type]  # checked by the table's constraint
        version=row.version,
        token=page_token(row.version, row.updated_at),
        reviewed=row.reviewed,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        flag=row.flag,
        flagged_by=row.flagged_by,
    )


class ReviewRepository:
    """Review writes and reads of one unit of work (``uow.reviews``)."""

    def __init__(self, session: Session, pages: PageRepository) -> None:
        self._session = session
        self._pages = pages

    def state(self, id: str, number: int) -> ReviewState:
        """The page's review state and concurrency token; :class:`PageNotFound` when it does not exist."""
        return _state(self._row(id, number, lock=False))

    def page(self, id: str, number: int) -> tuple[Page, ReviewState]:
        """One page (blocks, issues, attempts without raw output) and its review state, read in
        this transaction; :class:`PageNotFound` when it does not exist."""
        row = self._row(id, number, lock=False)
        blocks = [mapping.to_block(b) for b in self._current(id, number, row)["blocks"]]
        attempts = self._session.scalars(
            select(AttemptRow)
            .where(AttemptRow.document_id == id, AttemptRow.page_number == number)
            .order_by(AttemptRow.index)
            .options(defer(AttemptRow.output, raiseload=True))
            .execution_options(populate_existing=True)
        ).all()
        page = mapping.to_page(row, blocks, [mapping.to_attempt(a, include_raw=False) for a in attempts])
        return page, _state(row)

    def correct(
        self, id: str, number: int, *, blocks: list[Block], attempt: Attempt, reviewer: str, expected: str
    ) -> ReviewState:
        """Store a correction: ``attempt`` (its ``output`` the corrected page as QwenVL HTML) is
        added as a ``human`` attempt after the existing ones, chosen, with ``reviewer`` and the
        time; ``blocks`` (ids, orders and page numbers already set by the caller) replace the
        page's blocks; the page becomes ``ok``, reviewed and unflagged, its issues (which
        described the model's output) move into the superseded attempt's snapshot. Raises
        :class:`ReviewConflict` when ``expected`` is not the page's current token."""
        row = self._checked(id, number, expected)
        now = utcnow()
        self._snapshot_chosen(id, number, row)
        next_index = self._session.execute(
            select(func.coalesce(func.max(AttemptRow.index) + 1, 0)).where(
                AttemptRow.document_id == id, AttemptRow.page_number == number
            )
        ).scalar_one()
        values = mapping.attempt_values(id, number, int(next_index), attempt, now)
        snapshot = {"status": "ok", "issues": [], "blocks": [b.model_dump(mode="json") for b in blocks]}
        values.update(kind="human", reviewer=reviewer, chosen=True, snapshot=mapping.scrub(snapshot))
        self._session.execute(
            update(ATTEMPTS).where(AttemptRow.document_id == id, AttemptRow.page_number == number).values(chosen=False)
        )
        self._session.execute(ATTEMPTS.insert(), values)
        self._session.execute(delete(BLOCKS).where(BlockRow.document_id == id, BlockRow.page_number == number))
        bulk_insert(self._session, BLOCKS, [mapping.block_values(id, number, b) for b in blocks])
        return self._reviewed(row, reviewer, now, issues=[])

    def accept(self, id: str, number: int, *, reviewer: str, expected: str) -> ReviewState:
        """Accept the page as it is: ``ok``, reviewed by ``reviewer`` now, unflagged; blocks,
        issues and attempts unchanged. :class:`ReviewConflict` on a stale ``expected`` token."""
        row = self._checked(id, number, expected)
        return self._reviewed(row, reviewer, utcnow(), issues=None)

    def flag(self, id: str, number: int, *, by: str, reason: str | None) -> ReviewState:
        """Ask for a review of the page (``reason=None`` clears the flag). Flags do not change the
        page's result, so they leave its concurrency token alone."""
        self._row(id, number, lock=True)
        values: dict[str, Any] = {"flag": None, "flagged_by": None, "flagged_at": None}
        if reason is not None:
            values = {"flag": mapping.scrub(reason.strip() or "flagged"), "flagged_by": by, "flagged_at": utcnow()}
        self._session.execute(update(PAGES).where(*self._key(id, number)).values(**values))
        return self.state(id, number)

    def history(self, id: str, number: int) -> list[PageVersion]:
        """Every attempt of the page in index order, each with the page result it gave when one
        is known (its snapshot; for the chosen attempt without one, the page as it is now)."""
        row = self._row(id, number, lock=False)
        attempts = self._session.scalars(
            select(AttemptRow)
            .where(AttemptRow.document_id == id, AttemptRow.page_number == number)
            .order_by(AttemptRow.index)
            .execution_options(populate_existing=True)
        ).all()
        versions = []
        for attempt in attempts:
            snapshot = attempt.snapshot
            if snapshot is None and attempt.chosen:
                snapshot = self._current(id, number, row)
            versions.append(
                PageVersion(
                    attempt=mapping.to_attempt(attempt, include_raw=True),
                    status=snapshot["status"] if snapshot else None,
                    issues=[Issue.model_validate(i) for i in snapshot["issues"]] if snapshot else None,
                    blocks=[mapping.to_block(b) for b in snapshot["blocks"]] if snapshot else None,
                )
            )
        return versions

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _key(id: str, number: int) -> tuple[Any, Any]:
        return PageRow.document_id == id, PageRow.number == number

    def _row(self, id: str, number: int, *, lock: bool) -> PageRow:
        query = select(PageRow).where(*self._key(id, number)).execution_options(populate_existing=True)
        row = self._session.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise PageNotFound(id, number)
        return row

    def _checked(self, id: str, number: int, expected: str) -> PageRow:
        lock(self._session, id)  # the one lock order: the document row, then its page rows
        row = self._row(id, number, lock=True)
        if page_token(row.version, row.updated_at) != expected:
            raise ReviewConflict(_state(row))
        if not row.processed:
            raise NotReviewable(f"page {number} of {id} has not been processed yet")
        return row

    def _current(self, id: str, number: int, row: PageRow) -> dict[str, Any]:
        blocks = self._session.scalars(
            select(BlockRow.attributes)
            .where(BlockRow.document_id == id, BlockRow.page_number == number)
            .order_by(BlockRow.order)
        ).all()
        return {"status": row.status, "issues": list(row.issues or []), "blocks": list(blocks)}

    def _snapshot_chosen(self, id: str, number: int, row: PageRow) -> None:
        """Keep the result the chosen attempt gave (once) before a correction replaces it."""
        self._session.execute(
            update(ATTEMPTS)
            .where(
                AttemptRow.document_id == id,
                AttemptRow.page_number == number,
                AttemptRow.chosen.is_(True),
                AttemptRow.snapshot.is_(None),
            )
            .values(snapshot=self._current(id, number, row))
        )

    def _reviewed(self, row: PageRow, reviewer: str, now: datetime, *, issues: list[Issue] | None) -> ReviewState:
        values: dict[str, Any] = {
            "status": "ok",
            "reviewed": True,
            "reviewed_by": reviewer,
            "reviewed_at": now,
            "flag": None,
            "flagged_by": None,
            "flagged_at": None,
            "version": PageRow.version + 1,
            "updated_at": now,
        }
        if issues is not None:
            values["issues"] = [i.model_dump(mode="json") for i in issues]
        self._session.execute(update(PAGES).where(*self._key(row.document_id, row.number)).values(**values))
        self._pages.derive(row.document_id)
        return self.state(row.document_id, row.number)
