"""The pipeline commands: ingest, status, cancel, reprocess, export, worker, db upgrade.

Each is a few lines over :mod:`docparse.intake`, :mod:`storage` and :mod:`workers`; the
console rendering lives in :mod:`docparse.cli.tables`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from docparse.cli.app import EngineOpt, MaxPixOpt, MinPixOpt, ModelOpt, ModelSpecOpt, app, command, db_app, err
from docparse.cli.limits import check_budget, render_limits
from docparse.cli.output import ExportFormat, FurnitureOpt, KeepFormulasOpt
from docparse.cli.review import StoredExportFormat

if TYPE_CHECKING:  # pragma: no cover
    from docparse.services import Services

out = Console(width=None if sys.stdout.isatty() else 160)  # tables stay readable in logs and pipes


def _services() -> Services:
    """The services of this command, with the database prepared (see :meth:`Services.prepare`)."""
    from docparse.services import Services
    from storage import SchemaOutdated

    services = Services.from_env()
    try:
        services.prepare()
    except SchemaOutdated as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return services


def _check_blob_store(services: Services, *, exit_code: int = 1, transient_ok: bool = False) -> None:
    """Exit ``exit_code`` with the reason when the blob store cannot be used (a missing bucket, bad
    credentials, an endpoint that does not answer unless ``transient_ok``), before any work."""
    from rich.markup import escape

    from storage import BlobStoreError, BlobStoreUnavailable

    try:
        services.blobs.check()
    except BlobStoreError as exc:
        where, why = escape(services.blobs.url), escape(str(exc))
        if transient_ok and isinstance(exc, BlobStoreUnavailable):
            err.print(f"[yellow]blob store {where} not answering (tasks retry):[/yellow] {why}")
            return
        err.print(f"[red]blob store {where} unusable:[/red] {why}")
        raise typer.Exit(exit_code) from None


@command(app)
def ingest(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="files and folders")],
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="walk folders recursively")] = False,
    glob: Annotated[str | None, typer.Option(help="only files matching this pattern, e.g. '*.pdf'")] = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_spec: ModelSpecOpt = None,
    min_pixels: MinPixOpt = None,
    max_pixels: MaxPixOpt = None,
    password: Annotated[str | None, typer.Option(help="password for encrypted PDFs")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="with a broker: wait until every document is done")] = False,
    timeout: Annotated[float | None, typer.Option(help="--wait: give up after this many seconds")] = None,
) -> None:
    """Ingest files and folders: deduplicate, store, queue, and (embedded or --wait) process them."""
    from docparse.cli.tables import IngestProgress, print_ingest_summary
    from docparse.intake import ProcessingRequest, submit
    from docparse.intake import wait as wait_until_done

    try:  # options left out stay None: the deployment's configured values decide (as for API uploads)
        request = ProcessingRequest(
            engine=engine,
            model_spec=model_spec,
            model=model,
            min_pixels=min_pixels,
            max_pixels=max_pixels,
            password=password,
        )
    except (KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc.args[0] if exc.args else exc)) from None
    limits = render_limits()
    check_budget(
        limits, engine=engine, model=model, model_spec=model_spec, min_pixels=min_pixels, max_pixels=max_pixels
    )
    services = _services()
    _check_blob_store(services)
    with IngestProgress(err) as progress:
        results = submit(
            paths,
            db=services.db,
            blobs=services.blobs,
            app=services.app,
            request=request,
            recursive=recursive,
            glob=glob,
            on_result=progress.on_result,
            limits=limits,
        )
        ids = [r.document_id for r in results if r.document_id]
        if ids and (wait or services.embedded):
            try:
                wait_until_done(services.db, ids, timeout_s=timeout, on_progress=progress.on_records)
            except TimeoutError as exc:
                err.print(f"[red]timeout:[/red] {exc}")
                raise typer.Exit(1) from None
    failed = print_ingest_summary(out, services.db, results)
    if failed:
        raise typer.Exit(1)


@command(app)
def status(
    document_id: Annotated[str | None, typer.Argument(help="a document id; omit to list documents")] = None,
    state: Annotated[str | None, typer.Option("--status", help="list only documents in this status")] = None,
    limit: Annotated[int, typer.Option(help="how many documents to list")] = 50,
) -> None:
    """Show one document (per-page status and reasons) or list documents."""
    from docparse.cli.tables import print_document_list, print_document_status

    services = _services()
    if document_id is None:
        print_document_list(out, services.db, status=state, limit=limit)
        return
    if not print_document_status(out, services.db, document_id):
        err.print(f"[red]no document {document_id}[/red]")
        raise typer.Exit(1)


@command(app)
def cancel(document_id: Annotated[str, typer.Argument(help="the document to cancel")]) -> None:
    """Cancel a document: queued and running pages stop; what is done is kept."""
    from docparse.intake import cancel as cancel_document

    try:
        record = cancel_document(_services().db, document_id)
    except KeyError:
        err.print(f"[red]no document {document_id}[/red]")
        raise typer.Exit(1) from None
    out.print(f"{record.id}: {record.status}")


@command(app)
def reprocess(
    document_ids: Annotated[list[str] | None, typer.Argument(help="documents to redo entirely")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="redo failed pages and failed documents")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="redo pages left pending (waiting for a model)")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="with a broker: wait until done")] = False,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_spec: ModelSpecOpt = None,
) -> None:
    """Redo what is named: whole documents, or every failed / pending page.

    With ``--engine``/``--model``/``--model-spec`` the documents run with those settings from now
    on (e.g. ``--pending --engine transformers`` once a model is available); without, they keep
    the settings they were taken in with."""
    from docparse.engines.settings import EngineSettings
    from docparse.intake import ProcessingRequest
    from docparse.intake import reprocess as reprocess_documents
    from docparse.intake import wait as wait_until_done

    if not document_ids and not failed and not pending:
        raise typer.BadParameter("name document ids, or --failed / --pending")
    services = _services()
    settings = None
    if engine or model or model_spec:
        try:
            request = ProcessingRequest(engine=engine, model=model, model_spec=model_spec)
        except (KeyError, ValueError) as exc:
            raise typer.BadParameter(str(exc.args[0] if exc.args else exc)) from None
        settings = request.resolve(EngineSettings())
    try:
        redone = reprocess_documents(
            services.db, services.app, ids=document_ids or None, failed=failed, pending=pending, settings=settings
        )
    except KeyError as exc:
        err.print(f"[red]no document {exc.args[0]}[/red]")
        raise typer.Exit(1) from None
    for document_id, pages in redone:
        out.print(f"{document_id}: {len(pages)} page(s) queued again")
    if not redone:
        out.print("nothing to reprocess")
    if redone and wait and not services.embedded:
        wait_until_done(services.db, [d for d, _ in redone])


@command(app)
def export(
    document_ids: Annotated[list[str] | None, typer.Argument(help="document ids")] = None,
    all_documents: Annotated[bool, typer.Option("--all", help="every finished document")] = False,
    stored_fmt: Annotated[
        StoredExportFormat, typer.Option("--format", "-f", help="output format (omnidocbench, qwenvl: data sets)")
    ] = StoredExportFormat.json,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file, directory or .zip")] = None,
    overlay: Annotated[bool, typer.Option("--overlay", help="html: draw every box on the page image")] = False,
    no_raw: Annotated[bool, typer.Option("--no-raw", help="json: leave raw model outputs out")] = False,
    reviewed: Annotated[bool, typer.Option("--reviewed", help="data sets: only pages a person reviewed")] = False,
    model_spec: ModelSpecOpt = None,
    furniture: FurnitureOpt = False,
    keep_formulas: KeepFormulasOpt = False,
) -> None:
    """Export stored documents as JSON, HTML, CSV, Markdown or XLSX (several: -o must be a directory), or
    as a data set: OmniDocBench ground truth + page images (omnidocbench), QwenVL HTML fine-tuning
    pairs in --model-spec's convention (qwenvl)."""
    from docparse.cli.output import emit
    from docparse.cli.review import export_dataset
    from docparse.cli.tables import load_for_export

    services = _services()
    if stored_fmt.is_dataset:
        export_dataset(services, document_ids or [], all_documents, stored_fmt, output, reviewed, model_spec)
        return
    fmt = ExportFormat(stored_fmt.value)
    documents = load_for_export(services.db, services.blobs, document_ids or [], all_documents, overlay, not no_raw)
    if documents is None:
        err.print("[red]no such document(s); see `docparse status`[/red]")
        raise typer.Exit(1)
    if len(documents) > 1 and (output is None or output.suffix):
        raise typer.BadParameter("several documents need -o DIRECTORY", param_hint="--output")
    for document, images in documents:
        target = output
        if len(documents) > 1 and output is not None:
            target = output / f"{document.filename}.{fmt.value}"
            if fmt is ExportFormat.csv:  # blocks.csv + tables/*.csv in a folder per document
                target.mkdir(parents=True, exist_ok=True)
        emit(
            document,
            fmt,
            target,
            overlay=overlay,
            page_images=images,
            raw=not no_raw,
            furniture=furniture,
            keep_formulas=keep_formulas,
        )
        if target is not None:
            err.print(f"{document.id} -> {target}")


@command(app)
def worker(
    queues: Annotated[str, typer.Option(help="comma-separated queues: render,infer")] = "render,infer",
    processes: Annotated[
        int | None,
        typer.Option(help="worker processes on this host (default: one per core, at most 4; 1 for transformers)"),
    ] = None,
    in_flight: Annotated[
        int | None,
        typer.Option(
            "--in-flight",
            help="pages in flight on this host, over all processes: for openai, requests at the server "
            "(default DOCPARSE_OPENAI_MAX_IN_FLIGHT, 64; each process holds --render-ahead times its share); "
            "2 x DOCPARSE_BATCH_SIZE for transformers; 2 per process otherwise",
        ),
    ] = None,
    render_ahead: Annotated[
        float | None,
        typer.Option(
            "--render-ahead",
            help="openai: pages each process holds (claimed, rendered, at the server, being saved) as a multiple "
            "of its share of the server's requests (default DOCPARSE_RENDER_AHEAD, 2): more keeps the server "
            "fuller, at about 6 MB per rendered page",
        ),
    ] = None,
    pool: Annotated[
        str, typer.Option(help="threads (many pages per process) or prefork (one page per child process)")
    ] = "threads",
    concurrency: Annotated[int | None, typer.Option(help="deprecated alias of --processes", hidden=True)] = None,
    loglevel: Annotated[str, typer.Option(help="celery log level")] = "INFO",
) -> None:
    """Start docparse workers: PROCESSES Celery worker processes with IN-FLIGHT pages between them
    (needs DOCPARSE_BROKER_URL); a process that dies is started again."""
    from workers.capacity import plan
    from workers.supervisor import run

    if pool not in ("threads", "prefork"):
        raise typer.BadParameter("--pool must be threads or prefork")
    services = _services()
    if services.embedded:
        err.print("[red]no broker:[/red] set DOCPARSE_BROKER_URL (e.g. redis://localhost:6379/0) to run workers")
        raise typer.Exit(2)
    _check_blob_store(services, exit_code=4, transient_ok=True)  # 4: workers.worker.EXIT_BLOB_STORE_UNUSABLE
    chosen = plan(
        processes=processes or concurrency,
        in_flight=in_flight,
        render_ahead=_render_ahead(services, render_ahead),
    )
    held = f" ({chosen.threads} pages held per process)" if chosen.requests_per_process and pool == "threads" else ""
    threads = chosen.threads if pool == "threads" else 1
    err.print(
        f"docparse worker: {chosen.processes} process(es) x {threads} thread(s), "
        f"{chosen.in_flight} pages in flight{held}, pool {pool}"
    )
    raise typer.Exit(run(chosen, queues=queues, loglevel=loglevel, pool=pool))


def _render_ahead(services: Services, option: float | None) -> float:
    """``--render-ahead`` checked by the bounds of ``DOCPARSE_RENDER_AHEAD``'s field, else that setting."""
    if option is None:
        return services.workers.render_ahead
    from pydantic import TypeAdapter, ValidationError

    field = type(services.workers).model_fields["render_ahead"]
    try:
        return float(TypeAdapter(Annotated[float, field]).validate_python(option))
    except ValidationError as exc:
        raise typer.BadParameter(exc.errors()[0]["msg"], param_hint="--render-ahead") from None


@command(db_app, "upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version (Alembic)."""
    from sqlalchemy.engine import make_url

    from docparse.services import Services

    services = Services.from_env()
    services.db.upgrade()
    shown = make_url(services.storage.database_url).render_as_string(hide_password=True)
    out.print(f"database {shown} is up to date")


@command(db_app, "gc")
def db_gc(
    older_than: Annotated[
        float, typer.Option(help="only blobs written more than this many seconds ago (uploads in progress are safe)")
    ] = 3600.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list the orphaned blobs, delete nothing")] = False,
) -> None:
    """Delete blobs (originals, page images, raw outputs) that no document, page or attempt references."""
    from storage.blob_gc import collect

    services = _services()
    _check_blob_store(services)
    found = collect(services.db, services.blobs, older_than_s=older_than, dry_run=dry_run)
    for key in found.orphans if dry_run else []:
        out.print(key)
    done = f"would delete {len(found.orphans)}" if dry_run else f"deleted {found.deleted}"
    out.print(f"{found.scanned} blob(s) scanned, {len(found.orphans)} orphaned, {done}")
