"""Evaluation of parsed documents against ground truth.

``run(gold, pred, json_out=..., config=...)`` has two protocols (``EvalConfig.protocol``):

* OmniDocBench's own end-to-end evaluation (:mod:`docparse.eval.odb`), the default when GOLD is
  OmniDocBench ground truth: predictions are per-page Markdown (any tool's), docparse exports
  or QwenVL HTML; the result (``EvalReport.omnidocbench``) has the official structure;
* the box-aware docparse protocol, for docparse JSON exports or OmniDocBench ground truth
  (files or folders): documents and pages paired, and scored per page and overall, by block type:

* text: normalized edit distance of the page text in reading order (:mod:`.text_metrics`);
* tables: TEDS and TEDS-struct (:mod:`.teds`);
* detection: precision/recall/F1 at IoU >= 0.5 with type matching (:mod:`.matching`);
* formulas: normalized edit distance of LaTeX (:mod:`.page_eval`);
* reading order: normalized edit distance of matched blocks' index sequences (:mod:`.page_eval`).

Aggregation is described in :mod:`.report`, the OmniDocBench conversion in :mod:`.omnidocbench`,
file reading and document pairing in :mod:`.readers`. For born-digital PDFs, a ``pdf-text``
export (``docparse.parse_file(path, engine="pdf-text")``) can serve as GOLD.
"""

from __future__ import annotations

from docparse.eval.matching import DetectionCounts, iou, match_blocks
from docparse.eval.models import DocumentResult, EditScore, EvalConfig, FormulaScore, PageResult, TableScore
from docparse.eval.page_eval import evaluate_page, reading_order_score
from docparse.eval.readers import EvalInputError, load_documents, pair_documents
from docparse.eval.report import Counts, EvalReport, Metric, build_table, render_table, summary_line
from docparse.eval.runner import run, run_omnidocbench, uses_omnidocbench
from docparse.eval.teds import teds, teds_struct
from docparse.eval.text_metrics import ned, normalize_latex, normalize_text, page_text

__all__ = [
    "Counts",
    "DetectionCounts",
    "DocumentResult",
    "EditScore",
    "EvalConfig",
    "EvalInputError",
    "EvalReport",
    "FormulaScore",
    "Metric",
    "PageResult",
    "TableScore",
    "build_table",
    "evaluate_page",
    "iou",
    "load_documents",
    "match_blocks",
    "ned",
    "normalize_latex",
    "normalize_text",
    "page_text",
    "pair_documents",
    "reading_order_score",
    "render_table",
    "run",
    "run_omnidocbench",
    "summary_line",
    "teds",
    "teds_struct",
    "uses_omnidocbench",
]
