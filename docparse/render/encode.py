"""Page images to bytes: the encoders of :mod:`docparse.image_codec`, re-exported for render's callers."""

from __future__ import annotations

from docparse.image_codec import ENCODED_MEDIA_TYPES, IMAGE_FORMATS, ImageFormat, encode_image, fast_png

__all__ = ["ENCODED_MEDIA_TYPES", "IMAGE_FORMATS", "ImageFormat", "encode_image", "fast_png"]
