"""Page images to bytes, for engines that send them over HTTP (data URLs) and for kept page images.

A leaf shared by :mod:`docparse.render` (which re-exports it) and :mod:`docparse.engines`
(which may not import render): pure functions over Pillow images, numpy and ISA-L.

Formats (none changes the pixel size, so the model's boxes stay in the page's model pixels):

* ``png`` (the default): lossless PNG written here in a few vectorised steps — every row
  with the PNG "Up" filter (one numpy subtraction for the whole image) and one deflate stream
  from ISA-L at level 1 (``isal``: several times faster than zlib, any inflater reads it).
  A :class:`PackedRGBImage` (what the PDF rasterizer hands out) is read from the renderer's own
  packed RGB memory, without first copying it into Pillow and back out.
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
from typing import Any, Literal

import numpy as np
from isal import isal_zlib
from PIL import Image

__all__ = [
    "ENCODED_MEDIA_TYPES",
    "IMAGE_FORMATS",
    "PACKED_FORMATS",
    "ImageFormat",
    "PackedRGBImage",
    "encode_image",
    "fast_png",
    "packed_pixels",
]

ImageFormat = Literal["png", "png-small", "webp", "jpeg"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = ("png", "png-small", "webp", "jpeg")
PACKED_FORMATS: frozenset[ImageFormat] = frozenset({"png"})
"""The encodings that read a :class:`PackedRGBImage`'s own pixels (:func:`fast_png`): pages meant
for them are rendered packed; the others hand the image to Pillow and get Pillow's layout."""

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


class PackedRGBImage(Image.Image):
    """An ``RGB`` image whose pixels stay where a renderer put them — ``pixels``, a uint8 array of
    shape (height, width, 3), rows packed — until Pillow needs them: then (any pixel access,
    ``tobytes``, ``save``, ``paste``, ``copy``, ``np.asarray``...) they are copied once into Pillow's
    own layout (4 bytes per pixel) and the array is let go, so later changes to the image are
    Pillow's alone. :func:`fast_png` reads the array itself while the image is untouched: a page
    rendered for the ``png`` encoding of an HTTP engine is encoded with no copy of its pixels
    (about 0.4 ms less per page of 1,100 x 1,400, and 0.2 ms less drawing than into Pillow's
    layout). Consumers that hand pages to Pillow get Pillow's layout instead (see
    :mod:`docparse.render.raster`): the copy here costs 0.6 ms or more.

    ``pixels`` must stay valid while the image may read it (the rasterizer ties the pixmap to it)."""

    def __init__(self, pixels: np.ndarray) -> None:
        super().__init__()
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3 or not pixels.flags.c_contiguous:
            raise ValueError(f"packed RGB pixels are a C-contiguous uint8 (h, w, 3) array, not {pixels.shape}")
        height, width, _ = pixels.shape
        self._mode, self._size = "RGB", (width, height)
        self._packed: np.ndarray | None = pixels

    def packed_pixels(self) -> np.ndarray | None:
        """The renderer's array while Pillow has not taken the pixels over, else ``None``."""
        return self._packed if self._im is None else None

    @property
    def im(self) -> Any:
        if self._im is None:
            self._take_over()
        return Image.Image.im.fget(self)  # type: ignore[attr-defined]

    @im.setter
    def im(self, value: Any) -> None:
        self._im = value

    def load(self) -> Any:
        if self._im is None:
            self._take_over()
        return super().load()

    def _take_over(self) -> None:
        """Copy the pixels into Pillow. Threads racing here each copy and one copy stays (the
        same pixels); ``_im`` is set before the array is let go, so whoever finds the array gone
        finds the pixels in Pillow."""
        packed = self._packed
        if packed is not None:
            core = Image.frombytes("RGB", self._size, packed).im
            if self._im is None:
                self._im = core
            self._packed = None


def packed_pixels(image: Image.Image) -> np.ndarray:
    """``image``'s pixels as a packed uint8 array (height, width[, channels]): a
    :class:`PackedRGBImage`'s own array while Pillow has not taken it over (no copy), else
    Pillow's (one copy out of its layout)."""
    own = image.packed_pixels() if isinstance(image, PackedRGBImage) else None
    return own if own is not None else np.asarray(image, dtype=np.uint8)


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
    pixels = packed_pixels(image).reshape(height, width * channels)
    rows = np.empty((height, width * channels + 1), dtype=np.uint8)
    rows[:, 0] = _UP
    rows[0, 1:] = pixels[0]  # the first row has nothing above it: Up leaves it as is
    np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:])  # modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    data = isal_zlib.compress(rows, level)
    return b"".join((_SIGNATURE, *_chunk(b"IHDR", header), *_chunk(b"IDAT", data), *_chunk(b"IEND", b"")))


def _chunk(tag: bytes, data: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """A PNG chunk as its parts (joined once by the caller: the data is copied once)."""
    crc = isal_zlib.crc32(data, isal_zlib.crc32(tag)) & 0xFFFFFFFF
    return struct.pack(">I", len(data)), tag, data, struct.pack(">I", crc)
