"""Builders for render tests: PDFs with hand-written content streams, and colour finders.

PDFs are built from raw PDF objects (content stream, /MediaBox, /CropBox, /Rotate) so the
expected displayed position of every rectangle follows from the PDF specification in
:func:`displayed_rect`, independently of the code under test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PIL import Image, ImageChops

BUDGET = {"min_pixels": 512 * 28 * 28, "max_pixels": 2048 * 28 * 28}
"""The Qwen2.5-VL cookbook's document budget."""

RED = (1.0, 0.0, 0.0)
BLUE = (0.0, 0.0, 1.0)


@dataclass(frozen=True)
class PdfRect:
    """A filled rectangle in PDF user space (bottom-left origin, points)."""

    x: float
    y: float
    w: float
    h: float
    rgb: tuple[float, float, float]


@dataclass(frozen=True)
class PdfPageSpec:
    mediabox: tuple[float, float, float, float]
    cropbox: tuple[float, float, float, float] | None = None
    rotate: int = 0
    rects: Sequence[PdfRect] = ()


def write_pdf(path: Path, pages: Sequence[PdfPageSpec]) -> Path:
    """Write a PDF whose pages carry exactly the given boxes, rotation and rectangles."""
    doc = pymupdf.open()
    for spec in pages:
        x0, y0, x1, y1 = spec.mediabox
        page = doc.new_page(width=x1 - x0, height=y1 - y0)
        doc.xref_set_key(page.xref, "MediaBox", f"[{x0:g} {y0:g} {x1:g} {y1:g}]")
        if spec.cropbox is not None:
            doc.xref_set_key(page.xref, "CropBox", "[{:g} {:g} {:g} {:g}]".format(*spec.cropbox))
        if spec.rotate:
            doc.xref_set_key(page.xref, "Rotate", str(spec.rotate))
        ops = [f"{r.rgb[0]:g} {r.rgb[1]:g} {r.rgb[2]:g} rg {r.x:g} {r.y:g} {r.w:g} {r.h:g} re f" for r in spec.rects]
        xref = doc.get_new_xref()
        doc.update_object(xref, "<<>>")
        doc.update_stream(xref, "\n".join(ops).encode() or b" ")
        doc.xref_set_key(page.xref, "Contents", f"{xref} 0 R")
    doc.save(path)
    doc.close()
    return path


def displayed_size(spec: PdfPageSpec) -> tuple[float, float]:
    """Width and height of the page as a viewer displays it (crop box, then /Rotate)."""
    cx0, cy0, cx1, cy1 = spec.cropbox or spec.mediabox
    w, h = cx1 - cx0, cy1 - cy0
    return (h, w) if spec.rotate % 180 else (w, h)


def displayed_rect(spec: PdfPageSpec, rect: PdfRect) -> tuple[float, float, float, float]:
    """Where ``rect`` appears on the displayed page: (x0, y0, x1, y1), top-left origin, points.

    From the PDF spec: the crop box is the visible region; /Rotate turns the page clockwise.
    """
    cx0, cy0, cx1, cy1 = spec.cropbox or spec.mediabox
    cw, ch = cx1 - cx0, cy1 - cy0
    # unrotated, top-left origin relative to the crop box
    ux0, ux1 = rect.x - cx0, rect.x + rect.w - cx0
    uy0, uy1 = cy1 - (rect.y + rect.h), cy1 - rect.y
    rot = spec.rotate % 360
    if rot == 0:
        return ux0, uy0, ux1, uy1
    if rot == 90:  # (x, y) -> (ch - y, x)
        return ch - uy1, ux0, ch - uy0, ux1
    if rot == 180:  # (x, y) -> (cw - x, ch - y)
        return cw - ux1, ch - uy1, cw - ux0, ch - uy0
    # 270: (x, y) -> (y, cw - x)
    return uy0, cw - ux1, uy1, cw - ux0


def colour_bbox(image: Image.Image, rgb: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """Pixel bbox (x0, y0, x1, y1; right/bottom exclusive) of pixels near the primary colour ``rgb``.

    A pixel belongs when each channel is on the same side of 128 as ``rgb``'s, i.e. at least
    half covered for antialiased edges.
    """
    channels = image.convert("RGB").split()
    mask = Image.new("L", image.size, 255)
    for channel, want in zip(channels, rgb, strict=True):
        side = channel.point(lambda v, want=want: 255 if (v >= 128) == (want >= 128) else 0)
        mask = ImageChops.multiply(mask, side)
    return mask.getbbox()


def solid(mode: str, size: tuple[int, int], colour: object) -> Image.Image:
    return Image.new(mode, size, colour)  # type: ignore[arg-type]


def write_large_rgba_png(path: Path, width: int, height: int) -> Path:
    """A ``width`` x ``height`` RGBA PNG, written row by row (the test process never holds the
    raster): transparent, with an opaque black square in the middle. Compresses to a few hundred KB."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    clear = b"\x00" + b"\x00\x00\x00\x00" * width
    x0, x1 = width // 3, 2 * width // 3
    square = b"\x00" + b"\x00\x00\x00\x00" * x0 + b"\x00\x00\x00\xff" * (x1 - x0) + b"\x00\x00\x00\x00" * (width - x1)
    packer = zlib.compressobj(6)
    data = bytearray()
    for row in range(height):
        data += packer.compress(square if height // 3 <= row < 2 * height // 3 else clear)
    data += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(data)) + chunk(b"IEND", b""))
    return path


CHEAP_OP = b"0 0 m 1 1 l\n"
"""A path that is never painted: cheap for MuPDF per byte (the 400 MB bomb's kind)."""
SLOW_OP = b"0 0 m 612 792 l S\n"
"""A stroked full-page diagonal: expensive for MuPDF per byte (a few MB take minutes)."""


def deflated(content_bytes: int, op: bytes = CHEAP_OP) -> bytes:
    """``content_bytes`` bytes of ``op`` repeated, Flate-compressed by streaming (never held whole)."""
    import zlib

    packer = zlib.compressobj(9)
    block = op * max(1, (1 << 20) // len(op))
    compressed = bytearray()
    written = 0
    while written < content_bytes:
        piece = block[: content_bytes - written]
        compressed += packer.compress(piece)
        written += len(piece)
    compressed += packer.flush()
    return bytes(compressed)


def write_shared_content_pdf(path: Path, pages: int, content_bytes: int, op: bytes = CHEAP_OP) -> Path:
    """A PDF of ``pages`` US-letter pages whose ``/Contents`` is one shared Flate stream that
    inflates to ``content_bytes`` bytes of ``op`` repeated; small on disk."""
    compressed = deflated(content_bytes, op)
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page(width=612, height=792)
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, compressed, compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    for page in doc:
        doc.xref_set_key(page.xref, "Contents", f"{xref} 0 R")
    doc.save(path, garbage=0, deflate=False)
    doc.close()
    return path


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF of these object bodies (object 1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def lying_page_count_pdf(count: int = 1_000_000_000) -> bytes:
    """A well-formed one-page PDF whose page tree claims ``/Count count`` pages."""
    content = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def tiny_png() -> bytes:
    """A 1x1 PNG of under 300 bytes."""
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """The positional arguments of every call to ``owner.name`` from now on (the calls still run)."""
    calls: list[Any] = []
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls
