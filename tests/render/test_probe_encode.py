"""Cheap probing without rendering, image encoding, and the package's import boundary."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from docparse.render import (
    ENCODED_MEDIA_TYPES,
    EncryptedDocument,
    LimitExceeded,
    RenderLimits,
    encode_image,
    page_count,
    probe,
)
from docparse.render.encode import fast_png


def _no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("probing must not render")

    monkeypatch.setattr(pymupdf.Page, "get_pixmap", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)


def test_pdf_page_count_without_rendering(text_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_render(monkeypatch)
    assert page_count(text_pdf) == 3
    info = probe(text_pdf)
    assert (info.media_type, info.page_count, info.encrypted) == ("application/pdf", 3, False)
    assert info.size_bytes == text_pdf.stat().st_size


def test_probe_ignores_page_limit(text_pdf: Path) -> None:
    assert page_count(text_pdf, limits=RenderLimits(max_pages=1)) == 3  # the caller decides
    with pytest.raises(LimitExceeded, match="over the limit of 10 bytes"):
        page_count(text_pdf, limits=RenderLimits(max_file_bytes=10))


def test_encrypted_probe(encrypted_pdf: Path) -> None:
    info = probe(encrypted_pdf)
    assert (info.encrypted, info.page_count) == (True, None)
    with pytest.raises(EncryptedDocument, match="page count needs the password"):
        page_count(encrypted_pdf)
    assert page_count(encrypted_pdf, password="user") == 2
    with pytest.raises(EncryptedDocument, match="wrong"):
        probe(encrypted_pdf, password="bad")


def test_image_page_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tiff = tmp_path / "scan.tif"
    frames = [Image.new("L", (40, 40), i) for i in range(5)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    png = tmp_path / "one.png"
    frames[0].save(png)
    _no_render(monkeypatch)
    assert [page_count(p) for p in (tiff, gif, png)] == [5, 1, 1]
    assert probe(tiff).media_type == "image/tiff"


def _pattern() -> Image.Image:
    return Image.effect_noise((120, 80), 80).convert("RGB")


@pytest.mark.parametrize("fmt", ["png", "png-small", "webp"])
@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "P"])
def test_lossless_formats_keep_every_pixel(fmt: str, mode: str) -> None:
    image = _pattern().convert(mode)
    data = encode_image(image, fmt)  # type: ignore[arg-type]
    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == {"png": "PNG", "png-small": "PNG", "webp": "WEBP"}[fmt]
    assert ENCODED_MEDIA_TYPES[fmt] == f"image/{decoded.format.lower()}"
    assert decoded.size == image.size
    expected = image if mode in ("RGB", "L") else image.convert("RGB")
    assert decoded.convert(expected.mode).tobytes() == expected.tobytes()


@settings(deadline=None, max_examples=40)
@given(
    width=st.integers(1, 70),
    height=st.integers(1, 40),
    mode=st.sampled_from(["RGB", "L"]),
    seed=st.binary(min_size=1, max_size=64),
)
def test_the_fast_png_writer_is_lossless_for_any_size_and_content(
    width: int, height: int, mode: str, seed: bytes
) -> None:
    """Random pixels (every byte value, wrap-around in the Up filter) of any shape round-trip
    through Pillow's and zlib's decoders, so vLLM and SGLang (which decode with Pillow) read them."""
    channels = len(mode)
    raw = (seed * (width * height * channels // len(seed) + 1))[: width * height * channels]
    image = Image.frombytes(mode, (width, height), bytes(b ^ (i * 37 & 0xFF) for i, b in enumerate(raw)))
    data = fast_png(image)
    decoded = Image.open(io.BytesIO(data))
    decoded.verify()  # CRCs and structure
    decoded = Image.open(io.BytesIO(data))
    assert (decoded.mode, decoded.size) == (mode, (width, height))
    assert decoded.tobytes() == image.tobytes()


def test_png_small_is_smaller_than_the_fast_default() -> None:
    image = Image.linear_gradient("L").resize((512, 512)).rotate(30).convert("RGB")
    assert len(encode_image(image, "png-small")) < len(encode_image(image, "png"))


def test_jpeg() -> None:
    image = _pattern()
    high, low = encode_image(image, "jpeg", quality=95), encode_image(image, "jpeg", quality=30)
    assert high.startswith(b"\xff\xd8\xff")
    assert len(high) > len(low)
    assert Image.open(io.BytesIO(high)).size == image.size
    assert ENCODED_MEDIA_TYPES["jpeg"] == "image/jpeg"
    with pytest.raises(ValueError, match="quality"):
        encode_image(image, "jpeg", quality=0)
    with pytest.raises(ValueError, match="unknown image format"):
        encode_image(image, "gif")  # type: ignore[arg-type]


def test_import_boundary() -> None:
    """docparse.render imports no sibling leaf, no engine runtime, and no torch."""
    code = (
        "import sys, docparse.render as r; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'storage', 'workers') "
        "or m.startswith(('docparse.engines', 'docparse.qwenvl', 'docparse.export', 'docparse.pipeline'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
