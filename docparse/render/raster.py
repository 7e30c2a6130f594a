"""PyMuPDF page -> PIL RGB image at an exact per-axis scale, without copying the pixels.

The fast path draws the page with MuPDF's low-level API (``pymupdf.mupdf``), skipping the display
list that ``get_pixmap`` builds for each call, in the layout its consumer reads, so that nobody
copies the pixels:

* ``packed=False`` (the default: for consumers that hand the image to Pillow — a model's
  processor, the kept JPEG): an RGBA pixmap pre-filled with opaque white. Pillow keeps RGB
  images 4 bytes per pixel (R, G, B, pad), exactly that layout, so the image is made *over* the
  pixmap's samples (:func:`_image_over`); where this Pillow cannot map memory that way
  (:data:`MAPS_RGB` false) the samples are copied once as ``RGBX``. Equal to
  ``page.get_pixmap(matrix=Matrix(sx, sy), alpha=False)`` up to one level per channel where
  blend modes meet the RGBA backdrop (e.g. a multiply-blended highlight annotation).
* ``packed=True`` (for consumers that read packed RGB — the ``png`` encoder of an HTTP engine):
  an RGB pixmap (3 bytes per pixel, no alpha) cleared to white — what ``get_pixmap(alpha=False)``
  draws, pixel for pixel — handed out as a :class:`~docparse.image_codec.PackedRGBImage`: the
  encoder reads the samples directly, and Pillow copies them only if something asks it for a
  pixel.

The pixmap lives as long as the image (or a view of its samples); ``tests/render/test_raster.py``
pins both layouts against ``get_pixmap``. Should the low-level API be missing, the public
``get_pixmap`` path is used.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
from PIL import Image
from PIL import _imaging as _pillow_core  # Pillow's C core: ``map_buffer`` maps memory as an image

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
    "fz_pixmap_samples_memoryview",
    "fz_pixmap_stride",
)
LOW_LEVEL = _mupdf is not None and all(hasattr(_mupdf, name) for name in _LOW_LEVEL_NAMES)


def rasterize(
    page: Any, scale_x: float, scale_y: float, *, fast: bool = LOW_LEVEL, packed: bool = False
) -> Image.Image:
    """Render a ``pymupdf.Page`` (as displayed) scaled by ``scale_x``/``scale_y`` to an RGB image.

    The size is MuPDF's outward-rounded transformed page box, i.e. exactly
    ``(width_pt * scale_x, height_pt * scale_y)`` when those are integers. MuPDF errors
    propagate (``RuntimeError`` or ``pymupdf.mupdf.FzErrorBase``). ``packed``: the layout (see
    the module docstring).
    """
    if fast and packed:
        return _packed_image(_draw(page, scale_x, scale_y, alpha=False))
    if fast:
        pix = _draw(page, scale_x, scale_y, alpha=True)
        return _image_over(pix) if MAPS_RGB else _image_copied(pix)
    pix = page.get_pixmap(matrix=pymupdf.Matrix(scale_x, scale_y), colorspace=pymupdf.csRGB, alpha=False)
    # ``pix`` must outlive the memoryview: Pixmap.__del__ releases it.
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", pix.stride)


def _draw(page: Any, scale_x: float, scale_y: float, *, alpha: bool) -> Any:
    """A new ``mupdf.FzPixmap`` with ``page`` drawn on white: RGB, or RGB + alpha 255 everywhere."""
    mupdf = _mupdf
    ctm = mupdf.FzMatrix(scale_x, 0.0, 0.0, scale_y, 0.0, 0.0)
    irect = mupdf.fz_round_rect(mupdf.fz_transform_rect(mupdf.fz_bound_page(page.this), ctm))
    pix = mupdf.fz_new_pixmap_with_bbox(mupdf.fz_device_rgb(), irect, mupdf.FzSeparations(), int(alpha))
    mupdf.fz_clear_pixmap_with_value(pix, 0xFF)  # white (and opaque: alpha is 255 everywhere)
    device = mupdf.fz_new_draw_device(ctm, pix)
    mupdf.fz_run_page(page.this, device, mupdf.FzMatrix(), mupdf.FzCookie())
    mupdf.fz_close_device(device)
    return pix


def _samples(pix: Any) -> tuple[Any, int]:
    """``pix``'s samples as a ctypes buffer that holds the pixmap (so it lives while the buffer,
    or anything made over it, does), and the row stride in bytes."""
    height, stride = pix.h(), _mupdf.fz_pixmap_stride(pix)
    samples = (ctypes.c_ubyte * (stride * height)).from_address(_mupdf.fz_pixmap_samples_int(pix))
    vars(samples)["pixmap"] = pix
    return samples, stride


def _packed_image(pix: Any) -> Image.Image:
    """A :class:`PackedRGBImage` whose pixels *are* ``pix``'s samples (no copy); it lives while
    the image or any view of its pixels does."""
    height, width = pix.h(), pix.w()
    samples, stride = _samples(pix)
    rows = np.frombuffer(samples, dtype=np.uint8).reshape(height, stride)
    if stride != width * 3:  # MuPDF packs RGB rows; should it ever pad them, copy once
        return PackedRGBImage(np.ascontiguousarray(rows[:, : width * 3]).reshape(height, width, 3))
    return PackedRGBImage(rows.reshape(height, width, 3))


def _image_over(pix: Any) -> Image.Image:
    """An ``RGB`` image whose pixels *are* ``pix``'s samples (no copy); it keeps ``pix`` alive."""
    samples, stride = _samples(pix)
    return _wrap_rgbx(samples, pix.w(), pix.h(), stride)


def _image_copied(pix: Any) -> Image.Image:
    """An ``RGB`` image with a copy of ``pix``'s samples."""
    image = Image.new("RGB", (pix.w(), pix.h()), None)  # uninitialised: every pixel is written next
    samples = _mupdf.fz_pixmap_samples_memoryview(pix)
    try:
        image.frombytes(samples, "raw", ("RGBX", _mupdf.fz_pixmap_stride(pix)))
    finally:
        samples.release()
    return image


def _wrap_rgbx(buffer: Any, width: int, height: int, stride: int) -> Image.Image:
    """A writable ``RGB`` image over ``buffer``: ``height`` rows ``stride`` bytes apart of
    ``width`` 4-byte R, G, B, pad pixels — Pillow's own layout for ``RGB``, so Pillow maps the
    memory instead of unpacking it (what ``Image.frombuffer`` does for ``RGBX``, kept ``RGB``)."""
    return Image.new("RGB", (0, 0))._new(_pillow_core.map_buffer(buffer, (width, height), "raw", 0, ("RGB", stride, 1)))


def _maps_rgb() -> bool:
    """Whether this Pillow maps 4-byte-per-pixel memory as an ``RGB`` image (see :func:`_wrap_rgbx`)."""
    try:
        image = _wrap_rgbx(bytearray(b"\x01\x02\x03\xff\x04\x05\x06\xff"), 2, 1, 8)
        return image.mode == "RGB" and image.tobytes() == b"\x01\x02\x03\x04\x05\x06"
    except Exception:  # any failure means: copy instead
        return False


MAPS_RGB = LOW_LEVEL and _maps_rgb()
"""Whether :func:`rasterize`'s fast path hands out images over MuPDF's memory (else it copies once)."""
