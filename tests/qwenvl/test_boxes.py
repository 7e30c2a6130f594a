"""Box repair and the two coordinate conventions, with exact expected page coordinates."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docparse.qwenvl import map_box, read_box
from docparse.qwenvl.boxes import _rounded, map_box_fields, read_box_fields
from schemas import BBox, CoordinateConvention, PageGeometry
from tests.qwenvl.helpers import A4, CORPUS_GEOMETRY, LETTER, SCAN, codes, parse


def test_qwen25_absolute_maps_model_pixels_to_page_points() -> None:
    result = parse('<p data-bbox="546 714 1092 1428">x</p>', "qwen2.5-absolute", LETTER)
    block = result.blocks[0]
    assert block.bbox == BBox(x0=306.0, y0=396.0, x1=612.0, y1=792.0)
    assert block.bbox_norm == BBox(x0=0.5, y0=0.5, x1=1.0, y1=1.0)
    assert codes(result) == ["root_missing"]


def test_qwen25_absolute_on_a_scan_in_pixels() -> None:
    block = parse('<p data-bbox="100 150 500 750">x</p>', "qwen2.5-absolute", SCAN).blocks[0]
    assert block.bbox == BBox(x0=200.0, y0=300.0, x1=1000.0, y1=1500.0)
    assert block.bbox_norm == BBox(x0=0.1, y0=0.1, x1=0.5, y1=0.5)


def test_qwen3_relative_maps_thousandths() -> None:
    block = parse('<div class="text" data-bbox="250 500 750 1000">x</div>', "qwen3-relative", LETTER).blocks[0]
    assert block.type == "paragraph"
    assert block.bbox == BBox(x0=153.0, y0=396.0, x1=459.0, y1=792.0)
    assert block.bbox_norm == BBox(x0=0.25, y0=0.5, x1=0.75, y1=1.0)


def test_same_numbers_differ_by_convention() -> None:
    absolute = map_box([100, 100, 200, 200], SCAN, "qwen2.5-absolute").bbox
    relative = map_box([100, 100, 200, 200], SCAN, "qwen3-relative").bbox
    assert absolute == BBox(x0=200.0, y0=200.0, x1=400.0, y1=400.0)
    assert relative == BBox(x0=200.0, y0=300.0, x1=400.0, y1=600.0)


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        ("500 750 100 150", "bbox_swapped", BBox(x0=200.0, y0=300.0, x1=1000.0, y1=1500.0)),
        ("-10 -5 1200 1600", "bbox_clamped", BBox(x0=0.0, y0=0.0, x1=2000.0, y1=3000.0)),
        ("100 150 100 750", "bbox_degenerate", BBox(x0=200.0, y0=300.0, x1=200.0, y1=1500.0)),
        ("1100 1600 1200 1700", "bbox_clamped", BBox(x0=2000.0, y0=3000.0, x1=2000.0, y1=3000.0)),
    ],
)
def test_repairs(raw: str, code: str, expected: BBox) -> None:
    result = parse(f'<p data-bbox="{raw}">x</p>', geometry=SCAN)
    assert result.blocks[0].bbox == expected
    assert code in codes(result)
    assert all(i.block == 0 for i in result.issues if i.code.startswith("bbox"))


def test_fully_outside_box_is_clamped_then_degenerate() -> None:
    result = parse('<p data-bbox="1100 1600 1200 1700">x</p>', geometry=SCAN)
    assert codes(result) == ["root_missing", "bbox_clamped", "bbox_degenerate"]


@pytest.mark.parametrize("raw", ["a b c d", "1 2 3", "1 2 3 4 5", "", "nan 1 2 3", "1e999 1 2 3", "1 2 3 4px"])
def test_malformed_boxes_keep_the_block_without_box(raw: str) -> None:
    result = parse(f'<p data-bbox="{raw}">kept</p>')
    assert result.blocks[0].text == "kept"
    assert result.blocks[0].bbox is None
    assert result.blocks[0].bbox_norm is None
    assert codes(result) == ["root_missing", "bbox_malformed"]


def test_separators_and_polygon() -> None:
    assert read_box("[10, 20, 30, 40]", None, SCAN, "qwen2.5-absolute").bbox == BBox(x0=20, y0=40, x1=60, y1=80)
    polygon = read_box(None, "10 20 30 20 30 40 10 40", SCAN, "qwen2.5-absolute")
    assert polygon.bbox == BBox(x0=20, y0=40, x1=60, y1=80)
    assert read_box(None, "10 20 30", SCAN, "qwen2.5-absolute").fixes[0].code == "bbox_malformed"
    assert read_box(None, None, SCAN, "qwen2.5-absolute") is None


def test_missing_box_is_reported_per_block() -> None:
    result = parse('<p data-bbox="1 2 3 4">a</p><p>b</p>')
    assert [b.bbox is None for b in result.blocks] == [False, True]
    missing = [i for i in result.issues if i.code == "bbox_missing"]
    assert [i.block for i in missing] == [1]


def test_outer_box_is_authoritative_over_img() -> None:
    block = parse('<div class="image" data-bbox="0 0 546 714"><img data-bbox="1 1 540 700"/></div>').blocks[0]
    assert block.bbox == BBox(x0=0.0, y0=0.0, x1=306.0, y1=396.0)
    assert block.image_bbox is not None
    assert block.image_bbox.x1 < 306.0


def test_quick_rounding_is_round_bit_for_bit() -> None:
    """Page and normalized coordinates round exactly as ``round(value, digits)``, ties and zeros included."""
    rng = random.Random(0)
    values = [0.0, -0.0, -0.0004, 0.0005, 0.0015, 2.675, 1e12, -1e15, 2.0**30, 1 / 3]
    values += [rng.randint(-(10**7), 10**7) / 1000 + rng.choice([0, 5e-4, -5e-4]) for _ in range(2000)]
    values += [rng.randint(0, 3000) * 612 / 1092 for _ in range(2000)] + [rng.uniform(0, 1) for _ in range(2000)]
    for digits in (3, 6):
        for value in values:
            got = _rounded((value,), digits)[0]
            assert got == round(value, digits) and math.copysign(1, got) == math.copysign(1, round(value, digits))


@settings(deadline=None, max_examples=300)
@given(
    corners=st.lists(st.integers(min_value=0, max_value=4000), min_size=4, max_size=4),
    geometry=st.sampled_from([LETTER, SCAN, CORPUS_GEOMETRY, A4]),
    convention=st.sampled_from(["qwen2.5-absolute", "qwen3-relative"]),
    spaces=st.sampled_from([" ", "  ", "\n"]),
)
def test_a_box_of_four_integers_maps_as_the_general_way_maps_it(
    corners: list[int], geometry: PageGeometry, convention: CoordinateConvention, spaces: str
) -> None:
    """The model's usual ``data-bbox`` (four integers) takes a quicker way (integer edges mapped
    once per page size): the same floats, and the same repairs, as the general mapping."""
    quick = read_box_fields(spaces.join(map(str, corners)), None, geometry, convention)
    general = map_box_fields([float(c) for c in corners], geometry, convention)
    assert quick == general
    again = read_box_fields(" ".join(map(str, corners)), None, geometry, convention)  # from what it kept
    assert again == general
