"""quick_match: OmniDocBench's pairing of one page's gold text/formula elements with predicted blocks.

Steps (``match_gt2pred_quick``; thresholds are normalized edit distances of normalized lines):

1. Gold ``equation_isolated`` whose LaTeX is a one-column ``array`` is split into one formula
   per row (orders 7.1, 7.2, ..); so are such predicted formulas. Predictions are ordered by
   position, inline formulas last. Lines whose raw or normalized text is empty are dropped.
2. No gold: every prediction is unmatched. No prediction: every gold line is missed. One of
   each: they are paired.
3. Gold lines of the ignored categories (captions, headers, footers, page numbers, ...)
   take every prediction closer than 0.25 (each keeps the last such one); those predictions
   leave the pool.
4. The other gold lines: runs of consecutive predictions may merge (:mod:`.truncation`), a
   Hungarian assignment on the cost matrix pairs lines, pairs costing more than 0.7 are
   undone, and unmatched gold lines that are fuzzy substrings (< 0.4) of a prediction join
   that prediction. Gold lines still unmatched are paired by a second assignment with what
   is left of the predictions, or reported missed.
5. Each result is one prediction (or none) with the gold lines it took (or none).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from docparse.eval.odb.gold import IGNORED_CATEGORIES, TEXT_CATEGORIES, GoldItem
from docparse.eval.odb.markdown_blocks import PredBlock
from docparse.eval.odb.normalize import normalize_formula, normalize_text
from docparse.eval.odb.pairing import Pairing, pair_lines

_ARRAY = re.compile(r"\\begin\{array\}\{(?P<spec>[^}]*)\}(?P<body>.*?)\\end\{array\}", re.S)


@dataclass
class MatchEntry:
    """One pairing: gold indices (``None``: no gold), predicted indices (``None``: no prediction)."""

    gt_idx: list[int] | None
    pred_idx: list[int] | None
    gt: str = ""
    pred: str = ""
    norm_gt: str = ""
    norm_pred: str = ""
    gt_category: str | None = None
    pred_category: str = ""
    gt_position: list[Any] = field(default_factory=list)
    pred_position: int | None = None
    gt_attribute: list[dict[str, Any]] = field(default_factory=list)


def _one_column(spec: str) -> bool:
    spec = re.sub(r"\s+|\|", "", spec)
    spec = re.sub(r"@{[^}]*}", "", spec)
    spec = re.sub(r"!{[^}]*}", "", spec)
    return len(spec) == 1 and spec in {"l", "c", "r"}


def _array_rows(latex: str) -> tuple[re.Match[str], list[str]] | None:
    if "\\begin{array" not in latex:
        return None
    match = _ARRAY.search(latex)
    if not match or not _one_column(match.group("spec")):
        return None
    return match, [row.strip() for row in re.split(r"\\\\", match.group("body")) if row.strip()]


def split_gold_arrays(items: list[GoldItem]) -> list[GoldItem]:
    """Gold one-column ``array`` formulas split into one formula per row."""
    out: list[GoldItem] = []
    for item in items:
        found = _array_rows(item.text) if item.category == "equation_isolated" else None
        if found is None:
            out.append(item)
            continue
        base = float(item.order or 0)
        for i, row in enumerate(found[1], start=1):
            out.append(GoldItem(item.category, f"\\[{row}\\]", round(base + i / 10, 1), item.attribute))
    return out


def split_pred_arrays(items: list[PredBlock]) -> list[PredBlock]:
    """Predicted one-column ``array`` formulas split into one formula per row, with their positions."""
    out: list[PredBlock] = []
    for item in items:
        found = _array_rows(item.content) if item.kind == "equation_isolated" else None
        if found is None:
            out.append(item)
            continue
        match, rows = found
        body = match.group("body")
        cursor = 0
        for row in rows:
            at = body.find(row, cursor)
            at = cursor if at == -1 else at
            cursor = at + len(row)
            start = item.start + match.start("body") + at
            out.append(PredBlock(item.kind, start, start + len(row) - 1, f"\\[{row.strip()}\\]", item.fine))
    return out


def _pred_norm(item: PredBlock) -> str:
    if item.kind == "text_all":
        return normalize_text(item.content)
    if item.kind == "equation_isolated":
        return normalize_formula(item.content)
    return item.content


def _gold_norm(item: GoldItem) -> str:
    if item.category in TEXT_CATEGORIES:
        return normalize_text(item.text)
    if item.category == "equation_isolated":
        return normalize_formula(item.text)
    return ""


def _position(item: GoldItem) -> Any:
    return item.order if item.order else ""


def _array_join(lines: list[str]) -> str:
    rows = " \\\\ ".join("{" + line.strip("$").strip("\n") + "}" for line in lines)
    return "\\begin{array}{l} " + rows + " \\end{array}"


def _category(cats: list[str]) -> str:
    kept = [c for c in cats if c not in IGNORED_CATEGORIES]
    return Counter(kept or cats).most_common(1)[0][0]


@dataclass
class _Side:
    """Lines of one side of a matching pass, with what each maps back to."""

    raw: list[str]
    norm: list[str]
    index: list[int]  # position in the page's filtered line list


def _entries(
    pairing: list[Pairing],
    gold: _Side,
    pred: _Side,
    golds: list[GoldItem],
    preds: list[PredBlock],
    cats: list[str],
    *,
    join_formulas: bool,
) -> list[MatchEntry]:
    out: list[MatchEntry] = []
    skip = False
    for pair in pairing:
        if skip:  # the official code removes an entry while iterating, which skips the next one
            skip = False
            continue
        entry = MatchEntry(gt_idx=pair.gold, pred_idx=pair.pred)
        if pair.pred is not None:
            first = preds[pred.index[pair.pred[0]]]
            entry.pred_category = first.category
            entry.pred_position = first.start
            lines = [pred.raw[p] for p in pair.pred]
            many = join_formulas and "equation" in entry.pred_category and len(lines) > 1
            entry.pred = _array_join(lines) if many else "".join(lines)
            entry.norm_pred = "".join(pred.norm[p] for p in pair.pred)
            entry.pred_idx = [pred.index[p] for p in pair.pred]
        if pair.gold is None:
            entry.gt_category = ""
            entry.gt_position = [""]
            entry.gt_attribute = [{}]
            if entry.pred_category == "equation_inline":
                skip = True
                continue
        else:
            entry.gt_category = _category([cats[gold.index[g]] for g in pair.gold])
            entry.gt_position = [_position(golds[gold.index[g]]) for g in pair.gold]
            lines = [gold.raw[g] for g in pair.gold]
            many = join_formulas and entry.gt_category == "equation_isolated" and len(lines) > 1
            entry.gt = _array_join(lines) if many else "".join(lines)
            entry.norm_gt = "".join(gold.norm[g] for g in pair.gold)
            entry.gt_attribute = [golds[gold.index[g]].attribute for g in pair.gold]
            entry.gt_idx = [gold.index[g] for g in pair.gold]
        out.append(entry)
    return out


def quick_match(gold_items: list[GoldItem], pred_items: list[PredBlock]) -> list[MatchEntry]:
    """Pair a page's gold text and formula elements with its predicted blocks (see the module docstring)."""
    golds = split_gold_arrays(gold_items)
    ranked = sorted(enumerate(pred_items), key=lambda p: (p[1].fine == "equation_inline", p[1].start, p[0]))
    preds = split_pred_arrays([item for _, item in ranked])
    g_rows = [(g.text, _gold_norm(g), g.category) for g in golds]
    g_kept = [row for row in g_rows if row[0] and row[1]]
    p_rows = [(p.content, _pred_norm(p)) for p in preds]
    p_kept = [row for row in p_rows if row[0] and row[1]]
    cats = [row[2] for row in g_kept]
    # Gold and predicted items are looked up by the index of the *kept* line, as the official code does.
    ignored = [i for i, cat in enumerate(cats) if cat in IGNORED_CATEGORIES]
    others = [i for i, cat in enumerate(cats) if cat not in IGNORED_CATEGORIES]
    all_pred = _Side([r[0] for r in p_kept], [r[1] for r in p_kept], list(range(len(p_kept))))
    if not g_kept or not p_kept or (len(g_kept) == 1 and len(p_kept) == 1):
        pairing = pair_lines([r[1] for r in g_kept], all_pred.norm, mode="trivial")
        side = _Side([r[0] for r in g_kept], [r[1] for r in g_kept], list(range(len(g_kept))))
        return _entries(pairing, side, all_pred, golds, preds, cats, join_formulas=False)
    results: list[MatchEntry] = []
    taken: list[int] = []
    if ignored:
        side = _Side([g_kept[i][0] for i in ignored], [g_kept[i][1] for i in ignored], ignored)
        pairing, taken = pair_lines(side.norm, all_pred.norm, mode="ignored")
        pred_side = _Side([all_pred.raw[t] for t in taken], [all_pred.norm[t] for t in taken], taken)
        results = _entries(pairing, side, pred_side, golds, preds, cats, join_formulas=False)
    rest = [i for i in range(len(p_kept)) if i not in taken]
    side = _Side([g_kept[i][0] for i in others], [g_kept[i][1] for i in others], others)
    pred_side = _Side([all_pred.raw[i] for i in rest], [all_pred.norm[i] for i in rest], rest)
    pairing = pair_lines(side.norm, pred_side.norm, mode="full")
    return _entries(pairing, side, pred_side, golds, preds, cats, join_formulas=True) + results
