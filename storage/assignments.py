"""Which reviewers (API key names with the ``reviewer`` role) may review which documents."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.records import ReviewAssignment
from storage.sql import upsert
from storage.tables import REVIEW_ASSIGNMENTS, ReviewAssignmentRow, utcnow


class AssignmentRepository:
    """Review assignments of one unit of work (``uow.assignments``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def assign(self, id: str, reviewer: str, *, by: str | None) -> None:
        """Assign ``reviewer`` to document ``id`` (idempotent: an existing assignment is kept as is)."""
        row = {"document_id": id, "reviewer": reviewer, "assigned_by": by, "assigned_at": utcnow()}
        upsert(self._session, REVIEW_ASSIGNMENTS, [row], ("document_id", "reviewer"), update=False)

    def unassign(self, id: str, reviewer: str) -> bool:
        """Remove the assignment; whether there was one."""
        result = self._session.execute(
            delete(REVIEW_ASSIGNMENTS).where(
                ReviewAssignmentRow.document_id == id, ReviewAssignmentRow.reviewer == reviewer
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def of_document(self, id: str) -> list[ReviewAssignment]:
        """The document's reviewers, by name."""
        rows = self._session.scalars(
            select(ReviewAssignmentRow)
            .where(ReviewAssignmentRow.document_id == id)
            .order_by(ReviewAssignmentRow.reviewer)
            .execution_options(populate_existing=True)
        ).all()
        return [ReviewAssignment(r.document_id, r.reviewer, r.assigned_by, r.assigned_at) for r in rows]

    def documents_of(self, reviewer: str) -> list[str]:
        """The ids of the documents ``reviewer`` is assigned to."""
        return list(
            self._session.scalars(
                select(ReviewAssignmentRow.document_id)
                .where(ReviewAssignmentRow.reviewer == reviewer)
                .order_by(ReviewAssignmentRow.document_id)
            )
        )

    def is_assigned(self, id: str, reviewer: str) -> bool:
        """Whether ``reviewer`` may review document ``id``."""
        found = self._session.execute(
            select(ReviewAssignmentRow.reviewer).where(
                ReviewAssignmentRow.document_id == id, ReviewAssignmentRow.reviewer == reviewer
            )
        ).first()
        return found is not None
