"""The unit of work: one transaction, the repositories working in it, rollback unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.assignments import AssignmentRepository
from storage.batches import BatchRepository
from storage.claims import PageClaims
from storage.documents import DocumentRepository
from storage.pages import PageRepository
from storage.raw_outputs import RawOutputs
from storage.review_queue import ReviewQueue
from storage.reviews import ReviewRepository
from storage.structures import StructureRepository


class UnitOfWork:
    """``with db.unit_of_work() as uow: ...; uow.commit()``.

    Everything done through ``uow.documents``, ``uow.pages`` and ``uow.batches`` happens in one
    transaction. Leaving the block rolls back whatever was not committed (all of it when
    ``commit()`` was never called, including after an exception) and closes the session.
    A unit of work is used by one thread and entered once.
    """

    documents: DocumentRepository
    pages: PageRepository
    batches: BatchRepository
    reviews: ReviewRepository
    review_queue: ReviewQueue
    assignments: AssignmentRepository
    claims: PageClaims
    structures: StructureRepository

    def __init__(self, sessions: sessionmaker[Session], outputs: RawOutputs | None = None) -> None:
        self._sessions = sessions
        self._outputs = outputs
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work is entered once")
        self._session = self._sessions()
        self.documents = DocumentRepository(self._session, self._outputs)
        self.pages = PageRepository(self._session, self._outputs)
        self.batches = BatchRepository(self._session)
        self.reviews = ReviewRepository(self._session, self.pages)
        self.review_queue = ReviewQueue(self._session)
        self.assignments = AssignmentRepository(self._session)
        self.claims = PageClaims(self._session)
        self.structures = StructureRepository(self._session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self._active()
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        """Commit everything done so far; later work in the same block starts a new transaction."""
        self._active().commit()

    def rollback(self) -> None:
        """Discard everything done since the last commit."""
        self._active().rollback()

    def _active(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work as a context manager")
        return self._session
