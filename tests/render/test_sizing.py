"""``model_input_size`` equals transformers' shipped ``smart_resize`` (with swapped axes)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import pytest

from docparse.render import LimitExceeded, model_input_size

SIDES = [1, 2, 5, 13, 14, 15, 27, 28, 29, 41, 42, 56, 99, 100, 333, 500, 595, 612, 792, 842, 1000, 1014, 1532]
SIDES += [2048, 2480, 3508, 4000, 9999, 14400, 20000, 65000]
BUDGETS = [
    (56 * 56, 28 * 28 * 1280),  # transformers' default
    (512 * 28 * 28, 2048 * 28 * 28),  # Qwen2.5-VL cookbook, document parsing
    (4 * 28 * 28, 16384 * 28 * 28),
    (256 * 28 * 28, 1280 * 28 * 28),
    (64 * 32 * 32, 1024 * 32 * 32),  # Qwen3-VL style budget
]
FACTORS = [28, 32]


@pytest.fixture(scope="module")
def upstream() -> Callable[..., tuple[int, int]]:
    """transformers' own ``smart_resize``: imported, never skipped — if transformers moves it,
    this fails and the new location must be found (the equality is a guarantee we rely on)."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    return smart_resize  # type: ignore[no-any-return]


def _cases() -> list[tuple[int, int]]:
    grid = [(w, h) for w, h in itertools.product(SIDES, SIDES) if max(w, h) / min(w, h) <= 200]
    rng = random.Random(20240611)
    rand = []
    while len(rand) < 400:
        w, h = rng.randint(1, 30000), rng.randint(1, 30000)
        if max(w, h) / min(w, h) <= 200:
            rand.append((w, h))
    # extreme but allowed aspect ratios, exactly at and just below the limit
    extreme = [(200, 1), (1, 200), (20000, 100), (100, 20000), (5600, 28), (28, 5599), (19999, 100)]
    return grid + rand + extreme


CASES = _cases()


def test_grid_is_large() -> None:
    assert len(CASES) * len(BUDGETS) * len(FACTORS) > 5000


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize(("min_pixels", "max_pixels"), BUDGETS)
@pytest.mark.guarantee
def test_equals_transformers_smart_resize(
    upstream: Callable[..., tuple[int, int]], factor: int, min_pixels: int, max_pixels: int
) -> None:
    mismatches = []
    for width, height in CASES:
        h_ref, w_ref = upstream(height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
        ours = model_input_size(width, height, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor)
        if ours != (w_ref, h_ref):
            mismatches.append(((width, height), ours, (w_ref, h_ref)))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize("factor", FACTORS)
def test_extreme_aspect_ratio_refused_like_transformers(upstream: Callable[..., tuple[int, int]], factor: int) -> None:
    for width, height in [(201, 1), (1, 201), (20100, 100), (28, 5700)]:
        with pytest.raises(ValueError, match="aspect ratio"):
            upstream(height, width, factor=factor, min_pixels=56 * 56, max_pixels=28 * 28 * 1280)
        with pytest.raises(LimitExceeded, match=r"aspect ratio .* exceeds the model's limit of 200:1") as info:
            model_input_size(width, height, min_pixels=56 * 56, max_pixels=28 * 28 * 1280, factor=factor)
        assert info.value.limit == "aspect_ratio"
        assert info.value.value > 200


def test_cookbook_example() -> None:
    # Qwen2.5-VL cookbook: a 1014x1532 image becomes 1008x1540 (width x height)
    assert model_input_size(1014, 1532, min_pixels=512 * 28 * 28, max_pixels=2048 * 28 * 28) == (1008, 1540)


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize(("min_pixels", "max_pixels"), BUDGETS)
def test_invariants(factor: int, min_pixels: int, max_pixels: int) -> None:
    for width, height in CASES:
        w, h = model_input_size(width, height, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor)
        assert (w % factor, h % factor) == (0, 0)
        assert min(w, h) >= factor
        if max(width, height) / min(width, height) <= 50:  # floor/ceil of both sides stays in budget
            assert w * h <= max_pixels, (width, height)
            assert w * h >= min_pixels, (width, height)


def test_argument_order_is_width_height() -> None:
    w, h = model_input_size(2000, 1000, min_pixels=4 * 28 * 28, max_pixels=4096 * 28 * 28)
    assert (w, h) == (1988, 1008)
    assert w > h


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width": 0, "height": 10}, "must be positive"),
        ({"width": 10, "height": -1}, "must be positive"),
        ({"width": 10, "height": 10, "factor": 0}, "factor"),
        ({"width": 10, "height": 10, "min_pixels": 10, "max_pixels": 5}, "pixel budget"),
    ],
)
def test_bad_arguments(kwargs: dict[str, int], message: str) -> None:
    args = {"min_pixels": 56 * 56, "max_pixels": 28 * 28 * 1280} | kwargs
    with pytest.raises(ValueError, match=message):
        model_input_size(**args)  # type: ignore[arg-type]
