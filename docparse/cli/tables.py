"""Console views of the pipeline commands: ingest progress and summary, status tables, export loading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from docparse.cli.output import page_reasons
from schemas import TERMINAL_STATUSES, Document

if TYPE_CHECKING:  # pragma: no cover
    from docparse.intake import IntakeResult
    from storage import BlobStore, Database, DocumentRecord


class IngestProgress:
    """Two bars on stderr: files taken in (queued / duplicate / failed) and pages done."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._files: TaskID = self._progress.add_task("files", total=None, note="")
        self._pages: TaskID = self._progress.add_task("pages", total=None, note="")
        self._counts: dict[str, int] = {}

    def __enter__(self) -> IngestProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.__exit__(kind, value, tb)

    def on_result(self, result: IntakeResult) -> None:
        self._counts[result.outcome] = self._counts.get(result.outcome, 0) + 1
        note = ", ".join(f"{n} {k}" for k, n in sorted(self._counts.items()))
        self._progress.update(self._files, advance=1, note=note)

    def on_records(self, records: Mapping[str, DocumentRecord]) -> None:
        total = sum(r.page_count or 0 for r in records.values())
        done = sum(r.pages_processed for r in records.values())
        failed = sum(r.page_counts.get("failed", 0) for r in records.values())
        note = f"{failed} failed" if failed else ""
        self._progress.update(self._pages, total=total or None, completed=done, note=note)


def print_ingest_summary(console: Console, db: Database, results: Sequence[IntakeResult]) -> int:
    """A table of every file: outcome, document, status, pages, reason. Returns how many failed."""
    table = Table("file", "intake", "document", "status", "pages", "reason", title="docparse ingest")
    table.columns[2].no_wrap = True
    failed = 0
    with db.unit_of_work() as uow:
        for result in results:
            record = uow.documents.get(result.document_id) if result.document_id else None
            status = record.status if record else "-"
            failed += status == "failed" or result.outcome == "failed"
            pages = _pages_cell(record) if record else "-"
            reason = result.reason or (record.error if record and record.error else "") or _page_reasons(record)
            table.add_row(result.path.name, result.outcome, result.document_id or "-", status, pages, reason)
    console.print(table)
    return failed


def _pages_cell(record: DocumentRecord) -> str:
    if record.page_count is None:
        return "-"
    counts = ", ".join(f"{n} {k}" for k, n in sorted(record.page_counts.items()) if n)
    return f"{record.page_count} ({counts})" if counts else str(record.page_count)


def _page_reasons(record: DocumentRecord | None) -> str:
    if record is None or record.status == "done":
        return ""
    pending = record.page_counts.get("pending", 0)
    if record.status in TERMINAL_STATUSES and pending:
        return f"{pending} page(s) pending: need a vision-language model"
    return ""


def print_document_list(console: Console, db: Database, *, status: str | None, limit: int) -> None:
    with db.unit_of_work() as uow:
        records = uow.documents.list(status=status, limit=limit)
        total = uow.documents.count(status=status)
    table = Table("document", "file", "status", "pages", "updated", title=f"{len(records)} of {total} document(s)")
    table.columns[0].no_wrap = True
    for r in records:
        table.add_row(r.id, r.filename, r.status, _pages_cell(r), r.updated_at.strftime("%Y-%m-%d %H:%M:%S"))
    console.print(table)


def print_document_status(console: Console, db: Database, document_id: str) -> bool:
    with db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        document = uow.documents.load(document_id, include_raw=False) if record else None
    if record is None or document is None:
        return False
    console.print(f"[bold]{record.filename}[/bold] ({record.id}): {record.status}  pages: {_pages_cell(record)}")
    if record.error:
        console.print(f"  error: {record.error}", highlight=False)
    table = Table("page", "status", "engine", "blocks", "attempts", "issues")
    for page in document.pages:
        issues = page_reasons(page, codes=True)
        counts = (str(len(page.blocks)), str(len(page.attempts)))
        table.add_row(str(page.number), page.status, page.engine or "-", *counts, issues)
    console.print(table)
    return True


def load_for_export(
    db: Database,
    blobs: BlobStore,
    ids: Sequence[str],
    all_documents: bool,
    with_images: bool,
    include_raw: bool,
) -> list[tuple[Document, dict[int, tuple[bytes, str]]]] | None:
    """The documents to export with their page images (for overlays); ``None`` if an id is unknown."""
    from docparse.render import HEAD_BYTES, sniff_media_type

    found: list[tuple[Document, dict[int, tuple[bytes, str]]]] = []
    with db.unit_of_work() as uow:
        if all_documents:
            ids = [r.id for r in uow.documents.list(limit=1_000_000) if r.status in TERMINAL_STATUSES]
        for document_id in ids:
            document = uow.documents.load(document_id, include_raw=include_raw)
            if document is None:
                return None
            images: dict[int, tuple[bytes, str]] = {}
            if with_images:
                for page in document.pages:
                    key = uow.pages.image_key(document_id, page.number)
                    if key and blobs.exists(key):
                        data = blobs.get(key)  # JPEG, or the PNG an HTTP engine sent the model
                        images[page.number] = (data, sniff_media_type(data[:HEAD_BYTES]) or "image/jpeg")
            found.append((document, images))
    return found
