"""What happens to documents after intake: wait for them, reprocess them, cancel them."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from docparse.identity import ResolvedSettings
from docparse.intake.files import UnknownDocument
from schemas import TERMINAL_STATUSES
from storage import Database, DocumentRecord
from workers.client import enqueue_document, enqueue_pages
from workers.names import TaskApp


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


def reprocess(
    db: Database,
    app: TaskApp,
    *,
    ids: Sequence[str] | None = None,
    failed: bool = False,
    pending: bool = False,
    settings: ResolvedSettings | None = None,
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

    ``settings`` (e.g. ``ProcessingRequest(engine="transformers").resolve(defaults)``) become the
    engine settings of each document reprocessed — how pages left ``pending`` by the text layer
    go to a vision-language model. The document keeps its id; each page records the engine and
    model that produced it, and the earlier attempts stay as history.
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
            if settings is not None:
                uow.documents.update_settings(id, settings.stored())  # password and limits stay as stored
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
                continue  # leaving the unit of work uncommitted: settings stay as they were
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
        status = uow.documents.lock(id)
        if status is None:
            raise UnknownDocument(id)
        if status in ("queued", "running"):
            uow.documents.transition(id, "cancelled")
            uow.commit()
        updated = uow.documents.get(id)
    assert updated is not None
    return updated
