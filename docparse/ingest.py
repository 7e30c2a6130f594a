"""The intake service: files in, document rows out, work queued by id (CLI now, API later).

::

    results = submit([folder], db=db, blobs=blobs, app=app, request=ProcessingRequest(), recursive=True)
    records = wait(db, [r.document_id for r in results if r.outcome == "queued"])

Intake (:func:`intake_file`) hashes the file (streamed), returns the existing document for the
same bytes and settings (``duplicate``: nothing is stored or queued again), stores the
original in the blob store and inserts the document row. A file that cannot become pages —
empty, not a document, over a limit, a locked PDF without its password, unreadable as PDF —
gets its row too, immediately ``failed`` with the reason, its original kept: every file ends
in a terminal state with a reason. :func:`submit` commits each intake, then enqueues it.

Light on purpose: no torch, no engine runtime, no task code (the enqueue client sends by name).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from docparse.ingest_discover import discover
from docparse.ingest_request import ProcessingRequest
from docparse.render import (
    DEFAULT_LIMITS,
    HEAD_BYTES,
    RenderError,
    RenderLimits,
    describe_unsupported,
    probe,
    sniff_media_type,
)
from schemas import TERMINAL_STATUSES, document_key
from storage import Database, DocumentExists, DocumentNotFound, DocumentRecord, LocalBlobStore, NewDocument
from workers.client import enqueue_document, enqueue_pages

__all__ = [
    "IntakeResult",
    "Outcome",
    "ProcessingRequest",
    "UnknownDocument",
    "cancel",
    "discover",
    "intake_file",
    "reprocess",
    "submit",
    "wait",
    "wait_for",
]

Outcome = Literal["queued", "duplicate", "failed", "skipped"]

DOCUMENT_SUFFIXES = frozenset(
    {".pdf", ".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".webp", ".bmp", ".dib", ".gif"}
)
"""Names that claim to be a document. The type always comes from the bytes; the name only
decides what a file that is *not* a document means: with such a name it is a broken
document (``failed``, with the reason), otherwise it is not ours (``skipped``, no row) —
so a folder's README or scripts do not fail a batch."""
CHUNK = 1 << 20


class UnknownDocument(DocumentNotFound, KeyError):
    """No document has this id: a :class:`storage.DocumentNotFound` that is also a ``KeyError``
    (``args[0]`` is the id)."""

    def __str__(self) -> str:
        return f"no document {self.args[0]}" if self.args else "no such document"


@dataclass(frozen=True)
class IntakeResult:
    """What became of one file. ``document_id`` is ``None`` only when the file could not be read
    at all (no row exists then; ``reason`` says why). ``failed`` files have a row with the reason."""

    path: Path
    outcome: Outcome
    document_id: str | None
    reason: str | None = None
    batch_id: str | None = None


def _digest(path: Path) -> tuple[str, int, bytes]:
    """sha256, size and first bytes of a file, streamed."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, head


def refusal(path: Path, *, password: str | None, limits: RenderLimits) -> str | None:
    """Why this file cannot be processed (empty, not a document, over a limit, locked, unreadable), or ``None``."""
    try:
        info = probe(path, password=password, limits=limits)
    except RenderError as exc:
        return str(exc)
    if info.page_count is None:
        return f"{path.name} is password-protected: submit it again with its password"
    if info.page_count > limits.max_pages:
        return f"{path.name} has {info.page_count} pages, over the limit of {limits.max_pages} pages per document"
    if info.page_count == 0:
        return f"{path.name} has no pages"
    return None


def intake_file(
    path: Path,
    *,
    db: Database,
    blobs: LocalBlobStore,
    request: ProcessingRequest,
    limits: RenderLimits = DEFAULT_LIMITS,
    batch_id: str | None = None,
    owner: str | None = None,
) -> IntakeResult:
    """Take one file in (see the module docstring) and commit. Does not enqueue."""
    path = Path(path)
    scanned = _scan(db, path, request)
    if isinstance(scanned, IntakeResult):
        return scanned
    return _admit(path, scanned, db=db, blobs=blobs, request=request, limits=limits, batch_id=batch_id, owner=owner)


def _scan(db: Database, path: Path, request: ProcessingRequest) -> tuple[str, int, bytes] | IntakeResult:
    """The file's digest, or the result when intake ends here (unreadable, duplicate)."""
    try:
        if not path.is_file():
            raise FileNotFoundError(2, "not a file" if path.exists() else "no such file")
        sha, size, head = _digest(path)
    except OSError as exc:
        return IntakeResult(path, "failed", None, f"cannot read {path}: {exc.strerror or exc}")
    with db.unit_of_work() as uow:
        existing = uow.documents.find(sha, request.fingerprint())
    if existing is not None:
        return IntakeResult(path, "duplicate", existing.id, None, existing.batch_id)
    if size > 0 and sniff_media_type(head) is None and path.suffix.lower() not in DOCUMENT_SUFFIXES:
        return IntakeResult(path, "skipped", None, f"not a document ({describe_unsupported(head)}); skipped")
    return sha, size, head


def _admit(
    path: Path,
    digest: tuple[str, int, bytes],
    *,
    db: Database,
    blobs: LocalBlobStore,
    request: ProcessingRequest,
    limits: RenderLimits,
    batch_id: str | None,
    owner: str | None,
) -> IntakeResult:
    """Store the original and insert the row (``failed`` at once with the reason when refused)."""
    sha, size, head = digest
    fingerprint = request.fingerprint()
    reason = refusal(path, password=request.password, limits=limits)
    blob_key = blobs.put_file(path)
    new = NewDocument(
        id=document_key(sha, fingerprint),
        sha256=sha,
        filename=path.name,
        media_type=sniff_media_type(head) or "application/octet-stream",
        size_bytes=size,
        settings_fingerprint=fingerprint,
        settings=request.as_settings(limits),
        blob_key=blob_key,
        batch_id=batch_id,
        owner=owner,
    )
    with db.unit_of_work() as uow:
        try:
            uow.documents.add(new)
        except DocumentExists:  # a concurrent intake of the same bytes won the race
            winner = uow.documents.find(sha, fingerprint)
            return IntakeResult(path, "duplicate", winner.id if winner else new.id, None, batch_id)
        if reason is not None:
            uow.documents.set_status(new.id, "failed", error=reason)
        uow.commit()
    if reason is not None:
        return IntakeResult(path, "failed", new.id, reason, batch_id)
    return IntakeResult(path, "queued", new.id, None, batch_id)


def submit(
    paths: Iterable[str | Path],
    *,
    db: Database,
    blobs: LocalBlobStore,
    app: Any,
    request: ProcessingRequest | None = None,
    recursive: bool = False,
    glob: str | None = None,
    limits: RenderLimits = DEFAULT_LIMITS,
    on_result: Callable[[IntakeResult], None] | None = None,
    batch_label: str | None = None,
    owner: str | None = None,
) -> list[IntakeResult]:
    """Discover, take in and enqueue files; one :class:`IntakeResult` per file, in order.

    Each new document is committed, then enqueued by id (embedded mode: processed right away).
    Duplicates (same bytes, same settings) are reported and not enqueued again, so running it
    twice on a folder queues nothing the second time. The new documents of one call share a
    batch (created with the first of them, labelled ``batch_label``). If enqueueing fails
    (broker down), the exception propagates; the documents taken in so far stay ``queued``
    and :func:`reprocess` with their ids queues them again.
    """
    request = request or ProcessingRequest()
    batch_id: str | None = None
    results: list[IntakeResult] = []
    for path in discover(paths, recursive=recursive, glob=glob):
        scanned = _scan(db, Path(path), request)
        if isinstance(scanned, IntakeResult):
            result = scanned
        else:
            if batch_id is None:
                batch_settings = {k: v for k, v in request.as_settings(limits).items() if k != "password"}
                with db.unit_of_work() as uow:
                    batch_id = uow.batches.add(batch_label, batch_settings)
                    uow.commit()
            result = _admit(
                Path(path), scanned, db=db, blobs=blobs, request=request, limits=limits, batch_id=batch_id, owner=owner
            )
        results.append(result)
        if result.outcome == "queued" and result.document_id is not None:
            enqueue_document(app, result.document_id)
        if on_result is not None:
            on_result(result)
    return results


def wait(
    db: Database,
    ids: Sequence[str],
    *,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
    on_progress: Callable[[Mapping[str, DocumentRecord]], None] | None = None,
) -> dict[str, DocumentRecord]:
    """Poll the database until every document of ``ids`` is terminal; return their records.

    ``on_progress(records)`` is called after each poll (progress bars). Raises ``TimeoutError``
    after ``timeout_s`` seconds, :class:`UnknownDocument` (a ``KeyError``) for an unknown id.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        records: dict[str, DocumentRecord] = {}
        with db.unit_of_work() as uow:
            for id in ids:
                record = uow.documents.get(id)
                if record is None:
                    raise UnknownDocument(id)
                records[id] = record
        if on_progress is not None:
            on_progress(records)
        unfinished = [r.id for r in records.values() if r.status not in TERMINAL_STATUSES]
        if not unfinished:
            return records
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            raise TimeoutError(
                f"{len(unfinished)} of {len(ids)} documents still unfinished after {timeout_s:g} s "
                f"(e.g. {unfinished[0]}): are workers running?"
            )
        time.sleep(poll_s if deadline is None else max(0.0, min(poll_s, deadline - now)))


wait_for = wait
"""Alias of :func:`wait` (for callers where ``wait`` is taken, e.g. a ``--wait`` option)."""


def reprocess(
    db: Database, app: Any, *, ids: Sequence[str] | None = None, failed: bool = False, pending: bool = False
) -> list[tuple[str, list[int]]]:
    """Reset and enqueue again exactly what is named; return ``(document id, pages reset)`` per
    document enqueued (``[]`` pages: the whole document is rendered again).

    - ``failed``: the failed pages (and documents that failed as files, at intake or render:
      re-rendered — after e.g. raising a limit or fixing the engine);
    - ``pending``: the pending pages (e.g. scans left by the ``pdf-text`` engine, after
      switching the workers to a vision-language model);
    - neither: every page of ``ids`` (``ids`` required then).

    Without ``ids`` only finished documents (``done``/``partial``/``failed``) are considered,
    so work still in flight is never queued twice; named ``ids`` are taken whatever their
    status (a document left ``queued`` by a failed enqueue, say). Page results are reset
    through ``pages.reset`` (attempts kept as history); enqueueing follows each commit.
    """
    if ids is None and not (failed or pending):
        raise ValueError("name documents (ids) or what to redo (failed=True and/or pending=True)")
    targets = list(ids) if ids is not None else _finished_ids(db)
    done: list[tuple[str, list[int]]] = []
    for id in targets:
        with db.unit_of_work() as uow:
            uow.documents.lock(id)
            record = uow.documents.get(id)
            if record is None:
                if ids is not None:
                    raise UnknownDocument(id)
                continue
            states = uow.pages.states(id)
            if not states:  # failed (or never got) as a file: render again
                if (failed and record.status == "failed") or (ids is not None and not (failed or pending)):
                    uow.pages.reset(id, None)
                    uow.commit()
                    enqueue_document(app, id)
                    done.append((id, []))
                continue
            if failed or pending:
                wanted = {"failed"} if failed else set()
                wanted |= {"pending"} if pending else set()
                numbers = [s.number for s in states if s.status in wanted]
            else:
                numbers = [s.number for s in states]
            if not numbers:
                continue
            reset = uow.pages.reset(id, numbers)
            uow.commit()
        enqueue_pages(app, id, reset)
        done.append((id, reset))
    return done


def _finished_ids(db: Database) -> list[str]:
    out: list[str] = []
    with db.unit_of_work() as uow:
        for status in ("done", "partial", "failed"):
            offset = 0
            while page := uow.documents.list(status=status, limit=500, offset=offset):
                out.extend(r.id for r in page)
                offset += len(page)
    return out


def cancel(db: Database, id: str) -> DocumentRecord:
    """Cancel a document: its queued and running pages stop (tasks check before each page);
    pages already done are kept. A document already finished is returned unchanged.
    Raises :class:`UnknownDocument` (a ``KeyError``) for an unknown id."""
    with db.unit_of_work() as uow:
        uow.documents.lock(id)
        record = uow.documents.get(id)
        if record is None:
            raise UnknownDocument(id)
        if record.status in TERMINAL_STATUSES:
            return record
        uow.documents.set_status(id, "cancelled")
        uow.commit()
        updated = uow.documents.get(id)
    assert updated is not None
    return updated
