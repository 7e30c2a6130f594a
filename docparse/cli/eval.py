"""``docparse eval``: score predictions (or an engine run on the ground truth's pages) against ground truth."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from docparse.cli.app import EngineOpt, ModelOpt, ModelSpecOpt, app, command, err

_PROTOCOLS = ("auto", "docparse", "omnidocbench")


def _types(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    return tuple(t.strip() for t in value.split(",") if t.strip())


def _groups(values: list[str] | None) -> dict[str, str]:
    groups: dict[str, str] = {}
    for value in values or []:
        block_type, sep, group = value.partition("=")
        if not sep or not block_type.strip() or not group.strip():
            raise typer.BadParameter(f"{value!r}: use TYPE=GROUP, e.g. heading=text", param_hint="--type-group")
        groups[block_type.strip()] = group.strip()
    return groups


def _images_dir(gold: Path, images: Path | None) -> Path:
    if images is not None:
        return images
    for candidate in (gold.parent / "images", gold.parent.parent / "images"):
        if candidate.is_dir():
            return candidate
    raise typer.BadParameter("no images/ folder beside GOLD; give --images", param_hint="--images")


def _engine_predictions(
    gold: Path, images: Path, settings: Mapping[str, object], save: Path | None
) -> dict[str, str | None]:
    """Parse every ground-truth page image with one engine; Markdown per image name (``None``: no image)."""
    from docparse.engines.base import EngineUnavailable
    from docparse.engines.factory import create_engine
    from docparse.engines.settings import EngineSettings
    from docparse.eval.odb.gold import image_name
    from docparse.eval.odb.predictions import document_markdown
    from docparse.eval.odb.protocol import load_gold
    from docparse.pipeline import parse_file

    updates = {k: v for k, v in settings.items() if v is not None}
    try:
        choice = create_engine(EngineSettings().model_copy(update=updates))
    except EngineUnavailable as exc:
        err.print(f"[red]engine unavailable:[/red] {exc}")
        raise typer.Exit(1) from None
    found: dict[str, str | None] = {}
    for entry in load_gold(gold):
        name = image_name(entry)
        path = images / name
        if not path.is_file():
            found[name] = None
            continue
        markdown = document_markdown(parse_file(path, engine=choice.engine).document)
        found[name] = markdown
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"{path.stem}.md").write_text(markdown, encoding="utf-8")
    return found


@command(app, "eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(exists=True, help="ground truth: OmniDocBench JSON, or docparse JSON")],
    pred: Annotated[
        Path | None,
        typer.Argument(exists=True, help="predictions: folder of .md / docparse .json / QwenVL .html, or one file"),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the report as JSON here")] = None,
    protocol: Annotated[str, typer.Option(help="auto | omnidocbench | docparse (auto: by GOLD)")] = "auto",
    engine: EngineOpt = None,
    model: ModelOpt = None,
    model_spec: ModelSpecOpt = None,
    images: Annotated[Path | None, typer.Option(help="--engine: page images (default: images/ beside GOLD)")] = None,
    save_predictions: Annotated[
        Path | None, typer.Option(help="--engine: also write each page's Markdown here")
    ] = None,
    min_pixels: Annotated[int | None, typer.Option(help="--engine: least pixels per page (default: preset's)")] = None,
    max_pixels: Annotated[int | None, typer.Option(help="--engine: most pixels per page (default: preset's)")] = None,
    max_new_tokens: Annotated[int | None, typer.Option(help="--engine: token limit per page")] = None,
    ignore_types: Annotated[str | None, typer.Option(help="docparse protocol: types left out of text/order")] = None,
    text_skip_types: Annotated[str | None, typer.Option(help="docparse protocol: types left out of page text")] = None,
    type_group: Annotated[list[str] | None, typer.Option(help="docparse protocol: TYPE=GROUP for matching")] = None,
    strip_markup: Annotated[
        bool, typer.Option("--strip-markup", help="docparse protocol: drop md/LaTeX marks")
    ] = False,
    iou_threshold: Annotated[float, typer.Option(help="docparse protocol: IoU for a detection match")] = 0.5,
) -> None:
    """Score predictions against ground truth. OmniDocBench ground truth is scored with OmniDocBench's own
    end-to-end protocol (text/formula/table/reading-order edit distances, TEDS); docparse JSON with the
    box-aware docparse protocol (detection P/R/F1, per-type text). With --engine, each ground-truth page
    image is parsed first and then scored."""
    from docparse.eval import EvalConfig, EvalInputError, render_table, run
    from docparse.eval.runner import run_omnidocbench, uses_omnidocbench

    if protocol not in _PROTOCOLS:
        raise typer.BadParameter("use auto, omnidocbench or docparse", param_hint="--protocol")
    defaults = EvalConfig()
    config = EvalConfig(
        protocol=protocol,
        ignore_types=_types(ignore_types, defaults.ignore_types),
        text_skip_types=_types(text_skip_types, defaults.text_skip_types),
        type_groups=_groups(type_group),
        strip_markup=strip_markup,
        iou_threshold=iou_threshold,
    )
    try:
        if engine is not None:
            if pred is not None or not uses_omnidocbench(gold, config):
                raise typer.BadParameter("--engine takes OmniDocBench GOLD and no PRED", param_hint="--engine")
            settings = {
                "engine": engine,
                "model": model,
                "model_spec": model_spec,
                "min_pixels": min_pixels,
                "max_pixels": max_pixels,
                "max_new_tokens": max_new_tokens,
            }
            found = _engine_predictions(gold, _images_dir(gold, images), settings, save_predictions)
            report = run_omnidocbench(gold, found, pred_label=f"engine {engine}", json_out=json_out)
        elif pred is None:
            raise typer.BadParameter("give PRED, or --engine to parse the ground truth's pages", param_hint="PRED")
        else:
            report = run(gold, pred, json_out=json_out, config=config)
    except EvalInputError as exc:
        err.print(f"[red]cannot evaluate:[/red] {exc}")
        raise typer.Exit(2) from None
    render_table(report, Console())
