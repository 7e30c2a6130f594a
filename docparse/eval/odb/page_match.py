"""One page: gold elements + predicted Markdown -> the samples each OmniDocBench metric scores.

As ``End2EndDataset.process_get_matched_elements``:

* Tables: gold tables (by order) are paired with the predicted HTML tables by a Hungarian
  assignment on the edit distance of their raw HTML (with more LaTeX than HTML tables
  predicted, the LaTeX ones are paired and then scored as empty, as the official default
  run does without LaTeXML). Cells of predicted tables left over become text lines. Without
  gold tables, predicted tables are not scored.
* Text and display formulas: :func:`~docparse.eval.odb.quick_match.quick_match` of the gold
  text categories and ``equation_isolated`` against all other predicted blocks; the
  pairings whose gold is text (ignored categories left out) are text samples, those whose
  gold is a formula are formula samples. Predictions matched to nothing are not scored.
* Reading order: over the text samples, the gold orders listed in predicted position order
  against the same orders sorted; ``None`` when both are empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from docparse.eval.odb.gold import IGNORED_CATEGORIES, TEXT_CATEGORIES, GoldItem, GoldPage
from docparse.eval.odb.markdown_blocks import PredBlock, markdown_blocks
from docparse.eval.odb.quick_match import MatchEntry, quick_match
from docparse.eval.odb.truncation import ned_matrix

_TABLE_KINDS = ("html_table", "latex_table")


@dataclass
class TableSample:
    """A gold table and its predicted table (``""`` when none): raw HTML, ``gt_idx`` its line index."""

    gt_idx: int
    gt: str
    pred: str
    attribute: dict[str, Any] = field(default_factory=dict)


@dataclass
class PageSamples:
    """What one page contributes to each metric."""

    image_name: str
    text: list[MatchEntry] = field(default_factory=list)
    formula: list[MatchEntry] = field(default_factory=list)
    tables: list[TableSample] = field(default_factory=list)
    order: tuple[list[Any], list[Any]] | None = None


def _cells(table: PredBlock) -> list[PredBlock]:
    soup = BeautifulSoup(table.content, "html.parser")
    texts = [re.sub(r"\$\\cdot\$", "", td.string).strip() for td in soup.find_all("td") if td.string]
    return [PredBlock("text_all", table.start, table.end, text, table.fine) for text in texts]


def _tables(gold: list[GoldItem], preds: list[PredBlock], latex: bool) -> tuple[list[TableSample], list[PredBlock]]:
    """Pair gold tables with predicted ones; also return the leftover predicted tables' cells as text lines."""
    kept = [(i, g) for i, g in enumerate(gold) if g.text]
    lines = [p for p in preds if p.content]
    samples: list[TableSample] = []
    if not kept:
        return samples, []

    # Attributes are looked up by kept-line index in the unfiltered list, as the official code does.
    def sample(n: int, pred: str) -> TableSample:
        return TableSample(n, kept[n][1].text, pred, gold[n].attribute)

    if not lines:
        return [sample(n, "") for n in range(len(kept))], []
    cost = ned_matrix([g.text for _, g in kept], [p.content for p in lines])
    rows, cols = linear_sum_assignment(cost)
    chosen = {int(r): int(c) for r, c in zip(rows, cols, strict=True)}
    for n in range(len(kept)):
        pred = lines[chosen[n]].content if n in chosen and not latex else ""
        samples.append(sample(n, pred))
    leftovers = [p for j, p in enumerate(lines) if j not in chosen.values()]
    return samples, [cell for table in leftovers for cell in _cells(table)]


def _order(text: list[MatchEntry]) -> tuple[list[Any], list[Any]] | None:
    located = [e for e in text if e.gt_position != [""]]
    paired = [(e.gt_position, e.pred_position) for e in located if e.pred_position is not None]
    pred_order = [pos for positions, _ in sorted(paired, key=lambda p: p[1]) for pos in positions if pos]
    gold_order = sorted(pos for e in located for pos in e.gt_position if pos)
    return (gold_order, pred_order) if gold_order or pred_order else None


def match_page(gold: GoldPage, markdown: str) -> PageSamples:
    """The samples of one page (see the module docstring)."""
    blocks = markdown_blocks(markdown)
    kinds = list(dict.fromkeys(b.kind for b in blocks))
    mix = [b for kind in kinds if kind not in _TABLE_KINDS for b in blocks if b.kind == kind]
    result = PageSamples(gold.image_name)
    gold_tables = gold.of("table")
    if gold_tables:
        latex = [b for b in blocks if b.kind == "latex_table"]
        html = [b for b in blocks if b.kind == "html_table"]
        use_latex = len(latex) > len(html)
        result.tables, cells = _tables(gold_tables, latex if use_latex else html, use_latex)
        mix.extend(cells)
    entries = quick_match(gold.of(*TEXT_CATEGORIES, "equation_isolated"), mix)
    text = [e for e in entries if e.gt_category in TEXT_CATEGORIES]
    result.formula = [e for e in entries if e.gt_category == "equation_isolated" and e.gt_idx is not None]
    result.text = [e for e in text if e.gt_category not in IGNORED_CATEGORIES]
    if result.text:
        result.order = _order(result.text)
    return result
