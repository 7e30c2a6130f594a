"""Media types from the first bytes, never from the name."""

from __future__ import annotations

import io
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from docparse.render import HEAD_BYTES, SUPPORTED_MEDIA_TYPES, sniff_media_type
from docparse.render.sniff import describe_unsupported, read_head


def _image_bytes(fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format=fmt, **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("TIFF", "image/tiff"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("GIF", "image/gif"),
    ],
)
def test_images(fmt: str, media_type: str) -> None:
    assert sniff_media_type(_image_bytes(fmt)[:HEAD_BYTES]) == media_type


def test_big_endian_tiff() -> None:
    assert sniff_media_type(b"MM\x00*\x00\x00\x00\x08") == "image/tiff"
    assert sniff_media_type(b"II+\x00\x08\x00\x00\x00") == "image/tiff"  # BigTIFF


def test_pdf() -> None:
    doc = pymupdf.open()
    doc.new_page()
    assert sniff_media_type(doc.tobytes()[:HEAD_BYTES]) == "application/pdf"


def test_pdf_header_after_junk() -> None:
    assert sniff_media_type(b"\x00" * 300 + b"%PDF-1.4\n") == "application/pdf"
    assert sniff_media_type(b"\x00" * (HEAD_BYTES + 10) + b"%PDF-1.4\n") is None


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello world, this is text",
        b"BM but just text that starts with BM",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # a WAV file is RIFF but not WebP
        b"PK\x03\x04\x14\x00",
        b"GIF90a",
        b"\xff\xd8",  # too short to be a JPEG marker
    ],
)
def test_unsupported(head: bytes) -> None:
    assert sniff_media_type(head) is None


def test_supported_set_matches() -> None:
    assert {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/tiff",
        "image/webp",
        "image/bmp",
        "image/gif",
    } == SUPPORTED_MEDIA_TYPES


def test_read_head_ignores_extension(tmp_path: Path) -> None:
    path = tmp_path / "photo.pdf"
    path.write_bytes(_image_bytes("JPEG"))
    assert sniff_media_type(read_head(path)) == "image/jpeg"
    text = tmp_path / "notes.png"
    text.write_text("plain words")
    assert sniff_media_type(read_head(text)) is None


@pytest.mark.parametrize(
    ("head", "phrase"),
    [
        (b"PK\x03\x04rest", "ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "legacy Office"),
        (b"<!DOCTYPE html><html>", "HTML page"),
        ("caf\u00e9 na\u00efve".encode()[:-1], "plain text"),  # cut inside a UTF-8 character
        (b"\x00\x01\x02\x03\xff\xfe", "binary data"),
        (b"\x00\x00\x00\x1cftypheic", "HEIC/AVIF"),
    ],
)
def test_describe_unsupported(head: bytes, phrase: str) -> None:
    assert phrase in describe_unsupported(head)
