"""Media-type sniffing from the first bytes of a file — never from its name.

An upload called ``scan.pdf`` that is really a JPEG is a JPEG; a ``.png`` that holds text
is refused. :data:`HEAD_BYTES` is how much of the file the caller should pass.
"""

from __future__ import annotations

import codecs
from pathlib import Path

__all__ = [
    "HEAD_BYTES",
    "PDF",
    "SUPPORTED_MEDIA_TYPES",
    "describe_unsupported",
    "read_head",
    "sniff_media_type",
]

HEAD_BYTES = 1024
"""Bytes of the file start that :func:`sniff_media_type` looks at (PDF headers may follow junk)."""

PDF = "application/pdf"

SUPPORTED_MEDIA_TYPES: frozenset[str] = frozenset(
    {PDF, "image/png", "image/jpeg", "image/tiff", "image/webp", "image/bmp", "image/gif"}
)

# BMP DIB header sizes: OS/2 1.x, Windows 3.x, the v2/v3 Adobe variants, OS/2 2.x, v4, v5.
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff_media_type(head: bytes) -> str | None:
    """The media type of a document from its first bytes, or ``None`` if it is not supported.

    Returns one of ``application/pdf``, ``image/png``, ``image/jpeg``, ``image/tiff``,
    ``image/webp``, ``image/bmp``, ``image/gif``. Pass at least :data:`HEAD_BYTES` bytes (or
    the whole file when shorter): a PDF header is accepted anywhere in the first kilobyte,
    as PDF readers do.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):  # classic and BigTIFF
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return "image/bmp"
    if b"%PDF-" in head[:HEAD_BYTES]:
        return PDF
    return None


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of ``path`` (fewer when the file is shorter)."""
    with path.open("rb") as fh:
        return fh.read(size)


_KNOWN_OTHERS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (or an Office document such as DOCX/XLSX/PPTX)"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document (DOC/XLS/PPT)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
)


def describe_unsupported(head: bytes) -> str:
    """A short phrase for a refused file (``"a ZIP archive ..."``, ``"plain text"``, ``"binary data"``)."""
    for magic, what in _KNOWN_OTHERS:
        if head.startswith(magic):
            return what
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "a HEIC/AVIF image"
    sample = head[:512]
    if sample.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # tolerate a cut last char
    except UnicodeDecodeError:
        return "binary data"
    return "binary data" if b"\x00" in sample else "plain text"
