"""Intake: files in, document rows out, work queued by id (the CLI's ingest and the API's uploads).

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from docparse.engines.settings import EngineSettings
from docparse.identity import ResolvedSettings
from docparse.intake.discover import discover
from docparse.intake.request import ProcessingRequest
from docparse.render import (
    DEFAULT_LIMITS,
    HEAD_BYTES,
    RenderError,
    RenderLimits,
    describe_unsupported,
    probe,
    sniff_media_type,
)
from schemas import document_key
from storage import BlobStore, Database, DocumentExists, DocumentNotFound, NewDocument
from workers.client import enqueue_document
from workers.names import TaskApp

Outcome = Literal["queued", "duplicate", "failed", "skipped", "refused"]
Refusal = Literal["unsupported", "unprocessable"]

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
    """What became of one file. ``document_id`` is ``None`` when no row exists: the file could not
    be read, was skipped, or was ``refused`` (``keep_refused=False``: ``refusal`` says whether it is
    not a document at all or a document that cannot be processed). ``failed`` files have a row
    with the reason. ``media_type`` is the type sniffed from the bytes, when there is one."""

    path: Path
    outcome: Outcome
    document_id: str | None
    reason: str | None = None
    batch_id: str | None = None
    refusal: Refusal | None = None
    media_type: str | None = None


@dataclass(frozen=True)
class _Scanned:
    """A file read once: its digest, size and the type sniffed from its first bytes."""

    sha256: str
    size: int
    media_type: str | None
    head: bytes


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


@dataclass(frozen=True)
class _Identity:
    """A submission's resolved settings and fingerprint, computed once per call."""

    resolved: ResolvedSettings
    fingerprint: str
    owner: str | None

    @classmethod
    def of(cls, request: ProcessingRequest, defaults: EngineSettings | None, owner: str | None) -> _Identity:
        resolved = request.resolve(defaults if defaults is not None else EngineSettings())
        return cls(resolved, resolved.fingerprint(), owner)

    def document_id(self, sha256: str) -> str:
        return document_key(sha256, self.fingerprint, self.owner)


def intake_file(
    path: Path,
    *,
    db: Database,
    blobs: BlobStore,
    request: ProcessingRequest,
    limits: RenderLimits = DEFAULT_LIMITS,
    batch_id: str | None = None,
    owner: str | None = None,
    defaults: EngineSettings | None = None,
    keep_refused: bool = True,
) -> IntakeResult:
    """Take one file in (see the module docstring) and commit. Does not enqueue.

    ``defaults`` are the deployment's engine settings that unset options of ``request`` take
    (``None``: read from the environment); ``owner`` scopes deduplication (see
    :func:`schemas.document_key`). ``keep_refused=False`` (the API) stores nothing for a file
    that is not a document or cannot be processed: the result is ``refused`` with the reason.
    The file is read once for its digest and type and opened once more to count its pages."""
    path = Path(path)
    identity = _Identity.of(request, defaults, owner)
    scanned = _scan(db, path, identity, suffix_matters=keep_refused)
    if isinstance(scanned, IntakeResult):
        return scanned
    return _admit(
        path,
        scanned,
        db=db,
        blobs=blobs,
        request=request,
        identity=identity,
        limits=limits,
        batch_id=batch_id,
        keep_refused=keep_refused,
    )


def _scan(db: Database, path: Path, identity: _Identity, *, suffix_matters: bool = True) -> _Scanned | IntakeResult:
    """The file read once, or the result when intake ends here (unreadable, duplicate, not ours)."""
    try:
        if not path.is_file():
            raise FileNotFoundError(2, "not a file" if path.exists() else "no such file")
        sha, size, head = _digest(path)
    except OSError as exc:
        return IntakeResult(path, "failed", None, f"cannot read {path}: {exc.strerror or exc}")
    with db.unit_of_work() as uow:
        existing = uow.documents.get(identity.document_id(sha), counts=False)
    media_type = sniff_media_type(head)
    if existing is not None:
        return IntakeResult(path, "duplicate", existing.id, None, existing.batch_id, media_type=media_type)
    named_like_one = path.suffix.lower() in DOCUMENT_SUFFIXES or not suffix_matters
    if size > 0 and media_type is None and not named_like_one:
        return IntakeResult(path, "skipped", None, f"not a document ({describe_unsupported(head)}); skipped")
    return _Scanned(sha, size, media_type, head)


def _admit(
    path: Path,
    scanned: _Scanned,
    *,
    db: Database,
    blobs: BlobStore,
    request: ProcessingRequest,
    identity: _Identity,
    limits: RenderLimits,
    batch_id: str | None,
    keep_refused: bool = True,
) -> IntakeResult:
    """Store the original and insert the row (``failed`` at once with the reason when refused,
    or nothing at all with ``keep_refused=False``)."""
    sha, size = scanned.sha256, scanned.size
    if scanned.media_type is None and not keep_refused:
        what = "empty" if size == 0 else describe_unsupported(scanned.head)
        return IntakeResult(
            path, "refused", None, f"{path.name} is {what}, not a PDF or an image", refusal="unsupported"
        )
    reason = refusal(path, password=request.password, limits=limits)
    if reason is not None and not keep_refused:
        return IntakeResult(path, "refused", None, reason, refusal="unprocessable", media_type=scanned.media_type)
    blob_key = blobs.put_file(path)
    new = NewDocument(
        id=identity.document_id(sha),
        sha256=sha,
        filename=path.name,
        media_type=scanned.media_type or "application/octet-stream",
        size_bytes=size,
        settings_fingerprint=identity.fingerprint,
        settings=identity.resolved.stored(password=request.password, limits=limits),
        blob_key=blob_key,
        batch_id=batch_id,
        owner=identity.owner,
    )
    with db.unit_of_work() as uow:
        try:
            uow.documents.add(new)
        except DocumentExists:  # a concurrent intake of the same bytes won the race
            return IntakeResult(path, "duplicate", new.id, None, batch_id, media_type=scanned.media_type)
        if reason is not None:
            uow.documents.transition(new.id, "failed", reason=reason)
        uow.commit()
    if reason is not None:
        return IntakeResult(path, "failed", new.id, reason, batch_id, media_type=scanned.media_type)
    return IntakeResult(path, "queued", new.id, None, batch_id, media_type=scanned.media_type)


def submit(
    paths: Iterable[str | Path],
    *,
    db: Database,
    blobs: BlobStore,
    app: TaskApp,
    request: ProcessingRequest | None = None,
    recursive: bool = False,
    glob: str | None = None,
    limits: RenderLimits = DEFAULT_LIMITS,
    on_result: Callable[[IntakeResult], None] | None = None,
    batch_label: str | None = None,
    owner: str | None = None,
    defaults: EngineSettings | None = None,
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
    identity = _Identity.of(request, defaults, owner)
    batch_id: str | None = None
    results: list[IntakeResult] = []
    for path in discover(paths, recursive=recursive, glob=glob):
        scanned = _scan(db, Path(path), identity)
        if isinstance(scanned, IntakeResult):
            result = scanned
        else:
            if batch_id is None:
                batch_settings = identity.resolved.stored(limits=limits)
                with db.unit_of_work() as uow:
                    batch_id = uow.batches.add(batch_label, batch_settings)
                    uow.commit()
            result = _admit(
                Path(path),
                scanned,
                db=db,
                blobs=blobs,
                request=request,
                identity=identity,
                limits=limits,
                batch_id=batch_id,
            )
        results.append(result)
        if result.outcome == "queued" and result.document_id is not None:
            enqueue_document(app, result.document_id)
        if on_result is not None:
            on_result(result)
    return results
