"""The OmniDocBench end-to-end protocol over a set of pages: samples -> the official result structure.

``evaluate_pages(entries, predictions)`` scores every ground-truth page entry against its
predicted Markdown (``None``: no prediction; scored as an empty page and listed in
``missing_predictions`` — the official script skips such pages instead). Display formulas
whose match is a text prediction are scored as text, their LaTeX rendered to Unicode
(``LatexNodes2Text``), as the official evaluation does.

The result mirrors ``*_quick_match_metric_result.json``'s ``all`` sections, per element
(``text_block``, ``display_formula``, ``table``, ``reading_order``), with ``per_page`` values
(the official ``*_per_page_edit.json``), ``per_table`` TEDS for tables, ``group`` (element
attributes) and ``page`` (page attributes) breakdowns. ``None`` stands for the official ``NaN``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from docparse.eval.odb.gold import read_gold_page
from docparse.eval.odb.normalize import clean_text, latex_to_unicode, normalize_html_table
from docparse.eval.odb.page_match import PageSamples, match_page
from docparse.eval.odb.quick_match import MatchEntry
from docparse.eval.odb.scores import Sample, edit_sample, edit_summary, group_scores, page_scores, per_page_edit
from docparse.eval.odb.teds_html import teds_html

_FORMULA_PREDS = ("equation_inline", "equation_isolated", "")


def _text_sample(page: str, entry: MatchEntry) -> Sample:
    return edit_sample(page, entry.norm_gt or entry.gt, entry.norm_pred or entry.pred, entry.gt_attribute)


def _formula_as_text(page: str, entry: MatchEntry) -> Sample:
    try:
        gold = latex_to_unicode(entry.gt)
    except Exception:
        gold = entry.gt
    return edit_sample(page, clean_text(gold) or gold, entry.norm_pred or entry.pred, entry.gt_attribute)


def _safe_teds(pred: str, gold: str, structure_only: bool) -> float:
    try:
        return teds_html(pred, gold, structure_only=structure_only)
    except Exception:
        return 0.0


def _table_samples(pages: Sequence[PageSamples]) -> tuple[list[Sample], dict[str, dict[str, float]]]:
    samples: list[Sample] = []
    per_table: dict[str, dict[str, float]] = {}
    for page in pages:
        for table in page.tables:
            gold = normalize_html_table(table.gt) or table.gt
            pred = normalize_html_table(table.pred) or table.pred
            sample = edit_sample(page.image_name, gold, pred, [table.attribute])
            sample.scores["TEDS"] = _safe_teds(pred, gold, False)
            sample.scores["TEDS_structure_only"] = _safe_teds(pred, gold, True)
            per_table[f"{page.image_name}_[{table.gt_idx}]"] = {
                "TEDS": sample.scores["TEDS"],
                "TEDS_structure_only": sample.scores["TEDS_structure_only"],
            }
            samples.append(sample)
    return samples, per_table


def _section(samples: list[Sample], attributes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "Edit_dist": edit_summary(samples),
        "per_page": per_page_edit(samples),
        "group": group_scores(samples),
        "page": page_scores(samples, attributes),
    }


def evaluate_pages(entries: Sequence[Mapping[str, Any]], predictions: Mapping[str, str | None]) -> dict[str, Any]:
    """Score ground-truth page entries against Markdown predictions keyed by image name."""
    pages: list[PageSamples] = []
    attributes: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for page_entry in entries:
        gold = read_gold_page(page_entry)
        markdown = predictions.get(gold.image_name)
        if markdown is None:
            missing.append(gold.image_name)
        pages.append(match_page(gold, markdown or ""))
        attributes[gold.image_name] = gold.attributes
    text = [_text_sample(p.image_name, e) for p in pages for e in p.text]
    formulas: list[Sample] = []
    moved: list[Sample] = []
    for page in pages:
        for entry in page.formula:
            if entry.pred_category in _FORMULA_PREDS:
                formulas.append(_text_sample(page.image_name, entry))
            else:
                moved.append(_formula_as_text(page.image_name, entry))
    if text:
        text.extend(moved)
    tables, per_table = _table_samples(pages)
    orders = [edit_sample(p.image_name, p.order[0], p.order[1], []) for p in pages if p.order is not None]
    table_section = _section(tables, attributes)
    table_section["TEDS"] = {"all": _mean([s.scores["TEDS"] for s in tables])}
    table_section["TEDS_structure_only"] = {"all": _mean([s.scores["TEDS_structure_only"] for s in tables])}
    table_section["per_table"] = per_table
    return {
        "text_block": _section(text, attributes),
        "display_formula": _section(formulas, attributes),
        "table": table_section,
        "reading_order": _section(orders, attributes),
        "pages": len(pages),
        "missing_predictions": missing,
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
