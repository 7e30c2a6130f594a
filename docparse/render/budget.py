"""Pixel budgets against the operator's caps: the checks every entry point and renderer share.

An uploader chooses ``min_pixels``/``max_pixels``; the operator bounds them with
:attr:`RenderLimits.max_model_pixels`. :func:`check_pixel_budget` is what the API and the CLI run
on a request (a clear error naming the option and the limit, before anything is queued);
:func:`check_model_pixels` is what the renderers run on each page once its model input size is
known and before that image is allocated, so a budget that slipped past (an old queued document,
a library caller) still cannot drive a worker out of memory.
"""

from __future__ import annotations

from docparse.render.base import RenderLimits
from docparse.render.errors import InvalidPixelBudget, LimitExceeded

__all__ = ["check_model_pixels", "check_pixel_budget"]


def check_pixel_budget(min_pixels: int, max_pixels: int, limits: RenderLimits) -> None:
    """Raise :class:`InvalidPixelBudget` unless ``0 < min_pixels <= max_pixels <= limits.max_model_pixels``."""
    for option, value in (("min_pixels", min_pixels), ("max_pixels", max_pixels)):
        if value <= 0:
            raise InvalidPixelBudget(f"{option} must be positive, got {value}", option=option, limit="positive")
        if value > limits.max_model_pixels:
            raise InvalidPixelBudget(
                f"{option}={value} is over the operator's limit of {limits.max_model_pixels} model input pixels "
                "(max_model_pixels, DOCPARSE_MAX_MODEL_PIXELS)",
                option=option,
                limit="max_model_pixels",
                maximum=limits.max_model_pixels,
            )
    if min_pixels > max_pixels:
        raise InvalidPixelBudget(
            f"min_pixels={min_pixels} is greater than max_pixels={max_pixels}: the budget must satisfy "
            "min_pixels <= max_pixels",
            option="min_pixels",
            limit="min_pixels <= max_pixels",
            maximum=max_pixels,
        )


def check_model_pixels(width: int, height: int, limits: RenderLimits, *, number: int) -> None:
    """Raise :class:`LimitExceeded` when a ``width`` x ``height`` model input is over ``limits.max_model_pixels``."""
    if width * height > limits.max_model_pixels:
        raise LimitExceeded(
            f"page {number} would reach the model at {width}x{height} = {width * height} pixels, over the "
            f"operator's limit of {limits.max_model_pixels} model input pixels (DOCPARSE_MAX_MODEL_PIXELS)",
            limit="max_model_pixels",
            value=width * height,
            maximum=limits.max_model_pixels,
        )
