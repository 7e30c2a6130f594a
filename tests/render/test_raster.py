"""The fast MuPDF rasterizer matches PyMuPDF's public ``Page.get_pixmap`` (within one level per channel)."""

from __future__ import annotations

import gc
import io
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PIL import Image, ImageChops

from docparse.render import raster
from docparse.render.raster import LOW_LEVEL, rasterize


@pytest.fixture(scope="module")
def busy_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pages with text, transparency, an embedded image, an annotation, rotation and a crop box."""
    photo = io.BytesIO()
    Image.effect_noise((64, 48), 60).convert("RGB").save(photo, format="PNG")
    doc = pymupdf.open()
    for rotation in (0, 90, 180, 270):
        page = doc.new_page(width=612, height=792)
        page.insert_text((72, 90), f"rotation {rotation}", fontsize=28)
        page.draw_rect(pymupdf.Rect(50, 120, 400, 400), fill=(1, 0, 0), fill_opacity=0.5)
        page.draw_rect(pymupdf.Rect(200, 250, 500, 600), fill=(0, 0, 1), fill_opacity=0.3, color=None)
        page.insert_image(pymupdf.Rect(300, 620, 520, 770), stream=photo.getvalue())
        page.add_highlight_annot(pymupdf.Rect(70, 60, 300, 100))
        if rotation == 90:
            page.set_cropbox(pymupdf.Rect(30, 40, 560, 700))
        page.set_rotation(rotation)
    path = tmp_path_factory.mktemp("raster") / "busy.pdf"
    doc.save(path)
    return path


@pytest.mark.skipif(not LOW_LEVEL, reason="PyMuPDF without the low-level mupdf API")
@pytest.mark.parametrize("index0", range(4))
def test_fast_path_matches_get_pixmap(busy_pdf: Path, index0: int) -> None:
    with pymupdf.open(busy_pdf) as doc:
        page = doc[index0]
        sx, sy = 1092 / page.rect.width, 1428 / page.rect.height
        fast = rasterize(page, sx, sy, fast=True)
        pix = page.get_pixmap(matrix=pymupdf.Matrix(sx, sy), alpha=False)
        reference = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        slow = rasterize(page, sx, sy, fast=False)
    assert fast.mode == slow.mode == "RGB"
    assert fast.size == reference.size == slow.size == (1092, 1428)
    # identical but for +-1 rounding where blend modes meet the RGBA backdrop (highlight annotations)
    assert max(high for _, high in ImageChops.difference(fast, reference).getextrema()) <= 1
    assert ImageChops.difference(slow, reference).getbbox() is None
    assert min(low for low, _ in fast.getextrema()) < 50  # not a blank page


@pytest.mark.skipif(not raster.MAPS_RGB, reason="this Pillow cannot map RGBX memory as RGB: the fast path copies")
def test_image_over_the_pixmap_outlives_page_and_document_and_matches_a_copy(busy_pdf: Path) -> None:
    with pymupdf.open(busy_pdf) as doc:
        page = doc[0]
        sx, sy = 1092 / page.rect.width, 1428 / page.rect.height
        mapped = rasterize(page, sx, sy, fast=True)
        copied = raster._image_copied(raster._draw_rgbx(page, sx, sy))
        del page
    gc.collect()  # the document and page are gone; the image still holds its pixmap
    assert mapped.mode == copied.mode == "RGB"
    assert mapped.tobytes() == copied.tobytes()
    mapped.paste((1, 2, 3), (0, 0, 4, 4))  # writable, like any new image
    assert mapped.getpixel((1, 1)) == (1, 2, 3) and copied.getpixel((1, 1)) != (1, 2, 3)
    assert mapped.copy().tobytes() == mapped.tobytes()


@pytest.mark.skipif(not raster.MAPS_RGB, reason="this Pillow cannot map RGBX memory as RGB: the fast path copies")
def test_the_fast_path_image_is_the_pixmaps_memory_not_a_copy(busy_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[Any] = []
    draw = raster._draw_rgbx

    def keep(page: Any, sx: float, sy: float) -> Any:
        drawn.append(draw(page, sx, sy))
        return drawn[-1]

    monkeypatch.setattr(raster, "_draw_rgbx", keep)
    with pymupdf.open(busy_pdf) as doc:
        image = rasterize(doc[0], 1.0, 1.0, fast=True)
    assert image.getpixel((0, 0)) != (0, 0, 0)
    raster._mupdf.fz_clear_pixmap_with_value(drawn[0], 0)  # write into MuPDF's pixmap ...
    assert image.getextrema() == ((0, 0), (0, 0), (0, 0))  # ... and the image shows it
