"""The document repository: documents as :class:`~storage.records.DocumentRecord` values and
whole :class:`schemas.Document` s. Every method works inside the unit of work's transaction."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Text, bindparam, case, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from schemas import (
    TERMINAL_STATUSES,
    Attempt,
    Block,
    Document,
    DocumentStatus,
    derive_document_status,
)
from storage import mapping
from storage.errors import DocumentExists, DocumentNotFound
from storage.raw_outputs import RawOutputs, read_output
from storage.recent_blocks import RecentBlocks
from storage.records import DocumentRecord, NewDocument
from storage.sql import upsert
from storage.status import IllegalTransition, allowed, check_status
from storage.structures import stored_structure
from storage.tables import DOCUMENTS, PAGES, AttemptRow, BlockRow, DocumentRow, PageRow, utcnow

_LOCK = select(DocumentRow.status).where(DocumentRow.id == bindparam("id")).with_for_update()
_TRANSITION = (
    update(DOCUMENTS)
    .where(DocumentRow.id == bindparam("doc"))
    .values(
        status=bindparam("to"),
        error=bindparam("reason"),
        updated_at=bindparam("now", type_=DOCUMENTS.c.updated_at.type),
    )
)
_PAGE_COUNT = (
    update(DOCUMENTS)
    .where(DocumentRow.id == bindparam("doc"))
    .values(page_count=bindparam("count"), updated_at=bindparam("now", type_=DOCUMENTS.c.updated_at.type))
)
_DOCUMENT = select(DocumentRow).where(DocumentRow.id == bindparam("id")).execution_options(populate_existing=True)
_PAGES = (
    select(PageRow)
    .where(PageRow.document_id == bindparam("id"))
    .order_by(PageRow.number)
    .execution_options(populate_existing=True)
)
"""Built once: every status change locks and updates the document row, every chain step's
render, save and document pass reads it (building a statement and its cache key costs more
CPU than running it)."""


def lock(session: Session, id: str) -> DocumentStatus:
    """Lock the document row (``FOR UPDATE``) and return its status; :class:`DocumentNotFound` if missing."""
    status = session.execute(_LOCK, {"id": id}).scalar_one_or_none()
    if status is None:
        raise DocumentNotFound(id)
    return check_status(status)


def transition(
    session: Session, id: str, to: DocumentStatus, reason: str | None, *, current: str | None = None
) -> DocumentStatus:
    """The guarded status change (see :meth:`DocumentRepository.transition`), for both repositories.
    ``current``: the status the caller read under the document lock it holds (the row is not
    locked and read again); otherwise the row is locked here."""
    current = check_status(current) if current is not None else lock(session, id)
    if not allowed(current, to):
        raise IllegalTransition(id, current, to)
    session.execute(_TRANSITION, {"doc": id, "to": to, "reason": mapping.scrub(reason), "now": utcnow()})
    return to


class DocumentRepository:
    """Documents of one unit of work (see :class:`storage.UnitOfWork`)."""

    def __init__(self, session: Session, outputs: RawOutputs | None = None) -> None:
        self._session = session
        self._outputs = outputs

    def add(self, new: NewDocument) -> DocumentRecord:
        """Insert a ``queued`` document. Raises :class:`DocumentExists` when its id or its
        (sha256, settings_fingerprint) is taken — intake calls :meth:`find` first and treats
        this as the lost race of a concurrent upload of the same file."""
        try:
            with self._session.begin_nested():
                self._session.execute(DOCUMENTS.insert(), mapping.new_document_values(new, utcnow()))
        except IntegrityError as exc:
            raise DocumentExists(f"document {new.id} (sha256 {new.sha256[:12]}…) already exists") from exc
        record = self.get(new.id, counts=False)  # a new document has no pages to count
        assert record is not None
        return record

    def get(self, id: str, *, counts: bool = True) -> DocumentRecord | None:
        """The document with its page counts by status and its number of processed pages;
        ``counts=False``: without them (``page_counts`` empty, ``pages_processed`` 0), one query
        instead of two, for callers that read the document's own columns only (its status,
        settings, original)."""
        rows = self._records(_DOCUMENT, {"id": id}, counts=counts)
        return rows[0] if rows else None

    def find(self, sha256: str, settings_fingerprint: str) -> DocumentRecord | None:
        """The document for these bytes parsed with these settings, if any (the idempotency key)."""
        stmt = select(DocumentRow).where(
            DocumentRow.sha256 == sha256, DocumentRow.settings_fingerprint == settings_fingerprint
        )
        rows = self._records(stmt)
        return rows[0] if rows else None

    def list(
        self,
        *,
        status: str | None = None,
        owner: str | None = None,
        limit: int = 50,
        offset: int = 0,
        batch_id: str | None = None,
    ) -> builtins.list[DocumentRecord]:
        """Documents newest first (ties: id descending), filtered by status / owner / batch."""
        stmt = _filtered(select(DocumentRow), status, owner, batch_id)
        stmt = stmt.order_by(DocumentRow.created_at.desc(), DocumentRow.id.desc()).limit(limit).offset(offset)
        return self._records(stmt)

    def count(self, *, status: str | None = None, owner: str | None = None, batch_id: str | None = None) -> int:
        """How many documents match the same filters as :meth:`list`."""
        stmt = _filtered(select(func.count()).select_from(DocumentRow), status, owner, batch_id)
        return int(self._session.execute(stmt).scalar_one())

    def transition(self, id: str, to: str, *, reason: str | None = None) -> DocumentStatus:
        """Move the document to status ``to`` — the one way any document status changes.

        Locks the document row, checks the move against :data:`storage.status.TRANSITIONS`
        and raises :class:`~storage.status.IllegalTransition` for an illegal one (the caller
        decides whether that is a bug or a lost race, e.g. a failure arriving after a cancel).
        Sets ``error`` to ``reason`` (``None`` clears it) and bumps ``updated_at``; staying in
        the same status only updates the reason. Returns the new status."""
        return transition(self._session, id, check_status(to), reason)

    def update_settings(self, id: str, values: Mapping[str, Any]) -> None:
        """Merge ``values`` into the document's stored settings (keys not named stay)."""
        current = self._session.execute(select(DocumentRow.settings).where(DocumentRow.id == id)).scalar_one_or_none()
        if current is None:
            raise DocumentNotFound(id)
        self._update(id, settings={**current, **values})

    def start(self, id: str, page_count: int) -> None:
        """Rendering began: set ``page_count``, create page rows 1..n (``pending``, unprocessed)
        where missing, and move a ``queued`` document to ``running``. Idempotent: a second call
        creates nothing, resets no processed page, and leaves a document that already reached a
        terminal status (``done``/``partial``/``failed``/``cancelled``) in that status, so a
        redelivered render task cannot reopen it (reprocessing goes through ``pages.reset``).
        A document with no pages ends right here: ``failed``, "the document has no pages"."""
        if page_count < 0:
            raise ValueError("page_count must be >= 0")
        status = lock(self._session, id)
        self._session.execute(_PAGE_COUNT, {"doc": id, "count": page_count, "now": utcnow()})  # (the row is locked)
        if status in ("queued", "running"):
            if page_count == 0:  # no page result will ever come to derive the status
                transition(self._session, id, derive_document_status([]), "the document has no pages", current=status)
            else:
                transition(self._session, id, "running", None, current=status)
        now = utcnow()
        rows = [
            {"document_id": id, "number": n, "status": "pending", "processed": False, "issues": [], "updated_at": now}
            for n in range(1, page_count + 1)
        ]
        upsert(self._session, PAGES, rows, ("document_id", "number"), update=False)

    def load(self, id: str, *, include_raw: bool = True) -> Document | None:
        """The whole validated document: pages by number, blocks in reading order, attempts by
        index (raw ``output`` omitted as ``""`` when ``include_raw`` is false), and the stored
        document-pass result while it is current. Five queries at most, whatever the size."""
        document = self._pages(id, attempts=True, include_raw=include_raw)
        return None if document is None else self._with_structure(document)

    def load_for_pass(self, id: str, recent: RecentBlocks | None = None) -> Document | None:
        """What the document-level pass reads: the document with its pages and their blocks,
        without attempts or a stored pass result (three queries at most). ``recent``: the blocks
        of pages this process wrote, taken from there (no longer held) and used for each page
        whose row was not written since (:mod:`storage.recent_blocks`); only the other pages'
        blocks are read."""
        return self._pages(id, attempts=False, include_raw=False, recent=recent)

    def _pages(
        self, id: str, *, attempts: bool, include_raw: bool, recent: RecentBlocks | None = None
    ) -> Document | None:
        row = self._session.execute(_DOCUMENT, {"id": id}).scalar_one_or_none()
        if row is None:
            return None
        pages = self._session.scalars(_PAGES, {"id": id}).all()
        by_page = self._attempts(id, include_raw) if attempts else {}
        held = recent.take(id) if recent is not None else {}
        blocks: dict[int, builtins.list[Block]] = {
            p.number: held[p.number][1] for p in pages if p.number in held and held[p.number][0] == p.updated_at
        }
        query = (
            select(BlockRow.page_number, cast(BlockRow.attributes, Text))
            .where(BlockRow.document_id == id)
            .order_by(BlockRow.page_number, BlockRow.order)
        )
        if blocks:  # only the pages not held
            query = query.where(BlockRow.page_number.not_in(builtins.list(blocks)))
        texts: defaultdict[int, builtins.list[str]] = defaultdict(builtins.list)
        if len(blocks) < len(pages):
            for number, attributes in self._session.execute(query):
                texts[number].append(attributes)
        return mapping.to_document(
            row,
            [
                mapping.to_page(
                    p,
                    blocks[p.number] if p.number in blocks else mapping.blocks_from_json(texts.get(p.number, [])),
                    by_page.get(p.number, []),
                )
                for p in pages
            ],
        )

    def _attempts(self, id: str, include_raw: bool) -> dict[int, builtins.list[Attempt]]:
        """The document's attempts by page, in index order."""
        query = select(AttemptRow).where(AttemptRow.document_id == id)
        if not include_raw:
            query = query.options(defer(AttemptRow.output, raiseload=True))
        attempts: defaultdict[int, builtins.list[Attempt]] = defaultdict(builtins.list)
        for attempt in self._session.scalars(
            query.order_by(AttemptRow.page_number, AttemptRow.index).execution_options(populate_existing=True)
        ):
            value = mapping.to_attempt(attempt, include_raw=include_raw)
            if include_raw and attempt.output_key is not None:  # a large output, in the blob store
                value = value.model_copy(update={"output": read_output(self._outputs, attempt.output_key)})
            attempts[attempt.page_number].append(value)
        return attempts

    def _with_structure(self, document: Document) -> Document:
        """The document with its stored document-pass result, once it is terminal and while no page
        changed after the pass ran (a reset or corrected document shows none until it runs again)."""
        if document.status not in TERMINAL_STATUSES:
            return document
        structure = stored_structure(self._session, document.id)
        return document if structure is None else document.model_copy(update={"structure": structure})

    def lock(self, id: str) -> DocumentStatus | None:
        """Lock the document row until the end of the transaction (``SELECT ... FOR UPDATE`` on
        PostgreSQL; SQLite's transactions here start with ``BEGIN IMMEDIATE`` and are serialized
        already) and return its status (``None``: no such document). Lock order everywhere: the
        document row first, then its page rows."""
        try:
            return lock(self._session, id)
        except DocumentNotFound:
            return None

    def delete(self, id: str) -> builtins.list[str]:
        """Delete the document with its pages, attempts and blocks. Returns the blob keys it
        referenced (original, page images, large raw outputs) that no remaining row references — the caller deletes
        those blobs after committing. Keys shared with another document (same bytes under other
        settings, identical page images) are kept out of the list. Unknown id: ``[]``."""
        blob_key = self._session.execute(select(DocumentRow.blob_key).where(DocumentRow.id == id)).scalar_one_or_none()
        if blob_key is None:
            return []
        image_keys = self._session.scalars(
            select(PageRow.image_key).where(PageRow.document_id == id, PageRow.image_key.is_not(None))
        ).all()
        output_keys = self._session.scalars(
            select(AttemptRow.output_key).where(AttemptRow.document_id == id, AttemptRow.output_key.is_not(None))
        ).all()
        keys = list(dict.fromkeys([blob_key, *(k for k in [*image_keys, *output_keys] if k is not None)]))
        for table in (BlockRow, AttemptRow):
            self._session.execute(delete(table).where(table.document_id == id))
        self._session.execute(delete(PageRow).where(PageRow.document_id == id))
        self._session.execute(delete(DocumentRow).where(DocumentRow.id == id))
        still_used = set(self._session.scalars(select(DocumentRow.blob_key).where(DocumentRow.blob_key.in_(keys))))
        still_used.update(self._session.scalars(select(PageRow.image_key).where(PageRow.image_key.in_(keys))))
        still_used.update(self._session.scalars(select(AttemptRow.output_key).where(AttemptRow.output_key.in_(keys))))
        return [key for key in keys if key not in still_used]

    # -- helpers -----------------------------------------------------------------------------

    def _update(self, id: str, **values: Any) -> None:
        result = self._session.execute(
            update(DOCUMENTS).where(DocumentRow.id == id).values(**values, updated_at=utcnow())
        )
        if getattr(result, "rowcount", 0) == 0:
            raise DocumentNotFound(id)

    def _records(
        self, stmt: Select[DocumentRow], params: Mapping[str, Any] | None = None, *, counts: bool = True
    ) -> builtins.list[DocumentRecord]:
        # the option given at execution: a prebuilt statement is not copied
        rows = self._session.scalars(stmt, params or {}, execution_options={"populate_existing": True}).all()
        if not rows:
            return []
        by_document = self._page_counts([row.id for row in rows]) if counts else {}
        return [mapping.document_record(row, *by_document.get(row.id, ({}, 0))) for row in rows]

    def _page_counts(self, ids: Sequence[str]) -> dict[str, tuple[dict[str, int], int]]:
        """Per document: page counts by status, and processed pages — one grouped query."""
        processed = func.sum(case((PageRow.processed.is_(True), 1), else_=0))
        stmt = (
            select(PageRow.document_id, PageRow.status, func.count(), processed)
            .where(PageRow.document_id.in_(ids))
            .group_by(PageRow.document_id, PageRow.status)
        )
        out: dict[str, tuple[dict[str, int], int]] = {}
        for document_id, status, n, done in self._session.execute(stmt):
            by_status, total = out.get(document_id, ({}, 0))
            by_status[status] = int(n)
            out[document_id] = (by_status, total + int(done or 0))
        return out


def _filtered(stmt: Select[Any], status: str | None, owner: str | None, batch_id: str | None) -> Select[Any]:
    if status is not None:
        stmt = stmt.where(DocumentRow.status == status)
    if owner is not None:
        stmt = stmt.where(DocumentRow.owner == owner)
    if batch_id is not None:
        stmt = stmt.where(DocumentRow.batch_id == batch_id)
    return stmt
