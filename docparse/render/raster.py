"""PyMuPDF page -> PIL RGB image at an exact per-axis scale, with as few copies as possible.

The fast path draws the page with MuPDF's low-level API (``pymupdf.mupdf``) straight into an
RGBA pixmap pre-filled with opaque white, then hands the samples to Pillow once as
``RGBX``: Pillow keeps RGB images 4 bytes per pixel, so this is a plain copy, where the
3-byte samples of ``Page.get_pixmap(alpha=False)`` must be unpacked, and it skips the
display list that ``get_pixmap`` builds for each call. The output equals
``page.get_pixmap(matrix=Matrix(sx, sy), alpha=False)`` (annotations and widgets
included) up to one level per channel where blend modes meet the RGBA backdrop (e.g. a
multiply-blended highlight annotation); ``tests/render/test_raster.py`` pins that. Should the low-level API be missing,
the public ``get_pixmap`` path is used.
"""

from __future__ import annotations

from typing import Any

import pymupdf as _pymupdf
from PIL import Image

__all__ = ["rasterize"]

pymupdf: Any = _pymupdf
_mupdf: Any = getattr(_pymupdf, "mupdf", None)
_LOW_LEVEL_NAMES = (
    "FzMatrix",
    "FzCookie",
    "FzSeparations",
    "fz_bound_page",
    "fz_transform_rect",
    "fz_round_rect",
    "fz_device_rgb",
    "fz_new_pixmap_with_bbox",
    "fz_clear_pixmap_with_value",
    "fz_new_draw_device",
    "fz_run_page",
    "fz_close_device",
    "fz_pixmap_samples_memoryview",
    "fz_pixmap_stride",
)
LOW_LEVEL = _mupdf is not None and all(hasattr(_mupdf, name) for name in _LOW_LEVEL_NAMES)


def rasterize(page: Any, scale_x: float, scale_y: float, *, fast: bool = LOW_LEVEL) -> Image.Image:
    """Render a ``pymupdf.Page`` (as displayed) scaled by ``scale_x``/``scale_y`` to an RGB image.

    The size is MuPDF's outward-rounded transformed page box, i.e. exactly
    ``(width_pt * scale_x, height_pt * scale_y)`` when those are integers. MuPDF errors
    propagate (``RuntimeError`` or ``pymupdf.mupdf.FzErrorBase``).
    """
    if fast:
        return _rasterize_low_level(page, scale_x, scale_y)
    pix = page.get_pixmap(matrix=pymupdf.Matrix(scale_x, scale_y), colorspace=pymupdf.csRGB, alpha=False)
    # ``pix`` must outlive the memoryview: Pixmap.__del__ releases it.
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", pix.stride)


def _rasterize_low_level(page: Any, scale_x: float, scale_y: float) -> Image.Image:
    mupdf = _mupdf
    ctm = mupdf.FzMatrix(scale_x, 0.0, 0.0, scale_y, 0.0, 0.0)
    irect = mupdf.fz_round_rect(mupdf.fz_transform_rect(mupdf.fz_bound_page(page.this), ctm))
    pix = mupdf.fz_new_pixmap_with_bbox(mupdf.fz_device_rgb(), irect, mupdf.FzSeparations(), 1)
    mupdf.fz_clear_pixmap_with_value(pix, 0xFF)  # opaque white: alpha is 255 everywhere
    device = mupdf.fz_new_draw_device(ctm, pix)
    mupdf.fz_run_page(page.this, device, mupdf.FzMatrix(), mupdf.FzCookie())
    mupdf.fz_close_device(device)
    image = Image.new("RGB", (pix.w(), pix.h()), None)  # uninitialised: every pixel is written next
    samples = mupdf.fz_pixmap_samples_memoryview(pix)
    try:
        image.frombytes(samples, "raw", ("RGBX", mupdf.fz_pixmap_stride(pix)))
    finally:
        samples.release()
    return image
