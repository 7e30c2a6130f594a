"""OmniDocBench's aggregates over samples.

As its ``call_Edit_dist``, ``call_TEDS``, ``get_full_labels_results`` and ``get_page_split``.

Edit distance of a sample: ``Levenshtein(pred, gold)`` over ``upper = max(len(pred), len(gold))``
on the normalized strings (the raw ones where a normalized string is empty); samples with both
sides empty are not counted.

* ``ALL_page_avg`` — per page, the sum of edits over the sum of ``upper``; then the mean over pages;
* ``edit_whole`` — the sum of all edits over the sum of all ``upper``;
* ``edit_sample_avg`` — the mean of the samples' ratios.

TEDS: the mean over gold tables. ``group`` (by the gold elements' attributes): the mean of the
samples' scores per ``attribute: value``; ``page`` (by the pages' attributes, ``ALL`` for all):
per page, edits over ``upper`` (TEDS: the mean), then the mean over pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import Levenshtein


@dataclass
class Sample:
    """One scored item: its page, its scores by metric, the ``upper`` length (edit metrics) and labels."""

    page: str
    scores: dict[str, float] = field(default_factory=dict)
    edit: int | None = None
    upper: int = 0
    labels: list[dict[str, Any]] = field(default_factory=list)


def edit_sample(
    page: str, gold: Sequence[Any] | str, pred: Sequence[Any] | str, labels: list[dict[str, Any]]
) -> Sample:
    """A sample scored by edit distance (``edit`` ``None`` when both sides are empty)."""
    sample = Sample(page, upper=max(len(gold), len(pred)), labels=labels)
    if sample.upper:
        sample.edit = Levenshtein.distance(pred, gold)
        sample.scores["Edit_dist"] = sample.edit / sample.upper
    return sample


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def per_page_edit(samples: Sequence[Sample]) -> dict[str, float | None]:
    """Per page: sum of edits / sum of ``upper`` (``None`` when nothing on the page was scored)."""
    edits: dict[str, int] = defaultdict(int)
    uppers: dict[str, int] = defaultdict(int)
    for s in samples:
        edits[s.page] += s.edit or 0
        uppers[s.page] += s.upper
    return {page: (edits[page] / uppers[page] if uppers[page] else None) for page in sorted(uppers)}


def edit_summary(samples: Sequence[Sample]) -> dict[str, float | None]:
    """``ALL_page_avg``, ``edit_whole`` and ``edit_sample_avg`` (``None`` when there is no sample)."""
    if not samples:
        return {"ALL_page_avg": None, "edit_whole": None, "edit_sample_avg": None}
    scored = [s for s in samples if s.edit is not None]
    upper = sum(s.upper for s in scored)
    pages = [v for v in per_page_edit(samples).values() if v is not None]
    return {
        "ALL_page_avg": _mean(pages),
        "edit_whole": sum(s.edit or 0 for s in scored) / upper if upper else None,
        "edit_sample_avg": _mean((s.edit or 0) / s.upper for s in scored),
    }


def group_scores(samples: Sequence[Sample]) -> dict[str, dict[str, float]]:
    """Mean score per metric and element attribute (``attribute: value``), and ``sample_count``."""
    collected: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in samples:
        labels = {f"{k}: {v}" for anno in s.labels for k, v in anno.items()}
        for label in labels:
            for metric, score in s.scores.items():
                collected[label][metric].append(score)
    result: dict[str, dict[str, float]] = defaultdict(dict)
    for label, metrics in sorted(collected.items()):
        for metric, scores in sorted(metrics.items()):
            result[metric][label] = sum(scores) / len(scores)
            result["sample_count"][label] = len(scores)
    return dict(sorted(result.items()))


def _page_labels(attributes: dict[str, Any]) -> list[str]:
    labels = ["ALL"]
    for key, value in attributes.items():
        if isinstance(value, list):
            labels.extend(str(v) for v in value if "table" not in str(v))
        else:
            labels.append(f"{key}: {value}")
    return labels


def page_scores(samples: Sequence[Sample], attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per metric and page attribute (``ALL`` for every page): per-page value, then the mean over pages."""
    sums: dict[str, dict[tuple[str, str], list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for s in samples:
        for metric, score in s.scores.items():
            for label in _page_labels(attributes.get(s.page, {})):
                acc = sums[metric][(s.page, label)]
                weight = float(s.upper) if metric == "Edit_dist" else 1.0
                acc[0] += score * weight
                acc[1] += weight
    result: dict[str, dict[str, float]] = {}
    for metric, cells in sorted(sums.items()):
        by_label: dict[str, list[float]] = defaultdict(list)
        for (_, label), (total, weight) in cells.items():
            if weight:
                by_label[label].append(total / weight)
        result[metric] = {label: sum(v) / len(v) for label, v in sorted(by_label.items())}
    return result
