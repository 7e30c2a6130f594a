"""Decode a large PNG band by band, never holding the whole raster.

Pillow decodes a PNG in one pass into a full-size image (4 bytes per pixel for RGB and RGBA),
so a 13000x13000 PNG of a few hundred KB costs ~680 MB before it can be reduced. This module
streams the file's ``IDAT`` data through :mod:`zlib` and decodes a band of rows at a time with
Pillow's own PNG row decoder (``zip``, which undoes PNG's row filters in C). A band's first row
may be filtered against the row above it, so each band is decoded behind a copy of the previous
band's last row (written unfiltered, filter type 0), which the decoder uses as the prior row.

Only what this trick is exact for takes this path: 8-bit, non-interlaced PNGs in modes whose raw
bytes Pillow writes back unchanged (L, LA, RGB, RGBA, P). Anything else returns ``None`` and the
caller decodes the usual way.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import IO

from PIL import Image, ImageFile

__all__ = ["png_bands", "png_exif"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SAMPLES = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "P": 1}
"""8-bit raw modes whose bytes Pillow writes back unchanged -> samples (bytes) per pixel."""
_READ = 1 << 16


def png_bands(source: Image.Image, rows: int) -> Iterator[Image.Image] | None:
    """Bands of ``rows`` rows (the last may be shorter) of the opened PNG ``source``, top to bottom,
    each in ``source.mode`` with its palette and transparency; ``None`` when the file is not one
    this decoder handles exactly (the caller then decodes it whole)."""
    if not isinstance(source, ImageFile.ImageFile) or source.format != "PNG" or len(source.tile) != 1:
        return None
    path = source.filename
    rawmode = source.tile[0].args  # what Pillow read from IHDR: an 8-bit sample depth has no ";N" suffix
    if not isinstance(path, str | bytes) or not path or rawmode not in _SAMPLES or rawmode != source.mode:
        return None
    if source.info.get("interlace"):  # Pillow notes an Adam7 file; its passes are not rows
        return None
    return _bands(source, path, rows, stride=source.width * _SAMPLES[rawmode])


def png_exif(path: str | bytes) -> bytes | None:
    """The payload of the PNG's ``eXIf`` chunk wherever it lies, found by walking the chunk
    headers (Pillow's ``getexif`` decodes the whole image to look behind the image data)."""
    with open(path, "rb") as stream:
        if stream.read(8) != _SIGNATURE:
            return None
        while True:
            head = stream.read(8)
            if len(head) < 8:
                return None
            length, kind = struct.unpack(">I4s", head)
            if kind == b"eXIf":
                return stream.read(length)
            if kind == b"IEND":
                return None
            stream.seek(length + 4, 1)


def _idat(stream: IO[bytes]) -> Iterator[bytes]:
    """The concatenated IDAT payloads, in pieces of at most 64 KiB."""
    stream.seek(8)
    while True:
        head = stream.read(8)
        if len(head) < 8:
            raise OSError("PNG ended before its image data did")
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IDAT":
            left = length
            while left:
                piece = stream.read(min(left, _READ))
                if not piece:
                    raise OSError("PNG image data is truncated")
                left -= len(piece)
                yield piece
            stream.seek(4, 1)  # CRC
        elif kind == b"IEND":
            return
        else:
            stream.seek(length + 4, 1)


def _filtered_rows(stream: IO[bytes], size: int) -> Iterator[bytes]:
    """The inflated, still filtered image data in slices of exactly ``size`` bytes (the last may be
    short), with at most one slice plus one input piece held at a time."""
    inflate = zlib.decompressobj()
    pending = bytearray()
    for piece in _idat(stream):
        data = piece
        while data:
            pending += inflate.decompress(data, size)
            data = inflate.unconsumed_tail
            while len(pending) >= size:
                yield bytes(pending[:size])
                del pending[:size]
    pending += inflate.flush()
    while pending:
        yield bytes(pending[:size])
        del pending[:size]


def _bands(source: Image.Image, path: str | bytes, rows: int, *, stride: int) -> Iterator[Image.Image]:
    width, height = source.size
    mode = source.mode
    row_bytes = stride + 1  # a filter-type byte leads every row
    palette = source.palette.tobytes() if mode == "P" and source.palette is not None else None
    prior = b"\x00" * stride  # the row above the first is all zeros, as PNG defines
    done = 0
    with open(path, "rb") as stream:
        for chunk in _filtered_rows(stream, rows * row_bytes):
            count = min(len(chunk) // row_bytes, height - done)
            if count <= 0:
                break
            data = b"\x00" + prior + chunk[: count * row_bytes]
            band = Image.frombytes(mode, (width, count + 1), zlib.compress(data, 0), "zip", mode)
            prior = band.crop((0, count, width, count + 1)).tobytes("raw", mode)
            band = band.crop((0, 1, width, count + 1))
            if palette is not None:
                band.putpalette(palette, source.palette.mode if source.palette else "RGB")
            band.info.update(source.info)
            done += count
            yield band
    if done != height:
        raise OSError(f"PNG image data holds {done} of its {height} rows")
