"""Page images to bytes, for engines that send them over HTTP (data URLs, multipart).

``png`` is lossless at zlib level 6; ``png-fast`` is lossless at level 1 (larger, several
times faster to write); ``jpeg`` is lossy with 4:4:4 chroma so thin coloured text stays
legible. Neither changes the pixel size, so the model's boxes stay in the page's model
coordinates.
"""

from __future__ import annotations

import io
from typing import Literal

from PIL import Image

__all__ = ["ENCODED_MEDIA_TYPES", "ImageFormat", "encode_image"]

ImageFormat = Literal["png", "png-fast", "jpeg"]

ENCODED_MEDIA_TYPES: dict[str, str] = {"png": "image/png", "png-fast": "image/png", "jpeg": "image/jpeg"}
"""The media type of each :data:`ImageFormat`, e.g. for ``data:image/png;base64,...``."""


def encode_image(image: Image.Image, fmt: ImageFormat = "png", quality: int = 90) -> bytes:
    """Encode ``image`` as PNG or JPEG bytes (``quality`` 1..95 applies to JPEG only)."""
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, format="PNG", compress_level=6)
    elif fmt == "png-fast":
        image.save(buffer, format="PNG", compress_level=1)
    elif fmt == "jpeg":
        if not 1 <= quality <= 95:
            raise ValueError(f"JPEG quality must be within 1..95, got {quality}")
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        rgb.save(buffer, format="JPEG", quality=quality, subsampling=0)
    else:
        raise ValueError(f"unknown image format {fmt!r}: expected one of {sorted(ENCODED_MEDIA_TYPES)}")
    return buffer.getvalue()
