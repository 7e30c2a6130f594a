"""``docparse eval`` with the OmniDocBench protocol: read GOLD and PRED paths, score, report.

GOLD is OmniDocBench ground truth (the full JSON list, or one page entry). PRED is a folder of
per-page predictions (:class:`~docparse.eval.odb.predictions.PredictionFolder`), one Markdown
file (for a one-page GOLD), one docparse JSON export (its pages in order, for as many gold
pages), or OmniDocBench ground truth itself (written as Markdown, for checking the protocol).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docparse.eval.odb.gold import image_name
from docparse.eval.odb.predictions import PredictionFolder, document_markdown, gold_markdown, read_export
from docparse.eval.odb.run import evaluate_pages
from docparse.eval.omnidocbench import looks_like_omnidocbench


class OdbInputError(ValueError):
    """A GOLD or PRED path the OmniDocBench protocol cannot read."""


def load_gold(path: Path) -> list[dict[str, Any]]:
    """The page entries of an OmniDocBench ground-truth file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OdbInputError(f"{path}: not readable JSON ({exc})") from exc
    if not looks_like_omnidocbench(data):
        raise OdbInputError(f"{path}: not OmniDocBench ground truth")
    return [e for e in (data if isinstance(data, list) else [data]) if isinstance(e, dict)]


def _file_predictions(path: Path, entries: list[dict[str, Any]]) -> dict[str, str | None]:
    names = [image_name(e) for e in entries]
    if path.suffix in (".md", ".mmd"):
        if len(entries) != 1:
            raise OdbInputError(f"{path}: one Markdown file scores one page; GOLD has {len(entries)}")
        return {names[0]: path.read_text(encoding="utf-8", errors="replace")}
    document = read_export(path)
    if document is not None:
        return {
            name: document_markdown(document, n + 1) if n < len(document.pages) else None
            for n, name in enumerate(names)
        }
    try:
        other = load_gold(path)
    except OdbInputError:
        raise OdbInputError(f"{path}: neither Markdown, a docparse export nor OmniDocBench ground truth") from None
    by_name = {image_name(e): gold_markdown(e) for e in other}
    return {name: by_name.get(name) for name in names}


def read_predictions(pred: Path, entries: list[dict[str, Any]]) -> tuple[dict[str, str | None], list[str]]:
    """Markdown per gold image name (``None``: missing), and prediction files no page used."""
    if pred.is_dir():
        folder = PredictionFolder(pred)
        found = {image_name(e): folder.markdown(image_name(e)) for e in entries}
        return found, folder.unused()
    if pred.is_file():
        return _file_predictions(pred, entries), []
    raise OdbInputError(f"{pred}: no such file or folder")


def evaluate_omnidocbench(gold: Path, pred: Path) -> dict[str, Any]:
    """Score PRED against OmniDocBench GOLD (see the module docstring); the result of :func:`evaluate_pages`."""
    entries = load_gold(gold)
    predictions, unused = read_predictions(pred, entries)
    result = evaluate_pages(entries, predictions)
    result["unused_predictions"] = unused
    return result
