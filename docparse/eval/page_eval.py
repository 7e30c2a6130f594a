"""Scoring one gold page against one predicted page.

* Text: :class:`EditScore` of the two page texts (:func:`~docparse.eval.text_metrics.page_text`,
  without ``ignore_types`` and ``text_skip_types``), and per block type the same on the blocks of
  that type only.
* Detection: :func:`~docparse.eval.matching.match_blocks` counts, per group.
* Tables: every gold table gets TEDS and TEDS-struct against its matched predicted table; an
  unmatched gold table (or one matched to a block that is not a table) scores 0.
* Formulas: every gold formula gets NED of :func:`~docparse.eval.text_metrics.normalize_latex`-ed
  LaTeX against its match (``content``, or ``text`` when ``content`` is empty); unmatched: 1.
* Reading order: the matched pairs whose gold block is not in ``ignore_types`` are numbered
  0..n-1 in gold reading order; the same numbers listed in the *predicted* blocks' reading
  order form the predicted sequence; the score is the :class:`EditScore` (Levenshtein / n) of
  the predicted sequence against ``0..n-1``. Swapping two adjacent blocks of four gives 2/4.
"""

from __future__ import annotations

from collections.abc import Sequence

from docparse.eval.matching import DetectionCounts, PageMatching, match_blocks
from docparse.eval.models import EditScore, EvalConfig, FormulaScore, PageResult, PageStatus, TableScore
from docparse.eval.teds import teds, teds_struct
from docparse.eval.text_metrics import normalize_latex, page_text
from schemas import Block, ChemicalFormulaBlock, FormulaBlock, MusicSheetBlock, PageGeometry, TableBlock


def _text_scores(
    gold: Sequence[Block], pred: Sequence[Block], config: EvalConfig
) -> tuple[EditScore, dict[str, EditScore]]:
    excluded = (*config.ignore_types, *config.text_skip_types)
    strip = config.strip_markup
    overall = EditScore.of(
        page_text(gold, exclude=excluded, strip_markup_marks=strip),
        page_text(pred, exclude=excluded, strip_markup_marks=strip),
    )
    by_type: dict[str, EditScore] = {}
    for block_type in sorted({b.type for b in gold} | {b.type for b in pred}):
        if block_type in excluded:
            continue
        g = page_text(gold, only=block_type, strip_markup_marks=strip)
        p = page_text(pred, only=block_type, strip_markup_marks=strip)
        if g or p:
            by_type[block_type] = EditScore.of(g, p)
    return overall, by_type


def _formula_source(block: Block) -> str:
    if isinstance(block, FormulaBlock | ChemicalFormulaBlock | MusicSheetBlock) and block.content:
        return block.content
    return block.text


def _tables(gold: Sequence[Block], pred: Sequence[Block], matching: PageMatching) -> list[TableScore]:
    scores = []
    for gi, block in enumerate(gold):
        if not isinstance(block, TableBlock):
            continue
        match = matching.pred_of(gi)
        other = pred[match.pred] if match is not None else None
        if match is not None and isinstance(other, TableBlock):
            scores.append(
                TableScore(
                    gold_order=block.order,
                    pred_order=other.order,
                    matched_by=match.by,
                    teds=teds(block, other),
                    teds_struct=teds_struct(block, other),
                )
            )
        else:
            scores.append(
                TableScore(
                    gold_order=block.order,
                    pred_order=other.order if other is not None else None,
                    matched_by=match.by if match is not None else None,
                    teds=0.0,
                    teds_struct=0.0,
                )
            )
    return sorted(scores, key=lambda s: s.gold_order)


def _formulas(gold: Sequence[Block], pred: Sequence[Block], matching: PageMatching) -> list[FormulaScore]:
    scores = []
    for gi, block in enumerate(gold):
        if block.type != "formula":
            continue
        latex = normalize_latex(_formula_source(block))
        match = matching.pred_of(gi)
        if match is None:
            scores.append(FormulaScore(gold_order=block.order, edit=len(latex), length=len(latex), ned=1.0))
            continue
        other = pred[match.pred]
        score = EditScore.of(latex, normalize_latex(_formula_source(other)))
        scores.append(
            FormulaScore(
                gold_order=block.order,
                pred_order=other.order,
                matched_by=match.by,
                edit=score.edit,
                length=score.length,
                ned=score.ned,
            )
        )
    return sorted(scores, key=lambda s: s.gold_order)


def reading_order_score(gold_orders: Sequence[int], pred_orders: Sequence[int]) -> EditScore | None:
    """Reading-order edit distance of matched pairs ``(gold_orders[i], pred_orders[i])``.

    The pairs are ranked 0..n-1 by gold order; the predicted sequence lists those ranks by
    predicted order; the result is :meth:`EditScore.of` ``(0..n-1, predicted sequence)``.
    ``None`` when there is no pair.
    """
    if not gold_orders:
        return None
    by_gold = sorted(range(len(gold_orders)), key=lambda i: gold_orders[i])
    rank = {pair: r for r, pair in enumerate(by_gold)}
    by_pred = sorted(range(len(pred_orders)), key=lambda i: (pred_orders[i], gold_orders[i]))
    return EditScore.of(list(range(len(by_gold))), [rank[i] for i in by_pred])


def evaluate_page(
    number: int,
    gold: Sequence[Block],
    pred: Sequence[Block],
    *,
    gold_geometry: PageGeometry | None = None,
    pred_geometry: PageGeometry | None = None,
    config: EvalConfig | None = None,
    status: PageStatus = "paired",
) -> PageResult:
    """All metrics of one page; missing geometry on one side borrows the other's (same page)."""
    config = config or EvalConfig()
    matching = match_blocks(
        gold,
        pred,
        gold_geometry=gold_geometry or pred_geometry,
        pred_geometry=pred_geometry or gold_geometry,
        iou_threshold=config.iou_threshold,
        type_groups=config.type_groups,
    )
    text, text_by_type = _text_scores(gold, pred, config)
    ordered = [m for m in matching.matches if gold[m.gold].type not in config.ignore_types]
    detection = DetectionCounts()
    for counts in matching.detection.values():
        detection = detection + counts
    return PageResult(
        number=number,
        status=status,
        gold_blocks=len(gold),
        pred_blocks=len(pred),
        matched=len(matching.matches),
        text=text,
        text_by_type=text_by_type,
        detection=detection,
        detection_by_type=dict(matching.detection),
        detection_skipped=matching.skipped,
        tables=_tables(gold, pred, matching),
        formulas=_formulas(gold, pred, matching),
        reading_order=reading_order_score([gold[m.gold].order for m in ordered], [pred[m.pred].order for m in ordered]),
    )
