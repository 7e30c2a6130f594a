"""The document status machine: which moves are legal, as data.

Every change of a document's status goes through
:meth:`storage.documents.DocumentRepository.transition`, which checks this table under the
document row's lock. The table (also in the README, "Statuses"):

============  ==================================================================
from          may move to
============  ==================================================================
queued        running, done, partial, failed, cancelled
running       queued, done, partial, failed, cancelled
done          queued, partial, failed
partial       queued, done, failed
failed        queued, done, partial
cancelled     queued
============  ==================================================================

- ``queued -> running``: a worker starts rendering or claims a page.
- ``-> done | partial | failed``: derived from the pages once every page is processed
  (:func:`schemas.derive_document_status`), or ``failed`` for a file that cannot be opened.
  Between the three terminal results only re-derivation moves (after a reviewer's correction).
- ``-> queued``: reprocessing (pages reset), or recovery re-enqueueing lost work.
- ``-> cancelled``: a user cancels work that has not finished.

Refused, among others: a terminal document going back to ``running`` (a redelivered task must
not reopen it: reprocessing goes through ``queued``), ``cancelled`` to anything but ``queued``
(a late failure or result never overrides a cancel), and ``done | partial | failed ->
cancelled`` (there is nothing left to cancel).
"""

from __future__ import annotations

from typing import get_args

from schemas import DocumentStatus
from storage.errors import StorageError

STATUSES: tuple[DocumentStatus, ...] = get_args(DocumentStatus)

TRANSITIONS: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    "queued": frozenset({"running", "done", "partial", "failed", "cancelled"}),
    "running": frozenset({"queued", "done", "partial", "failed", "cancelled"}),
    "done": frozenset({"queued", "partial", "failed"}),
    "partial": frozenset({"queued", "done", "failed"}),
    "failed": frozenset({"queued", "done", "partial"}),
    "cancelled": frozenset({"queued"}),
}
"""Legal moves by current status (staying in the same status is always allowed: a no-op)."""


class IllegalTransition(StorageError):
    """A status change the machine refuses (for example ``done -> running``)."""

    def __init__(self, document_id: str, current: str, wanted: str) -> None:
        super().__init__(f"document {document_id} cannot go from {current} to {wanted}")
        self.document_id = document_id
        self.current = current
        self.wanted = wanted


def check_status(status: str) -> DocumentStatus:
    """``status`` if it is a document status, else ``ValueError`` listing them."""
    for known in STATUSES:
        if status == known:
            return known
    raise ValueError(f"unknown document status {status!r}; expected one of {list(STATUSES)}")


def allowed(current: DocumentStatus, wanted: DocumentStatus) -> bool:
    """Whether ``current -> wanted`` is legal (a move to the same status always is)."""
    return current == wanted or wanted in TRANSITIONS[current]
