"""PyMuPDF page -> PIL RGB image at an exact per-axis scale, without copying the pixels.

The fast path draws the page with MuPDF's low-level API (``pymupdf.mupdf``) straight into an RGB
pixmap (3 bytes per pixel, no alpha) cleared to white, skipping the display list that
``get_pixmap`` builds for each call: what ``get_pixmap(alpha=False)`` draws, pixel for pixel. The
image handed out is a :class:`~docparse.image_codec.PackedRGBImage` over the pixmap's samples: no
copy until Pillow itself needs the pixels (then one, into Pillow's 4-byte layout), and none at
all for the ``png`` encoding of an HTTP engine, which reads the samples directly. The pixmap
lives as long as the samples are referenced. Should the low-level API be missing, the public
``get_pixmap`` path is used.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
from PIL import Image

from docparse.image_codec import PackedRGBImage
from docparse.mupdf import pymupdf as _pymupdf

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
    "fz_pixmap_samples_int",
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
        return _packed_image(_draw_rgb(page, scale_x, scale_y))
    pix = page.get_pixmap(matrix=pymupdf.Matrix(scale_x, scale_y), colorspace=pymupdf.csRGB, alpha=False)
    # ``pix`` must outlive the memoryview: Pixmap.__del__ releases it.
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", pix.stride)


def _draw_rgb(page: Any, scale_x: float, scale_y: float) -> Any:
    """A new ``mupdf.FzPixmap`` (RGB, no alpha) with ``page`` drawn on white."""
    mupdf = _mupdf
    ctm = mupdf.FzMatrix(scale_x, 0.0, 0.0, scale_y, 0.0, 0.0)
    irect = mupdf.fz_round_rect(mupdf.fz_transform_rect(mupdf.fz_bound_page(page.this), ctm))
    pix = mupdf.fz_new_pixmap_with_bbox(mupdf.fz_device_rgb(), irect, mupdf.FzSeparations(), 0)
    mupdf.fz_clear_pixmap_with_value(pix, 0xFF)  # white
    device = mupdf.fz_new_draw_device(ctm, pix)
    mupdf.fz_run_page(page.this, device, mupdf.FzMatrix(), mupdf.FzCookie())
    mupdf.fz_close_device(device)
    return pix


def _packed_image(pix: Any) -> Image.Image:
    """A :class:`PackedRGBImage` whose pixels *are* ``pix``'s samples (no copy); the samples
    hold the pixmap, so it lives while the image or any view of its pixels does."""
    height, width, stride = pix.h(), pix.w(), _mupdf.fz_pixmap_stride(pix)
    samples = (ctypes.c_ubyte * (stride * height)).from_address(_mupdf.fz_pixmap_samples_int(pix))
    vars(samples)["pixmap"] = pix
    rows = np.frombuffer(samples, dtype=np.uint8).reshape(height, stride)
    if stride != width * 3:  # MuPDF packs RGB rows; should it ever pad them, copy once
        return PackedRGBImage(np.ascontiguousarray(rows[:, : width * 3]).reshape(height, width, 3))
    return PackedRGBImage(rows.reshape(height, width, 3))
