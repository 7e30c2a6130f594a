"""``docparse parse`` (one file, in process, no database) and ``docparse parse-html`` (a saved model output)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from docparse.cli.app import (
    EngineOpt,
    FormatOpt,
    MaxPixOpt,
    MinPixOpt,
    ModelOpt,
    ModelSpecOpt,
    OutputOpt,
    OverlayOpt,
    app,
    command,
    err,
)
from docparse.cli.limits import check_budget, render_limits
from docparse.cli.output import ExportFormat, FurnitureOpt, KeepFormulasOpt, emit, parse_progress, print_summary
from docparse.render.document import Backend


@command(app)
def parse(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="PDF or image")],
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_spec: ModelSpecOpt = None,
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
    furniture: FurnitureOpt = False,
    keep_formulas: KeepFormulasOpt = False,
) -> None:
    """Parse one PDF or image: render -> engine -> parse -> validate -> export. No database or queue."""
    from docparse.engines.base import EngineUnavailable
    from docparse.pipeline import PageSelectionError, parse_file, parse_page_ranges

    if backend not in ("pymupdf", "pdf2image"):
        raise typer.BadParameter("use pymupdf or pdf2image", param_hint="--backend")
    limits = render_limits()
    check_budget(
        limits, engine=engine, model=model, model_spec=model_spec, min_pixels=min_pixels, max_pixels=max_pixels
    )
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
                limits=limits,
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
        furniture=furniture,
        keep_formulas=keep_formulas,
    )
    if document.status == "failed":
        raise typer.Exit(1)


def _backend(name: str) -> Backend:
    return "pdf2image" if name == "pdf2image" else "pymupdf"


@command(app, "parse-html")
def parse_html(
    model_output: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="saved QwenVL HTML output")],
    image: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="the original page image")] = None,
    image_size: Annotated[str | None, typer.Option(help="model input size WxH (instead of --image)")] = None,
    convention: Annotated[
        str | None, typer.Option(help="qwen2.5 (absolute px) | qwen3 (0..1000): the first preset of that family")
    ] = None,
    model_spec: ModelSpecOpt = None,
    min_pixels: MinPixOpt = None,
    max_pixels: MaxPixOpt = None,
    fmt: FormatOpt = ExportFormat.json,
    output: OutputOpt = None,
    overlay: OverlayOpt = False,
) -> None:
    """Parse a saved model output (from any Qwen deployment) into blocks.

    The model preset (``--model-spec``, or the first preset of ``--convention``'s family; default
    Qwen2.5-VL) says how boxes are written and the pixel budget and patch size of the input."""
    from docparse.engines.specs import DEFAULT_SPEC, SPECS, get_spec
    from docparse.saved_output import SavedOutputOptions, parse_saved_output

    if (image is None) == (image_size is None):
        raise typer.BadParameter("give exactly one of --image PAGE or --image-size WxH")
    families = {"qwen2.5": "qwen2.5-absolute", "qwen3": "qwen3-relative"}
    if convention is not None and convention not in families:
        raise typer.BadParameter("use qwen2.5 or qwen3", param_hint="--convention")
    if model_spec is not None:
        try:
            spec = get_spec(model_spec)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--model-spec") from None
    elif convention is not None:
        spec = next(s for s in SPECS.values() if s.convention == families[convention])
    else:
        spec = get_spec(DEFAULT_SPEC)
    size = _size(image_size) if image_size else None
    check_budget(render_limits(), model_spec=spec.name, min_pixels=min_pixels, max_pixels=max_pixels)
    options = SavedOutputOptions(
        convention=spec.convention,
        min_pixels=min_pixels or spec.min_pixels,
        max_pixels=max_pixels or spec.max_pixels,
        factor=spec.patch_factor,
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
