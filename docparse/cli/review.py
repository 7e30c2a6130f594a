"""``docparse review ...``: the review queue, accept, flag, history and reviewer assignments, on
the configured database (the same storage calls as the review API); and the data-set exports
(``docparse export --format omnidocbench | qwenvl``).

Corrections themselves are made in the viewer (or with ``PUT .../pages/{n}/blocks``); from the
command line a person accepts, flags and assigns. The acting name is ``--as`` (default: the
``USER`` environment variable), recorded as the reviewer. An accept runs the document pass
again, as the API does after a correction or an accept, so the document's tables and
structure follow its pages' chosen results.
"""

from __future__ import annotations

import getpass
import sys
import zipfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from docparse.cli.app import app, command, err

if TYPE_CHECKING:  # pragma: no cover
    from docparse.services import Services

review_app = typer.Typer(help="Review pages: the queue, accept, flag, history, reviewers.", no_args_is_help=True)
app.add_typer(review_app, name="review")
out = Console(width=None if sys.stdout.isatty() else 160)
AsOpt = Annotated[str | None, typer.Option("--as", help="who acts (default: $USER)")]


class StoredExportFormat(StrEnum):
    """``docparse export`` formats: the exporters', plus the data sets built from reviewed pages."""

    json = "json"
    html = "html"
    csv = "csv"
    md = "md"
    xlsx = "xlsx"
    omnidocbench = "omnidocbench"
    qwenvl = "qwenvl"

    @property
    def is_dataset(self) -> bool:
        return self in (StoredExportFormat.omnidocbench, StoredExportFormat.qwenvl)


def _services() -> Services:
    """The services with the database prepared, as every pipeline command gets them."""
    from docparse.cli.pipeline import _services as prepared

    return prepared()


def _who(name: str | None) -> str:
    return name or getpass.getuser() or "cli"


@command(review_app, "list")
def review_list(
    batch: Annotated[str | None, typer.Option(help="only this batch")] = None,
    document: Annotated[str | None, typer.Option(help="only this document")] = None,
    issue_code: Annotated[str | None, typer.Option(help="only pages with this issue code")] = None,
    owner: Annotated[str | None, typer.Option(help="only documents of this owner")] = None,
    reviewer: Annotated[str | None, typer.Option(help="only documents assigned to this reviewer")] = None,
    limit: Annotated[int, typer.Option(help="how many pages to show")] = 50,
) -> None:
    """The pages that need a look, most urgent first (flagged, failed, partial, errors, low
    agreement between attempts, warnings)."""
    with _services().db.unit_of_work() as uow:
        total, entries = uow.review_queue.entries(
            owner=owner, assigned_to=reviewer, batch_id=batch, document_id=document, issue_code=issue_code, limit=limit
        )
    table = Table("document", "file", "page", "status", "priority", "why", title=f"{len(entries)} of {total} page(s)")
    table.columns[0].no_wrap = True
    for e in entries:
        table.add_row(e.document_id, e.filename, str(e.number), e.status, str(e.priority), "; ".join(e.reasons))
    out.print(table)


@command(review_app, "accept")
def review_accept(
    document_id: Annotated[str, typer.Argument(help="the document")],
    page: Annotated[int, typer.Argument(help="the page number", min=1)],
    who: AsOpt = None,
) -> None:
    """Accept a page as it is: status ok, reviewed; the document's tables and structure are
    computed again from its pages' chosen results."""
    from storage import NotReviewable, PageNotFound
    from workers.document_pass import run_document_pass

    db = _services().db
    with db.unit_of_work() as uow:
        try:
            token = uow.reviews.state(document_id, page).token
            state = uow.reviews.accept(document_id, page, reviewer=_who(who), expected=token)
        except (PageNotFound, NotReviewable) as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        uow.commit()
    run_document_pass(db, document_id)  # as the review API does; a failure is logged, never fatal
    out.print(f"{document_id} page {page}: {state.status}, reviewed by {state.reviewed_by}")


@command(review_app, "flag")
def review_flag(
    document_id: Annotated[str, typer.Argument(help="the document")],
    page: Annotated[int, typer.Argument(help="the page number", min=1)],
    reason: Annotated[str, typer.Argument(help="why it needs a look")] = "flagged",
    clear: Annotated[bool, typer.Option("--clear", help="withdraw the flag")] = False,
    who: AsOpt = None,
) -> None:
    """Flag a page for review (it leads the queue until someone reviews it)."""
    from storage import PageNotFound

    with _services().db.unit_of_work() as uow:
        try:
            state = uow.reviews.flag(document_id, page, by=_who(who), reason=None if clear else reason)
        except PageNotFound as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        uow.commit()
    out.print(f"{document_id} page {page}: " + (f"flagged: {state.flag}" if state.flag else "not flagged"))


@command(review_app, "history")
def review_history(
    document_id: Annotated[str, typer.Argument(help="the document")],
    page: Annotated[int, typer.Argument(help="the page number", min=1)],
) -> None:
    """Every attempt of a page, model runs then human corrections, with who and when."""
    from storage import PageNotFound

    with _services().db.unit_of_work() as uow:
        try:
            versions = uow.reviews.history(document_id, page)
            state = uow.reviews.state(document_id, page)
        except PageNotFound as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    table = Table("attempt", "kind", "by", "when", "chosen", "status", "blocks")
    for v in versions:
        a = v.attempt
        by = a.reviewer if a.kind == "human" else (a.model or a.engine)
        when = a.created_at.strftime("%Y-%m-%d %H:%M:%S") if a.created_at else "-"
        blocks = str(len(v.blocks)) if v.blocks is not None else "-"
        table.add_row(str(a.index), a.kind, by or "-", when, "yes" if a.chosen else "", v.status or "-", blocks)
    out.print(table)
    if state.reviewed and state.reviewed_at is not None:
        out.print(f"reviewed by {state.reviewed_by} at {state.reviewed_at:%Y-%m-%d %H:%M:%S}")
    if state.flag:
        out.print(f"flagged by {state.flagged_by}: {state.flag}")


@command(review_app, "assign")
def review_assign(
    document_id: Annotated[str, typer.Argument(help="the document")],
    reviewer: Annotated[str, typer.Argument(help="a reviewer key's name (DOCPARSE_API_REVIEWER_KEYS)")],
    remove: Annotated[bool, typer.Option("--remove", help="withdraw the assignment")] = False,
    who: AsOpt = None,
) -> None:
    """Let a reviewer review a document (or, with --remove, no longer)."""
    with _services().db.unit_of_work() as uow:
        if uow.documents.get(document_id) is None:
            err.print(f"[red]no document {document_id}[/red]")
            raise typer.Exit(1)
        if remove:
            uow.assignments.unassign(document_id, reviewer)
        else:
            uow.assignments.assign(document_id, reviewer, by=_who(who))
        names = [a.reviewer for a in uow.assignments.of_document(document_id)]
        uow.commit()
    out.print(f"{document_id} reviewers: {', '.join(names) or '-'}")


def export_dataset(
    services: Services,
    ids: list[str],
    all_documents: bool,
    fmt: StoredExportFormat,
    output: Path | None,
    reviewed_only: bool,
    model_spec: str | None,
) -> None:
    """``docparse export --format omnidocbench | qwenvl``: write the data set to a folder or a ``.zip``."""
    from docparse.cli.tables import load_for_export
    from docparse.engines.settings import EngineSettings
    from docparse.engines.specs import get_spec
    from docparse.export.datasets import Prompt, omnidocbench_files, training_pairs_files

    if output is None:
        raise typer.BadParameter("a data set needs -o DIRECTORY or -o FILE.zip", param_hint="--output")
    documents = load_for_export(services.db, services.blobs, ids, all_documents, True, False)
    if documents is None:
        err.print("[red]no such document(s); see `docparse status`[/red]")
        raise typer.Exit(1)
    if fmt is StoredExportFormat.omnidocbench:
        files = omnidocbench_files(documents, reviewed_only=reviewed_only)
    else:
        spec = get_spec(model_spec or EngineSettings().model_spec)
        prompt = Prompt(user=spec.user_prompt, system=spec.system_prompt, convention=spec.convention)
        files = training_pairs_files(documents, prompt, reviewed_only=reviewed_only)
    written = 0
    if output.suffix.lower() == ".zip":
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(name, data)
                written += 1
    else:
        for name, data in files:
            target = output / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written += 1
    err.print(f"{fmt.value}: {written} file(s) -> {output}")
