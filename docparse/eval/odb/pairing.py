"""The line-level assignment passes of quick_match, on normalized lines (indices local to a pass).

``pair_lines(gold, pred, mode)``:

* ``trivial`` — no gold (each prediction alone), no prediction (each gold line missed), or
  one of each (paired);
* ``ignored`` — every (gold, prediction) pair closer than 0.25 is a candidate; each gold line
  keeps its last candidate; returns the pairing over the candidates and, per candidate, the
  prediction it stands for;
* ``full`` — truncation merges, Hungarian assignment, pairs over 0.7 undone, fuzzy substring
  attachment (< 0.4) of missed gold lines to any prediction.

Both ``ignored`` and ``full`` end alike: gold lines still missed are assigned (Hungarian) to
predictions still free; if no gold line is missed, all free predictions form one unmatched
entry; gold lines sharing a prediction form one entry, and missed ones one entry each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from docparse.eval.odb.truncation import fuzzy_in, merge_truncated, ned, ned_matrix

Mode = Literal["trivial", "ignored", "full"]
Final = dict[tuple[int, ...], list[int]]


@dataclass(frozen=True)
class Pairing:
    """Gold lines (``None``: none) paired with predicted lines (``None``: none)."""

    gold: list[int] | None
    pred: list[int] | None


def _finish(final: Final, gold: list[str], pred: list[str]) -> list[Pairing]:
    converted: list[tuple[int | None, list[int] | None]] = []
    for key, golds in final.items():
        converted.extend((g, list(key)) for g in sorted(set(golds)))
    matched_gold: set[int] = set().union(*[set(v) for v in final.values()])
    free_gold = set(range(len(gold))) - matched_gold
    free_pred = set(range(len(pred))) - {i for key in final for i in key}
    if free_pred and free_gold:
        golds_left, preds_left = list(free_gold), list(free_pred)
        costs = [[ned(gold[g], pred[p]) for p in free_pred] for g in free_gold]
        rows, cols = linear_sum_assignment(costs)
        converted.extend((golds_left[i], [preds_left[j]]) for i, j in zip(rows, cols, strict=True))
    elif free_pred:
        converted.append((None, list(free_pred)))
    else:
        converted.extend((g, None) for g in free_gold)
    result: list[Pairing] = []
    seen_pred: set[tuple[int, ...]] = set()
    seen_gold: set[int | None] = set()
    for n, (g, p) in enumerate(converted):
        if p is None or tuple(p) in seen_pred:
            continue
        golds_of = [g]
        for m, (other_g, other_p) in enumerate(converted):
            if m != n and other_p is not None and tuple(other_p) == tuple(p):
                golds_of.append(other_g)
                seen_gold.add(other_g)
        result.append(Pairing(None if golds_of == [None] else [x for x in golds_of if x is not None], p))
        seen_pred.add(tuple(p))
        seen_gold.add(g)
    result.extend(Pairing([g], None) for g in range(len(gold)) if g not in seen_gold)
    return result


def _assign(gold: list[str], pred: list[str]) -> tuple[dict[int, list[int]], list[int]]:
    cost = ned_matrix(gold, pred)
    merged, slots = merge_truncated(cost, gold, pred)
    rows, cols = linear_sum_assignment(merged)
    row_list = [int(r) for r in rows]
    matches: dict[int, list[int]] = {}
    missed: list[int] = []
    for g in range(len(gold)):
        if g not in row_list:
            missed.append(g)
            continue
        at = row_list.index(g)
        slot = slots[int(cols[at])]
        span = list(range(slot[0], slot[-1] + 1)) if isinstance(slot, list) else [slot]
        if merged[g][int(cols[at])] > 0.7:
            missed.append(g)
        else:
            matches[g] = span
    return matches, missed


def _substring_distance(pred: str, gold: str) -> float:
    distance = fuzzy_in(pred, gold)
    return 1.0 if distance is None else distance


def _full(gold: list[str], pred: list[str]) -> list[Pairing]:
    matches, missed = _assign(gold, pred)
    attach: dict[int, list[int]] = {}
    for p, line in enumerate(pred):
        found = [g for g in missed if _substring_distance(line, gold[g]) < 0.4]
        if found:
            attach[p] = found
    final: Final = {}
    done: set[int] = set()
    for g, span in matches.items():
        key = tuple(sorted(span))
        if key in final:
            if g not in done:
                final[key].append(g)
                done.add(g)
        else:
            final[key] = [g]
            done.add(g)
    for p, golds in attach.items():
        key = (p,)
        if key in final:
            for g in golds:
                if g not in done:
                    final[key].append(g)
                    done.add(g)
        else:
            final[key] = [g for g in golds if g not in done]
            done.update(final[key])
    return _finish(final, gold, pred)


@overload
def pair_lines(gold: list[str], pred: list[str], *, mode: Literal["trivial", "full"]) -> list[Pairing]: ...
@overload
def pair_lines(gold: list[str], pred: list[str], *, mode: Literal["ignored"]) -> tuple[list[Pairing], list[int]]: ...
def pair_lines(gold: list[str], pred: list[str], *, mode: Mode) -> list[Pairing] | tuple[list[Pairing], list[int]]:
    """Pair normalized gold lines with normalized predicted lines (see the module docstring)."""
    if mode == "trivial":
        if not gold:
            return [Pairing(None, [p]) for p in range(len(pred))]
        if not pred:
            return [Pairing([g], None) for g in range(len(gold))]
        return [Pairing([0], [0])]
    if mode == "ignored":
        candidates = np.argwhere(ned_matrix(gold, pred) < 0.25)
        taken = [int(c[1]) for c in candidates]
        last = {int(c[0]): n for n, c in enumerate(candidates)}  # first-seen order, last candidate wins
        final: Final = {(n,): [g] for g, n in last.items()}
        return _finish(final, gold, [pred[t] for t in taken]), taken
    return _full(gold, pred)
