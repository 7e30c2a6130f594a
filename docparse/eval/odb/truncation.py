"""quick_match's first step: consecutive predicted lines merged when together they match one gold line.

OmniDocBench's ``deal_with_truncated``: gold lines without a near-exact prediction (normalized
edit distance < 0.25 to some line) try, from every prediction without one, to absorb the
following predictions while each added piece is a fuzzy substring of the gold line (< 0.6)
and the joined text gets no worse; each gold line keeps its best run. Overlapping runs are
resolved by :func:`choose_runs`; the chosen runs replace their lines (joined by spaces) before
the assignment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from rapidfuzz.distance import Levenshtein

Matrix = NDArray[np.float64]
PredSlot = int | list[int]
"""A predicted line, or a run of consecutive ones merged into one slot."""


def ned(a: Sequence[object] | str, b: Sequence[object] | str) -> float:
    """``Levenshtein(a, b) / max(len(a), len(b))``; raises ZeroDivisionError when both are empty."""
    return Levenshtein.distance(a, b) / max(len(a), len(b))


def ned_matrix(gold: Sequence[str], pred: Sequence[str]) -> Matrix:
    """Normalized edit distances, gold lines x predicted lines (0 for two empty lines)."""
    matrix = np.zeros((len(gold), len(pred)))
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            matrix[i][j] = 0 if not g and not p else ned(g, p)
    return matrix


def fuzzy_in(whole: str, part: str) -> float | None:
    """Best normalized distance of ``part`` to a same-length window of ``whole``; ``None`` if it is longer or empty."""
    if not part or len(whole) < len(part):
        return None
    return min(
        Levenshtein.distance(whole[i : i + len(part)], part) / len(part) for i in range(len(whole) - len(part) + 1)
    )


def _extend(gold: str, run: list[str], threshold: float = 0.6) -> tuple[bool, bool]:
    """Whether the last line of ``run`` joins it, and whether the run may grow further (``judge_pred_merge``)."""
    if len(run) == 1:
        return False, False
    before, after = " ".join(run[:-1]), " ".join(run)
    if ned(gold, after) > ned(gold, before):
        return False, False
    for piece in run[:-1]:
        dist = fuzzy_in(gold, piece)
        if dist is None or dist > threshold:
            return False, False
    added = fuzzy_in(gold, run[-1])
    if added is None:
        return False, False
    return added < threshold, len(after) <= len(gold)


def choose_runs(runs: list[list[int]], costs: list[float]) -> list[list[int]]:
    """Among overlapping candidate runs, the non-overlapping set of lowest mean cost (``get_final_subset``)."""
    if not runs:
        return []
    ordered = sorted(zip(runs, costs, strict=True), key=lambda item: item[0][0])
    groups: dict[int, list[tuple[list[int], float]]] = defaultdict(list)
    current = 0
    groups[current].append(ordered[0])
    for item in ordered[1:]:
        if any(i in member[0] for member in groups[current] for i in item[0]):
            groups[current].append(item)
        else:
            current += 1
            groups[current].append(item)
    chosen: list[list[int]] = []
    for group in groups.values():
        if len(group) == 1:
            chosen.append(group[0][0])
            continue
        paths: dict[int, list[tuple[list[int], float]]] = defaultdict(list)
        paths[0].append(group[0])
        for run in group[1:]:
            new_path = True
            for path in list(paths.values()):
                duplicate = same = False
                for member in path:  # the list may change while it is walked, as in the official code
                    if member[0] == run[0]:
                        duplicate = same = True
                        if member[1] > run[1]:
                            path.pop(path.index(member))
                            path.append(run)
                    elif any(a == b for a in member[0] for b in run[0]):
                        duplicate = True
                if not duplicate:
                    path.append(run)
                    new_path = False
                if same:
                    new_path = False
            if new_path:
                paths[len(paths)].append(run)
        best, best_cost = [], float("inf")
        for path in paths.values():
            mean = sum(cost for _, cost in path) / len(path)
            if mean < best_cost:
                best, best_cost = [r for r, _ in path], mean
        chosen.extend(best)
    return chosen


def _candidate(gold: str, pred: Sequence[str], start: int, masked: set[int]) -> list[int]:
    step = 1
    run = [pred[start]]
    while start + step not in masked and start + step < len(pred):
        run.append(pred[start + step])
        joins, grows = _extend(gold, run)
        if not joins:
            break
        step += 1
        if not grows:
            break
    return list(range(start, start + step))


def merge_truncated(cost: Matrix, gold: Sequence[str], pred: Sequence[str]) -> tuple[Matrix, list[PredSlot]]:
    """The cost matrix over predicted slots after merging runs, and the slots (see the module docstring)."""
    close = np.argwhere(cost < 0.25)
    masked_gold = {int(i[0]) for i in close}
    masked_pred = {int(i[1]) for i in close}
    free_pred = [j for j in range(cost.shape[1]) if j not in masked_pred]
    runs: list[list[int]] = []
    run_costs: list[float] = []
    for g in (i for i in range(cost.shape[0]) if i not in masked_gold):
        best: list[int] = []
        best_cost = float("inf")
        for p in free_pred:
            run = _candidate(gold[g], pred, p, masked_pred)
            joined = " ".join(pred[i] for i in run)
            dist = ned(gold[g], joined)
            if dist < best_cost:
                best, best_cost = run, dist
        if best:
            runs.append(best)
            run_costs.append(best_cost)
    chosen = choose_runs(runs, run_costs)
    if not chosen:
        return cost, list(range(len(pred)))
    slots: list[PredSlot] = list(range(len(pred)))
    for run in chosen:
        at = slots.index(run[0])
        del slots[at : at + len(run)]
        slots.insert(at, run)
    lines = [" ".join(pred[s[0] : s[-1] + 1]) if isinstance(s, list) else pred[s] for s in slots]
    return ned_matrix(gold, lines), slots
