"""Synthetic engine inputs shared by the tests and the official-processor recorder (no pytest here)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from docparse.engines.base import PageInput

# A small pixel budget for tests: pages of 4..256 merged patches (28x28 px each for Qwen2.5-VL).
TEST_MIN_PIXELS = 4 * 28 * 28
TEST_MAX_PIXELS = 256 * 28 * 28


def make_page(cols: int, rows: int, *, factor: int = 28, seed: int = 0) -> PageInput:
    """A synthetic text-like page of ``cols*factor`` x ``rows*factor`` px (a ``smart_resize`` size)."""
    width, height = cols * factor, rows * factor
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    y = 6
    while y < height - 6:
        x = 6
        while x < width - 12:
            w = rng.randint(4, 18)
            draw.rectangle([x, y, min(x + w, width - 6), y + 4], fill=(rng.randint(0, 60),) * 3)
            x += w + rng.randint(3, 8)
        y += rng.randint(9, 14)
    return PageInput(image=image, model_width=width, model_height=height)
