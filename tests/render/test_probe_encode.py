"""Cheap probing without rendering, image encoding, and the package's import boundary."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
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


@pytest.mark.parametrize("fmt", ["png", "png-fast"])
def test_png_is_lossless(fmt: str) -> None:
    image = _pattern()
    data = encode_image(image, fmt)  # type: ignore[arg-type]
    assert data.startswith(b"\x89PNG")
    decoded = Image.open(io.BytesIO(data))
    assert decoded.size == image.size
    assert decoded.convert("RGB").tobytes() == image.tobytes()
    assert ENCODED_MEDIA_TYPES[fmt] == "image/png"


def test_png_fast_is_less_compressed() -> None:
    image = Image.linear_gradient("L").resize((512, 512)).convert("RGB")
    assert len(encode_image(image, "png-fast")) > len(encode_image(image, "png"))


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
