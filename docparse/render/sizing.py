"""Qwen's ``smart_resize``: the exact pixel size of the image a Qwen-VL model sees.

Qwen2.5-VL cuts the image into 14-px patches merged 2x2, so both sides must be multiples
of ``factor`` = 28 (Qwen3-VL: 16-px patches, ``factor`` = 32), and the total pixel count
must lie within ``[min_pixels, max_pixels]``. The processor rounds each side to the
nearest multiple, then scales down (floor) to fit ``max_pixels`` or up (ceil) to reach
``min_pixels``, keeping the aspect ratio; an aspect ratio over 200 is refused.

Why our own copy instead of importing it: transformers' function lives in
``transformers/models/qwen2_vl/image_processing_pil_qwen2_vl.py`` and importing that module
pulls in torch (about 9 s), which the render workers and the API must not pay just to
compute two integers. The rule is ten lines; ``tests/render/test_sizing.py`` proves that
this implementation returns exactly what transformers' shipped ``smart_resize`` returns
over a grid of page sizes and pixel budgets (tiny, huge and extreme-aspect pages; the
cookbook budget ``512*28*28 .. 2048*28*28``; factors 28 and 32), so a change upstream
fails the test rather than shifting boxes silently.

Argument order differs on purpose: transformers takes ``(height, width)`` and returns
``(h, w)``; :func:`model_input_size` takes and returns ``(width, height)`` like PIL.
Python's ``round`` (half to even) is used as upstream does.
"""

from __future__ import annotations

import math

from docparse.render.errors import LimitExceeded

__all__ = ["MAX_ASPECT_RATIO", "model_input_size"]

MAX_ASPECT_RATIO = 200
"""Qwen's processor refuses images whose long side is more than 200 times the short side."""


def model_input_size(width: int, height: int, *, min_pixels: int, max_pixels: int, factor: int = 28) -> tuple[int, int]:
    """``(width, height)`` of the model input for a ``width`` x ``height`` image.

    Both results are positive multiples of ``factor`` and, for any budget the model can
    actually accept, their product lies within ``[min_pixels, max_pixels]``. Raises
    :class:`LimitExceeded` when the aspect ratio exceeds :data:`MAX_ASPECT_RATIO` and
    ``ValueError`` for non-positive sizes, factors or an empty budget.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if factor <= 0:
        raise ValueError(f"factor must be positive, got {factor}")
    if min_pixels > max_pixels or max_pixels <= 0:
        raise ValueError(f"pixel budget must satisfy 0 < min_pixels <= max_pixels, got {min_pixels}..{max_pixels}")
    ratio = max(width, height) / min(width, height)
    if ratio > MAX_ASPECT_RATIO:
        raise LimitExceeded(
            f"page is {width}x{height}: its aspect ratio {ratio:.1f}:1 exceeds the model's limit of "
            f"{MAX_ASPECT_RATIO}:1; crop or split it before parsing",
            limit="aspect_ratio",
            value=ratio,
            maximum=MAX_ASPECT_RATIO,
        )
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    # Upstream can return a zero side when min_pixels is 0 and a side rounds to 0: no model
    # accepts that, so it is lifted to one patch row (never reached with real budgets).
    return max(w_bar, factor), max(h_bar, factor)
