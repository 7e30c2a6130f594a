"""The evaluation report: aggregation over pages and documents, JSON model and rich table.

Aggregates (``overall``; ``per_type`` the same restricted to one block type / match group)
-----------------------------------------------------------------------------------------
* ``text_ned`` — macro: mean of the pages' text NED over pages whose gold or predicted text is
  non-empty (``n`` = those pages). ``text_ned_micro`` — sum of edits / sum of lengths over them.
* ``table_teds``, ``table_teds_struct`` — mean over all gold tables of all pages (micro;
  unmatched gold tables count 0; ``n`` = gold tables).
* ``formula_ned`` — mean NED over all gold formulas (unmatched count 1; ``n`` = gold formulas).
* ``detection_precision``/``_recall``/``_f1`` — from tp/fp/fn summed over all pages (micro);
  ``n`` = predicted blocks / gold blocks / both, counted in IoU-matched groups only.
* ``reading_order_ed`` — macro: mean over pages with at least one matched block;
  ``reading_order_ed_micro`` — sum of edits / sum of matched blocks.

Lower is better for every ``*_ned``/``*_ed``; higher for TEDS and detection. A value is
``None`` when nothing was there to score (``n`` = 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from docparse.eval.matching import DetectionCounts
from docparse.eval.models import DocumentResult, EditScore, EvalConfig, PageResult


class Metric(BaseModel):
    """One aggregate value and how many items (pages, tables, formulas, blocks) it is over."""

    model_config = ConfigDict(extra="forbid")

    value: float | None
    n: int = Field(ge=0)


class Counts(BaseModel):
    """What was compared, and what could not be paired or matched."""

    model_config = ConfigDict(extra="forbid")

    documents: int = 0
    unpaired_gold_documents: int = 0
    unpaired_pred_documents: int = 0
    pages: int = 0
    missing_pred_pages: int = 0
    extra_pred_pages: int = 0
    gold_blocks: int = 0
    pred_blocks: int = 0
    matched_blocks: int = 0
    unmatched_gold_blocks: int = 0
    unmatched_pred_blocks: int = 0
    detection_skipped_blocks: int = 0
    gold_tables: int = 0
    unmatched_gold_tables: int = 0
    gold_formulas: int = 0
    unmatched_gold_formulas: int = 0


class EvalReport(BaseModel):
    """Everything ``docparse eval`` computed; ``model_dump_json()`` / ``model_validate_json()`` round-trip."""

    model_config = ConfigDict(extra="forbid")

    gold: str
    pred: str
    config: EvalConfig = Field(default_factory=EvalConfig)
    overall: dict[str, Metric] = Field(default_factory=dict)
    per_type: dict[str, dict[str, Metric]] = Field(default_factory=dict)
    counts: Counts = Field(default_factory=Counts)
    documents: list[DocumentResult] = Field(default_factory=list)
    unpaired_pred: list[str] = Field(default_factory=list)
    skipped_files: list[str] = Field(default_factory=list)
    omnidocbench: dict[str, Any] | None = None
    """The OmniDocBench protocol's result (:func:`docparse.eval.odb.run.evaluate_pages`), when it ran."""


def _mean(values: list[float]) -> Metric:
    return Metric(value=sum(values) / len(values) if values else None, n=len(values))


def _edit_metrics(scores: list[EditScore], name: str) -> dict[str, Metric]:
    scored = [s for s in scores if s.length > 0]
    total = sum(s.length for s in scored)
    return {
        name: _mean([s.ned for s in scored]),
        f"{name}_micro": Metric(value=sum(s.edit for s in scored) / total if total else None, n=len(scored)),
    }


def _detection_metrics(counts: DetectionCounts) -> dict[str, Metric]:
    return {
        "detection_precision": Metric(value=counts.precision, n=counts.tp + counts.fp),
        "detection_recall": Metric(value=counts.recall, n=counts.tp + counts.fn),
        "detection_f1": Metric(value=counts.f1, n=2 * counts.tp + counts.fp + counts.fn),
    }


def summarize(documents: Iterable[DocumentResult]) -> tuple[dict[str, Metric], dict[str, dict[str, Metric]], Counts]:
    """Overall metrics, per-type metrics and counts over all pages of all documents."""
    pages: list[PageResult] = [page for doc in documents for page in doc.pages]
    detection = DetectionCounts()
    type_detection: dict[str, DetectionCounts] = defaultdict(DetectionCounts)
    type_text: dict[str, list[EditScore]] = defaultdict(list)
    for page in pages:
        detection = detection + page.detection
        for label, page_counts in page.detection_by_type.items():
            type_detection[label] = type_detection[label] + page_counts
        for label, score in page.text_by_type.items():
            type_text[label].append(score)
    tables = [t for p in pages for t in p.tables]
    formulas = [f for p in pages for f in p.formulas]
    orders = [p.reading_order for p in pages if p.reading_order is not None]
    overall = {
        **_edit_metrics([p.text for p in pages], "text_ned"),
        "table_teds": _mean([t.teds for t in tables]),
        "table_teds_struct": _mean([t.teds_struct for t in tables]),
        "formula_ned": _mean([f.ned for f in formulas]),
        **_detection_metrics(detection),
        "reading_order_ed": _mean([o.ned for o in orders]),
        "reading_order_ed_micro": Metric(
            value=sum(o.edit for o in orders) / sum(o.length for o in orders) if orders else None, n=len(orders)
        ),
    }
    per_type: dict[str, dict[str, Metric]] = {}
    for label in sorted(set(type_detection) | set(type_text)):
        metrics: dict[str, Metric] = {}
        if label in type_text:
            metrics.update(_edit_metrics(type_text[label], "text_ned"))
        if label in type_detection:
            metrics.update(_detection_metrics(type_detection[label]))
        per_type[label] = metrics
    matched = sum(p.matched for p in pages)
    counts = Counts(
        pages=len(pages),
        missing_pred_pages=sum(p.status == "missing_pred" for p in pages),
        extra_pred_pages=sum(p.status == "extra_pred" for p in pages),
        gold_blocks=sum(p.gold_blocks for p in pages),
        pred_blocks=sum(p.pred_blocks for p in pages),
        matched_blocks=matched,
        unmatched_gold_blocks=sum(p.gold_blocks for p in pages) - matched,
        unmatched_pred_blocks=sum(p.pred_blocks for p in pages) - matched,
        detection_skipped_blocks=sum(p.detection_skipped for p in pages),
        gold_tables=len(tables),
        unmatched_gold_tables=sum(t.pred_order is None for t in tables),
        gold_formulas=len(formulas),
        unmatched_gold_formulas=sum(f.pred_order is None for f in formulas),
    )
    return overall, per_type, counts


_LABELS = {
    "text_ned": "text NED (page macro) ↓",
    "text_ned_micro": "text NED (micro) ↓",
    "table_teds": "table TEDS ↑",
    "table_teds_struct": "table TEDS-struct ↑",
    "formula_ned": "formula NED ↓",
    "detection_precision": "detection precision ↑",
    "detection_recall": "detection recall ↑",
    "detection_f1": "detection F1 ↑",
    "reading_order_ed": "reading-order ED (page macro) ↓",
    "reading_order_ed_micro": "reading-order ED (micro) ↓",
}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def build_table(report: EvalReport) -> Table:
    """The report as a rich table: metric, value, n — overall first, then per block type."""
    table = Table(title=escape(f"docparse eval: {report.pred} vs {report.gold}"))
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("n", justify="right")
    for name, metric in report.overall.items():
        table.add_row(_LABELS.get(name, name), _fmt(metric.value), str(metric.n))
    for label, metrics in report.per_type.items():
        table.add_section()
        for name, metric in metrics.items():
            table.add_row(f"{escape(label)}: {_LABELS.get(name, name)}", _fmt(metric.value), str(metric.n))
    return table


def summary_line(report: EvalReport) -> str:
    """What was compared and what was left unpaired or unmatched, in one line."""
    c = report.counts
    line = (
        f"{c.documents} document(s), {c.pages} page(s); unpaired: {c.unpaired_gold_documents} gold / "
        f"{c.unpaired_pred_documents} pred document(s), {c.missing_pred_pages} missing / {c.extra_pred_pages} extra "
        f"page(s); unmatched blocks: {c.unmatched_gold_blocks} gold / {c.unmatched_pred_blocks} pred; "
        f"unmatched gold tables: {c.unmatched_gold_tables}, formulas: {c.unmatched_gold_formulas}"
    )
    if c.detection_skipped_blocks:
        line += f"; {c.detection_skipped_blocks} block(s) without boxes matched by order"
    if report.skipped_files:
        line += f"; {len(report.skipped_files)} file(s) skipped"
    return line


def render_table(report: EvalReport, console: Console) -> None:
    """Print :func:`build_table` of the report and its :func:`summary_line` on ``console``."""
    if report.omnidocbench is not None:
        from docparse.eval.odb.render import render_omnidocbench

        render_omnidocbench(report.omnidocbench, f"docparse eval: {report.pred} vs {report.gold}", console)
        return
    console.print(build_table(report))
    console.print(summary_line(report), markup=False, highlight=False)
