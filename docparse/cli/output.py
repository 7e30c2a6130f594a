"""Console helpers of the CLI: progress bars, summaries, and writing exports."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas import Document, Page


class ExportFormat(StrEnum):
    json = "json"
    html = "html"
    csv = "csv"
    md = "md"
    xlsx = "xlsx"


FurnitureOpt = Annotated[
    bool, typer.Option("--furniture", help="md/html: keep running headers, footers and page numbers in the text")
]
KeepFormulasOpt = Annotated[
    bool,
    typer.Option(
        "--keep-formulas",
        help="csv: write cells verbatim (default: cells a spreadsheet would run as formulas, =, +, -, @, tab, CR, "
        "numbers excepted, get a leading ')",
    ),
]


@contextmanager
def parse_progress(console: Console, label: str) -> Iterator[tuple[Callable[[int], None], Callable[[Page], None]]]:
    """A page progress bar on stderr; yields the ``on_open``/``on_page`` callbacks of the pipeline."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task(label, total=None)
    with progress:

        def on_open(total: int) -> None:
            progress.update(task, total=total)

        def on_page(page: Page) -> None:
            progress.advance(task)

        yield on_open, on_page


def page_reasons(page: Page, *, codes: bool = False) -> str:
    """Why a page is what it is: its warnings and errors, plus the notes of a page that waits
    (``pending``: e.g. "needs a vision-language model"); each message once, in order."""
    shown = [i for i in page.issues if i.severity != "info" or page.status == "pending"]
    return "; ".join(dict.fromkeys(f"{i.code}: {i.message}" if codes else i.message for i in shown))


def print_summary(console: Console, document: Document) -> None:
    """One line per document plus one per page that is not ``ok``, on stderr."""
    counts: dict[str, int] = {}
    for page in document.pages:
        counts[page.status] = counts.get(page.status, 0) + 1
    pages = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no pages"
    blocks = sum(len(p.blocks) for p in document.pages)
    console.print(f"{document.filename}: [bold]{document.status}[/bold] ({pages}; {blocks} blocks)")
    for page in document.pages:
        if page.status != "ok":
            console.print(f"  page {page.number}: {page.status}: {page_reasons(page) or '-'}", highlight=False)


def emit(
    document: Document,
    fmt: ExportFormat,
    output: Path | None,
    *,
    overlay: bool = False,
    page_images: Mapping[int, tuple[bytes, str]] | None = None,
    raw: bool = True,
    box_comments: bool = False,
    furniture: bool = False,
    keep_formulas: bool = False,
) -> list[Path]:
    """Write ``document`` in ``fmt`` to ``output`` (file, directory, .zip) or stdout (xlsx: not
    to a terminal). ``furniture``: md/html keep running headers, footers and page numbers."""
    from docparse.export import ExportOptions, write_export

    if fmt is ExportFormat.xlsx and output is None and sys.stdout.isatty():
        raise typer.BadParameter("xlsx is binary: give -o FILE.xlsx (or redirect stdout)", param_hint="--output")
    options = ExportOptions(
        overlay=overlay,
        page_images=dict(page_images or {}),
        include_raw=raw,
        md_box_comments=box_comments,
        furniture=furniture,
        neutralize_formulas=not keep_formulas,
    )
    return write_export(document, fmt.value, output, options, sys.stdout)
