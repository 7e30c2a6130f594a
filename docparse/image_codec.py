"""Page images to bytes, for engines that send them over HTTP (data URLs) and for kept page images.

A leaf shared by :mod:`docparse.render` (which re-exports it) and :mod:`docparse.engines`
(which may not import render): pure functions over Pillow images, numpy and ISA-L.

Formats (none changes the pixel size, so the model's boxes stay in the page's model pixels):

* ``png`` (the default): lossless PNG written here in a few vectorised steps — every row
  with the PNG "Up" filter (one numpy subtraction for the whole image) and one deflate stream
  from ISA-L at level 1 (``isal``: several times faster than zlib, any inflater reads it).
  Measured in ``make bench`` (render scenario) at a fraction of the render's own cost, where
  Pillow's PNG writer spends 3-10x the render on adaptive filtering and zlib; about 20% larger
  than Pillow at zlib level 6.
* ``png-small``: Pillow's PNG at zlib level 6 with adaptive filters: the smallest PNG, for a
  slow link to the server, at several times the render's CPU.
* ``webp``: lossless WebP (libwebp, fastest method): close to ``png-small`` in size, slower
  than ``png``.
* ``jpeg``: lossy, 4:4:4 chroma so thin coloured text stays legible (``quality`` 1..95).

vLLM and SGLang decode PNG, WebP and JPEG data URLs with Pillow (and convert to RGB).
"""

from __future__ import annotations

import io
import struct
from typing import Literal

import numpy as np
from isal import isal_zlib
from PIL import Image

__all__ = ["ENCODED_MEDIA_TYPES", "IMAGE_FORMATS", "ImageFormat", "encode_image", "fast_png"]

ImageFormat = Literal["png", "png-small", "webp", "jpeg"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = ("png", "png-small", "webp", "jpeg")

ENCODED_MEDIA_TYPES: dict[str, str] = {
    "png": "image/png",
    "png-small": "image/png",
    "webp": "image/webp",
    "jpeg": "image/jpeg",
}
"""The media type of each :data:`ImageFormat`, e.g. for ``data:image/png;base64,...``."""

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UP = 2  # PNG filter type: each byte minus the byte above it
_COLOR_TYPES = {"L": (0, 1), "RGB": (2, 3)}  # PIL mode -> (PNG colour type, bytes per pixel)


def encode_image(image: Image.Image, fmt: ImageFormat = "png", quality: int = 90) -> bytes:
    """Encode ``image`` in ``fmt`` (see the module docstring; ``quality`` applies to JPEG only).
    Modes other than ``L`` and ``RGB`` are converted to ``RGB`` first."""
    if fmt not in ENCODED_MEDIA_TYPES:
        raise ValueError(f"unknown image format {fmt!r}: expected one of {', '.join(IMAGE_FORMATS)}")
    if image.mode not in _COLOR_TYPES:
        image = image.convert("RGB")
    if fmt == "png":
        return fast_png(image)
    buffer = io.BytesIO()
    if fmt == "png-small":
        image.save(buffer, format="PNG", compress_level=6)
    elif fmt == "webp":
        image.save(buffer, format="WEBP", lossless=True, method=0, quality=0)
    else:
        if not 1 <= quality <= 95:
            raise ValueError(f"JPEG quality must be within 1..95, got {quality}")
        image.save(buffer, format="JPEG", quality=quality, subsampling=0)
    return buffer.getvalue()


def fast_png(image: Image.Image, level: int = 1) -> bytes:
    """A lossless 8-bit PNG of an ``L`` or ``RGB`` image: Up-filtered rows, one ISA-L deflate
    stream at ``level`` (0..3) in one IDAT chunk."""
    if image.mode not in _COLOR_TYPES:
        raise ValueError(f"fast_png writes L or RGB images, not {image.mode}")
    color_type, channels = _COLOR_TYPES[image.mode]
    width, height = image.size
    pixels = np.asarray(image, dtype=np.uint8).reshape(height, width * channels)
    rows = np.empty((height, width * channels + 1), dtype=np.uint8)
    rows[:, 0] = _UP
    rows[0, 1:] = pixels[0]  # the first row has nothing above it: Up leaves it as is
    np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:])  # modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    data = isal_zlib.compress(rows, level)
    return b"".join((_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", data), _chunk(b"IEND", b"")))


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = isal_zlib.crc32(data, isal_zlib.crc32(tag)) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)
