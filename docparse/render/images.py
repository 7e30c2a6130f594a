"""Scans and photos (PNG, JPEG, TIFF, WebP, BMP, GIF) as pages, with Pillow.

Page space is the image's own pixels after its EXIF orientation (unit ``px``); the image
given to the model is resized once, bicubic like Qwen's processor, to its ``smart_resize``
size. A multi-page TIFF is one page per frame; a GIF, an animated WebP or a multi-picture
JPEG contributes its first frame only.

Every pixel mode becomes RGB: alpha (RGBA, LA, PA, transparent palettes) is composited on
white, 16-bit and 32-bit greys are scaled to 8 bits (not clipped), CMYK, palette, 1-bit
and grayscale are converted.

Decompression bombs: the size an image *declares* is checked against
:attr:`RenderLimits.max_page_pixels` before any pixel is decoded. Pillow's own guard (which
raises above ``2 * PIL.Image.MAX_IMAGE_PIXELS``, about 179 MP by default) still applies and
is reported as :class:`LimitExceeded` too; its warning band below that is silenced here
since our limit governs. Raise ``PIL.Image.MAX_IMAGE_PIXELS`` in the application to admit
larger images. The file is reopened for each render, so no handle or decoded frame is kept
between pages.

Memory: the model input size is computed from the declared size and checked against
:attr:`RenderLimits.max_model_pixels` before anything is decoded or allocated. A JPEG is then
decoded at a reduced DCT scale (``draft``); other formats are decoded once in their own mode and
reduced band by band (see :func:`_decode_rgb`), so a page costs at most about 4 bytes per
declared pixel plus its model image, and an 8-bit PNG (streamed) about 20 MB per band — a
13000x13000 RGBA PNG peaks near 250 MB instead of 2 GB.
"""

from __future__ import annotations

import re
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import ExifTags, Image, UnidentifiedImageError

from docparse.cancellation import Cancellation
from docparse.render.base import DEFAULT_LIMITS, OpenedDocument, RenderedPage, RenderLimits
from docparse.render.budget import check_model_pixels
from docparse.render.errors import CorruptDocument, LimitExceeded
from docparse.render.png_bands import png_bands, png_exif
from docparse.render.sizing import model_input_size
from schemas.geometry import PageGeometry

__all__ = ["ImageDocument", "to_rgb"]

_PIL_FORMATS: dict[str, list[str]] = {
    "image/png": ["PNG"],
    "image/jpeg": ["JPEG"],
    "image/tiff": ["TIFF"],
    "image/webp": ["WEBP"],
    "image/bmp": ["BMP"],
    "image/gif": ["GIF"],
}
_WHITE = (255, 255, 255)


class ImageDocument(OpenedDocument):
    """An image file whose frames are pages (TIFF) or whose first frame is the page."""

    def __init__(self, path: Path, media_type: str, *, limits: RenderLimits = DEFAULT_LIMITS) -> None:
        if media_type not in _PIL_FORMATS:
            raise ValueError(f"not an image media type: {media_type}")
        self._limits = limits
        self._formats = _PIL_FORMATS[media_type]
        with self._open(path) as image:
            _check_pixels(image.size, limits, number=1)
            try:  # counting TIFF frames walks the file: a damaged one fails here, as a bad file
                frames = int(getattr(image, "n_frames", 1)) if media_type == "image/tiff" else 1
            except (OSError, EOFError, SyntaxError, ValueError, struct.error) as exc:
                detail = f"{path.name} is not a readable image (its pages cannot be counted): {exc}"
                raise CorruptDocument(detail) from exc
        if frames > limits.max_pages:
            raise LimitExceeded(
                f"{path.name} has {frames} pages, over the limit of {limits.max_pages} pages per document",
                limit="max_pages",
                value=frames,
                maximum=limits.max_pages,
            )
        super().__init__(path, media_type, frames)

    def _open(self, path: Path) -> Image.Image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                return Image.open(path, formats=self._formats)
        except Image.DecompressionBombError as exc:
            limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
            declared = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = int(declared.group(1)) if declared else float("nan")
            raise LimitExceeded(
                f"{path.name} declares {pixels} pixels, over Pillow's decompression-bomb limit of {limit} pixels; "
                "refusing to decode it",
                limit="max_page_pixels",
                value=pixels,
                maximum=limit,
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise CorruptDocument(f"{path.name} is not a readable image (damaged or truncated header): {exc}") from exc

    def _render(
        self, index0: int, *, min_pixels: int, max_pixels: int, factor: int, cancel: Cancellation | None = None
    ) -> RenderedPage:
        number = index0 + 1
        with self._open(self.path) as source:
            try:
                if index0:
                    source.seek(index0)
                _check_pixels(source.size, self._limits, number=number)
                orientation = _orientation(source)
                width, height = source.size if orientation < 5 else source.size[::-1]
                model_w, model_h = model_input_size(
                    width, height, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor
                )
                check_model_pixels(model_w, model_h, self._limits, number=number)
                target = (model_w, model_h) if orientation < 5 else (model_h, model_w)
                rgb = _orient(_decode_rgb(source, target), orientation)
            except (OSError, EOFError, SyntaxError, ValueError) as exc:
                raise CorruptDocument(f"page {number} of {self.path.name} cannot be decoded: {exc}") from exc
        if rgb.size != (model_w, model_h):
            rgb = rgb.resize((model_w, model_h), Image.Resampling.BICUBIC)
        geometry = PageGeometry(
            unit="px",
            width=width,
            height=height,
            pixel_width=width,
            pixel_height=height,
            model_width=model_w,
            model_height=model_h,
        )
        return RenderedPage(number=number, image=rgb, geometry=geometry)


def _check_pixels(size: tuple[int, int], limits: RenderLimits, *, number: int) -> None:
    width, height = size
    if width * height > limits.max_page_pixels:
        raise LimitExceeded(
            f"page {number} is {width}x{height} = {width * height} pixels, over the limit of "
            f"{limits.max_page_pixels} pixels per image (possible decompression bomb)",
            limit="max_page_pixels",
            value=width * height,
            maximum=limits.max_page_pixels,
        )
    if width < 1 or height < 1:
        raise CorruptDocument(f"page {number} has an empty size {width}x{height}")


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the transpose that displays the image upright (as ``ImageOps.exif_transpose``)."""

_DEEP_MODES = ("I", "F", "I;16", "I;16L", "I;16B", "I;16N")
_BAND_PIXELS = 1 << 22
"""Source pixels converted at a time when a large image is reduced (a 4 MP band)."""


def _orientation(image: Image.Image) -> int:
    path = getattr(image, "filename", None)
    if image.format == "PNG" and "exif" not in image.info and isinstance(path, str | bytes) and path:
        exif = Image.Exif()  # Pillow's getexif() would decode the whole PNG to find eXIf
        payload = png_exif(path)
        if payload:
            exif.load(payload)
    else:
        exif = image.getexif()
    value = exif.get(ExifTags.Base.Orientation, 1)
    return value if value in _TRANSPOSE else 1


def _orient(image: Image.Image, orientation: int) -> Image.Image:
    """Apply an EXIF orientation (a copy only when there is one to apply)."""
    return image.transpose(_TRANSPOSE[orientation]) if orientation in _TRANSPOSE else image


def _decode_rgb(source: Image.Image, target: tuple[int, int]) -> Image.Image:
    """The frame as RGB, decoded within a memory bound and no larger than needed for ``target``.

    A JPEG is decoded at the coarsest DCT scale that keeps at least twice the target size
    (``draft``: a 1/2 .. 1/8 decode, never the full raster). When the frame is at least four
    times the target on each side it is converted and box-reduced band by band (4 MP at a time)
    to about twice the target — the same reduce-then-resample that Pillow's
    ``resize(reducing_gap=2)`` does — so no second full-size copy is ever made. An 8-bit PNG is
    then streamed from the file band by band (:mod:`docparse.render.png_bands`) and never held
    whole; other formats decode once at full size in their own mode (1-4 bytes per pixel, at
    most ``max_page_pixels``). Alpha is composited on white before reducing, as for a small image.
    """
    tw, th = target
    if source.format == "JPEG":
        source.draft(None, (2 * tw, 2 * th))
    w, h = source.size
    k = int(min(w / tw, h / th) / 2)
    if k < 2 or source.mode in _DEEP_MODES:
        source.load()
        return to_rgb(source) if k < 2 else to_rgb(source).reduce(k)
    rows = k * max(1, _BAND_PIXELS // (w * k))
    bands = png_bands(source, rows) or _crops(source, rows)
    out = Image.new("RGB", (-(-w // k), -(-h // k)))
    top = 0
    for piece in bands:
        out.paste(to_rgb(piece).reduce(k), (0, top // k))
        top += piece.height
    return out


def _crops(source: Image.Image, rows: int) -> Iterator[Image.Image]:
    """The decoded frame in bands of ``rows`` rows (the last may be shorter), top to bottom."""
    source.load()
    w, h = source.size
    for top in range(0, h, rows):
        yield source.crop((0, top, w, min(h, top + rows)))


def to_rgb(image: Image.Image) -> Image.Image:
    """``image`` as 8-bit RGB: alpha over white, high bit depths scaled, other modes converted."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _deep_gray_to_l(image).convert("RGB")
    if mode == "P" and "transparency" in image.info:
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image if mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _deep_gray_to_l(image: Image.Image) -> Image.Image:
    """16/32-bit integer or float greys to ``L`` by scaling their range, not clipping it."""
    if image.mode.startswith("I;16"):
        full = 65535.0
        image = image.convert("I")
    else:
        image = image.convert("I") if image.mode != "F" else image
        low, high = image.getextrema()
        high = float(high)  # type: ignore[arg-type]
        if image.mode == "F" and float(low) >= 0.0 and high <= 1.0:  # type: ignore[arg-type]
            full = 1.0
        elif high <= 255:
            full = 255.0
        else:
            full = 65535.0 if high <= 65535 else high
    scale = 255.0 / full
    scaled = image.point(lambda value: value * scale + 0.5)  # round, not truncate  # type: ignore[arg-type,operator,return-value]
    return scaled.convert("L")
