"""Page claims: which worker holds which page, until when, and how often a worker died on it.

A worker **claims** pages before processing them: under the document row's lock (the one lock
order everywhere: the document row, then its page rows) each claimed page gets its delivery
counter raised by one and a lease (``lease_until``, ``leased_by``) that the worker's heartbeat
renews (a *suspect* — a page a worker already died on — is counted only when it starts,
alone in its process: :meth:`PageClaims.deliver`). Finishing a page (its result saved, by the
same statement) clears the lease and keeps the counter; giving a page back cleanly (a
transient fault, a cancel, a shutdown) clears the lease and lowers the counter again. So for
a page that is still unprocessed, ``deliveries`` is exactly the number of workers that took
it and vanished: a page whose processing kills its worker is recognised, and failed, after a
bounded number of deaths.

A lease that ran out means its holder is gone (dead, or wedged long past its heartbeat): the
page is claimable again. :meth:`PageClaims.stalled` lists the documents whose work nobody
holds and nobody advanced for a while; the reconciler (:mod:`workers.reconciler`) re-enqueues
them. Times are UTC, from the clock of the process that writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Connection, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from schemas import DocumentStatus
from storage.documents import transition
from storage.status import check_status
from storage.tables import DOCUMENTS, PAGES, DocumentRow, PageRow, utcnow

ACTIVE: tuple[DocumentStatus, ...] = ("queued", "running")


@dataclass(frozen=True)
class Claim:
    """Pages taken by one worker: ``pages`` to process, and ``exhausted`` pages (with the number
    of workers that died on each) that the caller must fail instead. ``status`` is the
    document's status at the claim (``None``: the document does not exist)."""

    status: DocumentStatus | None
    pages: tuple[int, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    """The document's stored settings (when pages were claimed)."""
    blob_key: str = ""
    """The document's original (when pages were claimed)."""
    suspects: frozenset[int] = frozenset()
    """Claimed pages a worker died on before: process them alone, so a death is attributable."""
    exhausted: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Stalled:
    """A queued or running document nobody has advanced for a while (see :meth:`PageClaims.stalled`)."""

    id: str
    status: DocumentStatus
    page_count: int | None
    unprocessed: int
    live_leases: int
    expired_leases: int
    last_progress: datetime | None

    @property
    def action(self) -> str:
        """``render`` (never rendered), ``derive`` (every page processed), ``resume`` (pages lost
        by a dead worker), ``idle`` (nobody holds its pages: the task may be lost or still queued)
        or ``busy`` (a live worker holds pages)."""
        if self.page_count is None:
            return "render"
        if self.unprocessed == 0:
            return "derive"
        if self.expired_leases:
            return "resume"
        return "busy" if self.live_leases else "idle"


class PageClaims:
    """Claims of one unit of work (``uow.claims``); the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(
        self,
        id: str,
        *,
        worker: str,
        lease_s: float,
        limit: int,
        max_deaths: int,
        among: Iterable[int] | None = None,
    ) -> Claim:
        """Take up to ``limit`` unprocessed pages of the document that nobody holds (no lease, or
        an expired one), lowest numbers first, among ``among`` when given. Nothing is taken from
        a document that is not ``queued``/``running``; a ``queued`` one moves to ``running``.
        Pages on which ``max_deaths`` workers already died come back in ``exhausted``, not taken."""
        locked = self._session.execute(_CLAIM_LOCK, {"id": id}).one_or_none()
        if locked is None:
            return Claim(None)
        status = check_status(locked.status)
        if status not in ACTIVE:
            return Claim(status)
        now = utcnow()
        params: dict[str, Any] = {"id": id, "now": now, "limit": max(1, limit)}
        if among is None:
            rows = self._session.execute(_FREE_PAGES, params).all()
        else:
            rows = self._session.execute(_FREE_PAGES_AMONG, {**params, "among": list(among)}).all()
        exhausted = tuple((int(n), int(d)) for n, d in rows if d >= max_deaths)
        taken = [int(n) for n, d in rows if d < max_deaths]
        suspects = frozenset(int(n) for n, d in rows if 0 < d < max_deaths)
        if taken:
            lease = {"doc": id, "until": now + timedelta(seconds=lease_s), "worker": worker}
            fresh = [n for n in taken if n not in suspects]
            for numbers, stmt in ((fresh, _LEASE_DELIVERED), (sorted(suspects), _LEASE)):
                if numbers:
                    self._session.execute(stmt, {**lease, "numbers": numbers})
            if status == "queued":
                status = transition(self._session, id, "running", None)
            return Claim(status, tuple(taken), dict(locked.settings), locked.blob_key, suspects, exhausted)
        return Claim(status, exhausted=exhausted)

    def deliver(self, id: str, number: int, worker: str) -> None:
        """A suspect page starts now, alone in ``worker``'s process: count its delivery (suspects
        are leased by :meth:`claim` without it, so a suspect waiting its turn when its process
        dies is not counted)."""
        self._session.execute(
            update(PAGES)
            .where(PageRow.document_id == id, PageRow.number == number, PageRow.leased_by == worker)
            .values(deliveries=PageRow.deliveries + 1)
        )

    def give_back(self, id: str, numbers: Sequence[int], worker: str, *, delivered: bool = True) -> None:
        """``worker`` stops on these pages without a result (fault, cancel, shutdown): drop its
        leases and take back their deliveries (``delivered``: they were counted), so the next
        claim does not count a death. (A saved page's lease is dropped by the page upsert
        itself: :meth:`storage.pages.PageRepository.save_results`.)"""
        if not numbers:
            return
        values: dict[str, object] = {"lease_until": None, "leased_by": None}
        if delivered:
            values["deliveries"] = case((PageRow.deliveries > 0, PageRow.deliveries - 1), else_=0)
        self._session.execute(
            update(PAGES)
            .where(PageRow.document_id == id, PageRow.number.in_(list(numbers)), PageRow.leased_by == worker)
            .values(**values)
        )

    def renew(self, worker: str, lease_s: float) -> int:
        """Extend every lease ``worker`` holds on unprocessed pages; returns how many. Rows another
        transaction is writing right now are skipped (``SKIP LOCKED``): never waits for a lock."""
        held = (
            select(PageRow.document_id, PageRow.number)
            .where(PageRow.leased_by == worker, PageRow.processed.is_(False))
            .with_for_update(skip_locked=True)
        )
        keys = [(d, n) for d, n in self._session.execute(held)]
        until = utcnow() + timedelta(seconds=lease_s)
        for document_id, numbers in _by_document(keys).items():
            self._session.execute(
                update(PAGES)
                .where(PageRow.document_id == document_id, PageRow.number.in_(numbers))
                .values(lease_until=until)
            )
        return len(keys)

    def statuses(self, ids: Sequence[str]) -> dict[str, DocumentStatus]:
        """The status of each of ``ids`` that exists (an id missing from the answer was deleted),
        in one statement, without locking: how a worker's heartbeat learns that documents whose
        pages it is working on were cancelled or deleted meanwhile."""
        if not ids:
            return {}
        stmt = select(DocumentRow.id, DocumentRow.status).where(DocumentRow.id.in_(list(ids)))
        return {id: check_status(status) for id, status in self._session.execute(stmt)}

    def mark_dispatched(self, id: str) -> None:
        """Tasks were just sent for the document (the reconciler waits a full period from here)."""
        self._session.execute(_DISPATCHED, {"doc": id, "now": utcnow()})

    def take_dispatch(self, id: str, older_than_s: float) -> bool:
        """Compare-and-set for recovery: stamp ``dispatched_at`` now if the document's tasks were
        last sent more than ``older_than_s`` ago; ``True`` when this caller won (several
        reconcilers may look at once: exactly one re-enqueues the document per period)."""
        now = utcnow()
        since = func.coalesce(DocumentRow.dispatched_at, DocumentRow.updated_at)
        result = self._session.execute(
            update(DOCUMENTS)
            .where(DocumentRow.id == id, since < now - timedelta(seconds=older_than_s))
            .values(dispatched_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    def stalled(self, older_than_s: float, *, limit: int = 200) -> list[Stalled]:
        """``queued``/``running`` documents whose tasks were last sent more than ``older_than_s``
        ago and that nobody is visibly working on — a page lease ran out, or no live lease and
        no page changed for ``older_than_s`` — oldest first, with their unprocessed pages, live
        and expired leases and the time a page last changed (one grouped query; documents being
        worked on never crowd out the rest). :attr:`Stalled.action` says what recovery does."""
        now = utcnow()
        horizon = now - timedelta(seconds=older_than_s)
        since = func.coalesce(DocumentRow.dispatched_at, DocumentRow.updated_at)
        unprocessed = PageRow.processed.is_(False)
        live = func.sum(case((and_(unprocessed, PageRow.lease_until >= now), 1), else_=0))
        expired = func.sum(case((and_(unprocessed, PageRow.lease_until < now), 1), else_=0))
        progress = func.max(PageRow.updated_at)
        stmt = (
            select(
                DocumentRow.id,
                DocumentRow.status,
                DocumentRow.page_count,
                func.sum(case((unprocessed, 1), else_=0)),
                live,
                expired,
                progress,
            )
            .outerjoin(PageRow, PageRow.document_id == DocumentRow.id)
            .where(DocumentRow.status.in_(ACTIVE), since < horizon)
            .group_by(DocumentRow.id)  # the other document columns depend on the key
            .having(or_(expired > 0, and_(live == 0, or_(progress.is_(None), progress < horizon))))
            .order_by(since)
            .limit(limit)
        )
        return [
            Stalled(id, status, count, int(todo or 0), int(alive or 0), int(lost or 0), last)
            for id, status, count, todo, alive, lost, last in self._session.execute(stmt)
        ]


Reader = Session | Connection
"""Where the reads below run: a unit of work's session, or a connection that needs no
transaction of its own (:meth:`storage.Database.peek`)."""


def claimable(reader: Reader, id: str) -> bool:
    """Whether an unprocessed page of the document is held by nobody (of an active document)."""
    return reader.execute(_CLAIMABLE, {"id": id, "now": utcnow()}).first() is not None


def status(reader: Reader, id: str) -> DocumentStatus | None:
    """The document's status (``None``: it does not exist), without locking or counting."""
    found = reader.execute(_STATUS, {"id": id}).scalar_one_or_none()
    return check_status(found) if found is not None else None


def _free(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return or_(PageRow.lease_until.is_(None), PageRow.lease_until < now)


_CLAIMABLE = (
    select(PageRow.number)
    .join(DocumentRow, DocumentRow.id == PageRow.document_id)
    .where(
        PageRow.document_id == bindparam("id"),
        PageRow.processed.is_(False),
        _free(bindparam("now", type_=PageRow.lease_until.type)),
    )
    .where(DocumentRow.status.in_(ACTIVE))
    .limit(1)
)
_STATUS = select(DocumentRow.status).where(DocumentRow.id == bindparam("id"))
_CLAIM_LOCK = (
    select(DocumentRow.status, DocumentRow.settings, DocumentRow.blob_key)
    .where(DocumentRow.id == bindparam("id"))
    .with_for_update()
)
_FREE_PAGES = (
    select(PageRow.number, PageRow.deliveries)
    .where(
        PageRow.document_id == bindparam("id"),
        PageRow.processed.is_(False),
        _free(bindparam("now", type_=PageRow.lease_until.type)),
    )
    .order_by(PageRow.number)
    .limit(bindparam("limit"))
)
_FREE_PAGES_AMONG = _FREE_PAGES.where(PageRow.number.in_(bindparam("among", expanding=True)))
_LEASE = (
    update(PAGES)
    .where(PageRow.document_id == bindparam("doc"), PageRow.number.in_(bindparam("numbers", expanding=True)))
    .values(lease_until=bindparam("until", type_=PageRow.lease_until.type), leased_by=bindparam("worker"))
)
_LEASE_DELIVERED = _LEASE.values(deliveries=PageRow.deliveries + 1)
_DISPATCHED = (
    update(DOCUMENTS)
    .where(DocumentRow.id == bindparam("doc"))
    .values(dispatched_at=bindparam("now", type_=DOCUMENTS.c.dispatched_at.type))
)
"""Built once: the reads a chain step makes per task or per page (building a statement and its
cache key costs more CPU than running it)."""


def _by_document(keys: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for document_id, number in keys:
        out.setdefault(document_id, []).append(int(number))
    return out
