"""Detection matching: IoU >= 0.5, same type, greedy one-to-one; counts and rates."""

from __future__ import annotations

import pytest

from docparse.eval.matching import DetectionCounts, iou, match_blocks, normalized_box
from schemas import BBox, ParagraphBlock
from tests.eval.builders import GEOMETRY, heading, para

A = (0.1, 0.1, 0.5, 0.2)
B = (0.1, 0.3, 0.5, 0.4)
C = (0.1, 0.5, 0.5, 0.6)
FAR = (0.6, 0.8, 0.9, 0.9)


def test_iou() -> None:
    assert iou(A, A) == 1.0
    assert iou(A, B) == 0.0
    # x 0..0.7 vs 0.3..1.0, same rows: intersection 0.4 h, union 1.0 h -> 0.4
    assert iou((0.0, 0.0, 0.7, 0.1), (0.3, 0.0, 1.0, 0.1)) == pytest.approx(0.4)
    assert iou((0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)) == 1.0  # identical zero-area boxes match
    assert iou((0.0, 0.0, 0.0, 0.0), (0.5, 0.5, 0.5, 0.5)) == 0.0


def test_identical_blocks_all_match() -> None:
    gold = [para(0, "a", A), heading(1, "b", B), para(2, "c", C)]
    result = match_blocks(gold, gold)
    assert len(result.matches) == 3
    total = sum(result.detection.values(), DetectionCounts())
    assert (total.precision, total.recall, total.f1) == (1.0, 1.0, 1.0)


def test_two_matched_one_false_positive() -> None:
    # 3 gold; the prediction finds 2 of them and adds 1 box where there is nothing
    gold = [para(0, "a", A), para(1, "b", B), para(2, "c", C)]
    pred = [para(0, "a", A), para(1, "b", B), para(2, "x", FAR)]
    counts = match_blocks(gold, pred).detection["paragraph"]
    assert (counts.tp, counts.fp, counts.fn) == (2, 1, 1)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(2 / 3)
    assert counts.f1 == pytest.approx(2 / 3)


def test_shift_to_iou_04_is_unmatched() -> None:
    gold = [para(0, "a", (0.0, 0.0, 0.7, 0.1))]
    pred = [para(0, "a", (0.3, 0.0, 1.0, 0.1))]
    result = match_blocks(gold, pred)
    assert result.matches == []
    assert result.detection["paragraph"] == DetectionCounts(tp=0, fp=1, fn=1)


def test_shift_to_iou_05_is_matched() -> None:
    # x 0..0.6 vs 0.2..0.8: intersection 0.4, union 0.8 -> IoU exactly 0.5 (inclusive threshold)
    result = match_blocks([para(0, "a", (0.0, 0.0, 0.6, 0.1))], [para(0, "a", (0.2, 0.0, 0.8, 0.1))])
    assert len(result.matches) == 1
    assert result.matches[0].iou == pytest.approx(0.5)


def test_type_mismatch_is_unmatched() -> None:
    result = match_blocks([heading(0, "Title", A)], [para(0, "Title", A)])
    assert result.matches == []
    assert result.detection["heading"] == DetectionCounts(fn=1)
    assert result.detection["paragraph"] == DetectionCounts(fp=1)


def test_type_groups_relax_matching() -> None:
    groups = {"heading": "text", "paragraph": "text"}
    result = match_blocks([heading(0, "Title", A)], [para(0, "Title", A)], type_groups=groups)
    assert len(result.matches) == 1
    assert result.detection == {"text": DetectionCounts(tp=1)}


def test_greedy_takes_best_iou_first() -> None:
    # both predictions overlap the gold box; the better one wins, the other is a false positive
    gold = [para(0, "a", (0.0, 0.0, 1.0, 0.1))]
    pred = [para(0, "a", (0.0, 0.0, 0.6, 0.1)), para(1, "a", (0.0, 0.0, 0.9, 0.1))]
    result = match_blocks(gold, pred)
    assert [(m.gold, m.pred) for m in result.matches] == [(0, 1)]
    assert result.detection["paragraph"] == DetectionCounts(tp=1, fp=1)


def test_missing_boxes_fall_back_to_order_and_skip_detection() -> None:
    gold = [para(0, "a"), para(1, "b"), heading(2, "h", A)]
    pred = [para(1, "b"), para(0, "a"), heading(2, "h", A)]
    result = match_blocks(gold, pred)
    by_order = sorted((m.gold, m.pred) for m in result.matches if m.by == "order")
    assert by_order == [(0, 1), (1, 0)]  # k-th gold paragraph with k-th predicted paragraph in reading order
    assert "paragraph" not in result.detection
    assert result.skipped == 4
    assert result.detection["heading"] == DetectionCounts(tp=1)


def test_box_from_page_geometry_when_not_normalized() -> None:
    block = ParagraphBlock(id="x", page=1, order=0, bbox=BBox(x0=10, y0=20, x1=50, y1=100))
    assert normalized_box(block, GEOMETRY) == (0.1, 0.1, 0.5, 0.5)
    assert normalized_box(block, None) is None


def test_rates_undefined_without_blocks() -> None:
    empty = DetectionCounts()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    missed = DetectionCounts(fn=3)
    assert (missed.precision, missed.recall, missed.f1) == (None, 0.0, 0.0)
