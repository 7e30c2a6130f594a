"""Matching predicted blocks to gold blocks on one page, and detection precision/recall/F1.

Boxes
-----
Blocks are compared on normalized boxes (0..1 of the page): ``bbox_norm`` when present,
else ``bbox`` divided by the page's ``geometry`` width/height, else no box.
``IoU(a, b) = area(a ∩ b) / area(a ∪ b)`` (0 when the union is empty).

Groups
------
A block may only match a block of the same *group*. By default a block's group is its
``type`` (exact type matching: a heading never matches a paragraph); ``type_groups`` maps
types to shared group labels to relax that (e.g. ``{"heading": "text", "paragraph": "text"}``).

Matching, per page and group
----------------------------
* When every gold and predicted block of the group has a box: greedy one-to-one matching
  by IoU — all pairs with ``IoU >= iou_threshold`` (0.5 by default; 1e-9 of slack for float
  rounding), taken by decreasing IoU (ties by gold then predicted reading order), each
  block used at most once.
* Otherwise (some box missing, or one side has blocks but no box at all, as in Markdown):
  the k-th gold block of the group in reading order is paired with the k-th predicted one
  (``by="order"``). Such groups are left out of the detection counts and reported as
  ``skipped``.

Detection (per group, IoU-matched groups only): ``tp`` = matched pairs, ``fp`` = unmatched
predicted blocks, ``fn`` = unmatched gold blocks; ``precision = tp / (tp + fp)``,
``recall = tp / (tp + fn)``, ``F1 = 2 tp / (2 tp + fp + fn)`` (the harmonic mean of the two);
each is ``None`` when its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from schemas import BBox, Block, PageGeometry

Box = tuple[float, float, float, float]

IOU_TOLERANCE = 1e-9
"""Slack on the IoU threshold for float rounding (a box shifted to IoU exactly 0.5 matches)."""
MatchedBy = Literal["iou", "order"]


def normalized_box(block: Block, geometry: PageGeometry | None) -> Box | None:
    """The block's box as fractions of the page: ``bbox_norm``, else ``bbox`` / page size, else ``None``."""
    if block.bbox_norm is not None:
        return block.bbox_norm.as_tuple()
    if block.bbox is not None and geometry is not None:
        return _scale(block.bbox, geometry.width, geometry.height)
    return None


def _scale(box: BBox, width: float, height: float) -> Box:
    return (box.x0 / width, box.y0 / height, box.x1 / width, box.y1 / height)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes; 1 for identical boxes (also of zero
    area: a point or line marked on both sides), else 0 when the union has no area."""
    if a == b:
        return 1.0
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class DetectionCounts(BaseModel):
    """True positives, false positives and false negatives, with the derived rates."""

    model_config = ConfigDict(extra="forbid")

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: DetectionCounts) -> DetectionCounts:
        return DetectionCounts(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        """``tp / (tp + fp)``; ``None`` when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """``tp / (tp + fn)``; ``None`` when there is no gold block."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """``2 tp / (2 tp + fp + fn)``; ``None`` when there are neither gold nor predicted blocks."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None


@dataclass(frozen=True)
class Match:
    """Gold block ``gold`` (index into the gold list) paired with predicted block ``pred``."""

    gold: int
    pred: int
    by: MatchedBy
    iou: float | None = None


@dataclass
class PageMatching:
    """The pairs of one page, detection counts per group and the blocks left out of detection."""

    matches: list[Match] = field(default_factory=list)
    detection: dict[str, DetectionCounts] = field(default_factory=dict)
    skipped: int = 0

    def pred_of(self, gold: int) -> Match | None:
        return next((m for m in self.matches if m.gold == gold), None)


def _greedy_iou(
    gold: Sequence[int], pred: Sequence[int], boxes_g: Mapping[int, Box], boxes_p: Mapping[int, Box], threshold: float
) -> list[Match]:
    """Greedy one-to-one matching; ``gold``/``pred`` are block indices in reading order (ties keep that order)."""
    candidates = []
    for g_rank, gi in enumerate(gold):
        for p_rank, pi in enumerate(pred):
            value = iou(boxes_g[gi], boxes_p[pi])
            if value >= threshold - IOU_TOLERANCE:
                candidates.append((-value, g_rank, p_rank, gi, pi))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    matches = []
    for negative, _, _, gi, pi in candidates:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        matches.append(Match(gi, pi, "iou", -negative))
    return matches


def match_blocks(
    gold: Sequence[Block],
    pred: Sequence[Block],
    *,
    gold_geometry: PageGeometry | None = None,
    pred_geometry: PageGeometry | None = None,
    iou_threshold: float = 0.5,
    type_groups: Mapping[str, str] | None = None,
) -> PageMatching:
    """Match one page's predicted blocks to its gold blocks (see the module docstring for the rules)."""
    groups = type_groups or {}

    def group_of(block: Block) -> str:
        return groups.get(block.type, block.type)

    # Indices are positions in the reading-order-sorted lists, mapped back to the callers' lists at the end.
    gold_sorted = sorted(range(len(gold)), key=lambda i: gold[i].order)
    pred_sorted = sorted(range(len(pred)), key=lambda i: pred[i].order)
    gold_boxes = [normalized_box(b, gold_geometry) for b in gold]
    pred_boxes = [normalized_box(b, pred_geometry) for b in pred]
    labels = sorted({group_of(b) for b in gold} | {group_of(b) for b in pred})
    # A side that has blocks but no box at all (Markdown, text-only output) has no detection: n/a, not 0.
    boxless = any(
        blocks and all(b is None for b in boxes) for blocks, boxes in ((gold, gold_boxes), (pred, pred_boxes))
    )
    result = PageMatching()
    for label in labels:
        g_idx = [i for i in gold_sorted if group_of(gold[i]) == label]
        p_idx = [i for i in pred_sorted if group_of(pred[i]) == label]
        g_boxes = [gold_boxes[i] for i in g_idx]
        p_boxes = [pred_boxes[i] for i in p_idx]
        if not boxless and all(b is not None for b in g_boxes) and all(b is not None for b in p_boxes):
            boxes_g = {i: b for i, b in zip(g_idx, g_boxes, strict=True) if b is not None}
            boxes_p = {i: b for i, b in zip(p_idx, p_boxes, strict=True) if b is not None}
            found = _greedy_iou(g_idx, p_idx, boxes_g, boxes_p, iou_threshold)
            result.matches.extend(found)
            result.detection[label] = DetectionCounts(
                tp=len(found), fp=len(p_idx) - len(found), fn=len(g_idx) - len(found)
            )
        else:
            result.matches.extend(Match(gi, pi, "order") for gi, pi in zip(g_idx, p_idx, strict=False))
            result.skipped += len(g_idx) + len(p_idx)
    result.matches.sort(key=lambda m: gold[m.gold].order)
    return result
