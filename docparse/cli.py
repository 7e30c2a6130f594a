"""The ``docparse`` command: each command is a few lines over the library.

Exit codes: 0 the document is ``done`` or ``partial``; 1 it ``failed`` (the reason is
printed); 2 bad usage; 3 the requested engine cannot start (the message says how to fix it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from docparse import cli_extra, cli_pipeline
from docparse.cli_output import ExportFormat, emit, parse_progress, print_summary

app = typer.Typer(
    name="docparse",
    help="Document intelligence: PDFs and scans -> Qwen2.5-VL QwenVL HTML -> typed, validated blocks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dev_app = typer.Typer(help="Developer tools.", no_args_is_help=True)
app.add_typer(dev_app, name="dev")
err = Console(stderr=True)

EngineOpt = Annotated[
    str | None, typer.Option("--engine", "-e", help="auto | transformers | openai | pdf-text [env DOCPARSE_ENGINE]")
]
FormatOpt = Annotated[ExportFormat, typer.Option("--format", "-f", help="output format")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="file, directory (csv) or .zip; default stdout")]
OverlayOpt = Annotated[bool, typer.Option("--overlay", help="html: draw every box on the page image")]
MinPixOpt = Annotated[int | None, typer.Option("--min-pixels", help="model input pixel budget, lower bound")]
MaxPixOpt = Annotated[int | None, typer.Option("--max-pixels", help="model input pixel budget, upper bound")]
VerboseOpt = Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info logs, -vv debug")]


def _logging(verbose: int, log_json: bool) -> None:
    from docparse.logging_setup import configure_logging

    configure_logging(["WARNING", "INFO", "DEBUG"][min(verbose, 2)], json_lines=log_json)


@app.command()
def parse(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="PDF or image")],
    engine: EngineOpt = None,
    model: Annotated[str | None, typer.Option(help="hub id or local directory of the model")] = None,
    model_spec: Annotated[str | None, typer.Option(help="model preset (see `docparse models`)")] = None,
    openai_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (vLLM ...)")] = None,
    pages: Annotated[str | None, typer.Option(help="pages to parse, e.g. 1-3,7")] = None,
    fmt: FormatOpt = ExportFormat.json,
    output: OutputOpt = None,
    overlay: OverlayOpt = False,
    password: Annotated[str | None, typer.Option(help="password of an encrypted PDF")] = None,
    backend: Annotated[str, typer.Option(help="PDF renderer: pymupdf | pdf2image")] = "pymupdf",
    min_pixels: MinPixOpt = None,
    max_pixels: MaxPixOpt = None,
    max_new_tokens: Annotated[int | None, typer.Option(help="token limit per page (default: the spec's)")] = None,
    no_raw: Annotated[bool, typer.Option("--no-raw", help="json: leave raw model outputs out")] = False,
    box_comments: Annotated[bool, typer.Option("--box-comments", help="md: page and box as HTML comments")] = False,
    verbose: VerboseOpt = 0,
    log_json: Annotated[bool, typer.Option("--log-json", help="logs as JSON lines")] = False,
) -> None:
    """Parse one PDF or image: render -> engine -> parse -> validate -> export. No database or queue."""
    from docparse.convert import parse_file
    from docparse.engines.base import EngineUnavailable
    from docparse.pipeline import PageSelectionError, parse_page_ranges

    _logging(verbose, log_json)
    if backend not in ("pymupdf", "pdf2image"):
        raise typer.BadParameter("use pymupdf or pdf2image", param_hint="--backend")
    try:
        selection = parse_page_ranges(pages) if pages else None
        with parse_progress(err, file.name) as (on_open, on_page):
            outcome = parse_file(
                file,
                engine=engine,
                pages=selection,
                password=password,
                backend=_backend(backend),
                keep_page_images=overlay,
                on_open=on_open,
                on_page=on_page,
                model=model,
                model_spec=model_spec,
                openai_base_url=openai_url,
                min_pixels=min_pixels,
                max_pixels=max_pixels,
                max_new_tokens=max_new_tokens,
            )
    except PageSelectionError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except EngineUnavailable as exc:
        err.print(f"[red]engine unavailable:[/red] {exc}")
        raise typer.Exit(3) from None
    if outcome.notice:
        err.print(f"[yellow]note:[/yellow] {outcome.notice}")
    document = outcome.document
    print_summary(err, document)
    if document.status == "failed" and document.error:
        err.print(f"[red]error:[/red] {file.name}: {document.error}")
        raise typer.Exit(1)
    emit(
        document,
        fmt,
        output,
        overlay=overlay,
        page_images=outcome.page_images,
        raw=not no_raw,
        box_comments=box_comments,
    )
    if document.status == "failed":
        raise typer.Exit(1)


def _backend(name: str) -> Literal["pymupdf", "pdf2image"]:
    return "pdf2image" if name == "pdf2image" else "pymupdf"


@app.command("parse-html")
def parse_html(
    model_output: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="saved QwenVL HTML output")],
    image: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="the original page image")] = None,
    image_size: Annotated[str | None, typer.Option(help="model input size WxH (instead of --image)")] = None,
    convention: Annotated[str, typer.Option(help="qwen2.5 (absolute px) | qwen3 (0..1000)")] = "qwen2.5",
    min_pixels: MinPixOpt = None,
    max_pixels: MaxPixOpt = None,
    fmt: FormatOpt = ExportFormat.json,
    output: OutputOpt = None,
    overlay: OverlayOpt = False,
) -> None:
    """Parse a saved model output (from any Qwen deployment) into blocks."""
    from docparse.saved_output import SavedOutputOptions, parse_saved_output

    if (image is None) == (image_size is None):
        raise typer.BadParameter("give exactly one of --image PAGE or --image-size WxH")
    conventions = {"qwen2.5": "qwen2.5-absolute", "qwen3": "qwen3-relative"}
    if convention not in conventions:
        raise typer.BadParameter("use qwen2.5 or qwen3", param_hint="--convention")
    size = _size(image_size) if image_size else None
    defaults = SavedOutputOptions()
    options = SavedOutputOptions(
        convention="qwen3-relative" if convention == "qwen3" else "qwen2.5-absolute",
        min_pixels=min_pixels or defaults.min_pixels,
        max_pixels=max_pixels or defaults.max_pixels,
        factor=32 if convention == "qwen3" else 28,
    )
    text = model_output.read_text(encoding="utf-8", errors="replace")
    outcome = parse_saved_output(text, name=model_output.name, image=image, image_size=size, options=options)
    print_summary(err, outcome.document)
    emit(outcome.document, fmt, output, overlay=overlay, page_images=outcome.page_images)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise typer.BadParameter("use WxH, e.g. 1008x1540", param_hint="--image-size") from None
    if w <= 0 or h <= 0:
        raise typer.BadParameter("sizes must be positive", param_hint="--image-size")
    return w, h


@app.command()
def models() -> None:
    """List the model presets (specs): model, coordinates, pixel budget, token limit."""
    from rich.table import Table

    from docparse.engines.specs import DEFAULT_SPEC, SPECS

    table = Table("spec", "model", "convention", "min_pixels", "max_pixels", "max_new_tokens")
    for name, spec in SPECS.items():
        label = f"{name} (default)" if name == DEFAULT_SPEC else name
        table.add_row(
            label, spec.model, spec.convention, str(spec.min_pixels), str(spec.max_pixels), str(spec.max_new_tokens)
        )
    Console(width=200 if not sys.stdout.isatty() else None).print(table)


@app.command()
def schema(
    name: Annotated[str, typer.Argument(help="document | block")] = "document",
) -> None:
    """Print the JSON Schema of the output (the checked-in files under schemas/jsonschema/)."""
    from schemas.generate import render, schemas

    key = f"{name}.schema.json"
    available = schemas()
    if key not in available:
        raise typer.BadParameter("use document or block")
    sys.stdout.write(render(available[key]))


@app.command()
def version() -> None:
    """Print the docparse and schema versions."""
    from docparse import __version__
    from schemas import SCHEMA_VERSION

    typer.echo(f"docparse {__version__} (schema {SCHEMA_VERSION})")


@dev_app.command("tiny-model")
def tiny_model(
    directory: Annotated[Path, typer.Argument(help="where to save the tiny model")],
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Build a tiny randomly initialised Qwen2.5-VL (real config, tokenizer, processor) for trying the pipeline."""
    from docparse.engines.tiny_model import build_tiny_model

    path = build_tiny_model(directory, seed=seed)
    typer.echo(
        f"tiny Qwen2.5-VL saved to {path}; try: docparse parse samples/scan.png --engine transformers --model {path}"
    )


cli_pipeline.register(app)
cli_extra.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
