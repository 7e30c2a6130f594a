"""The fast MuPDF rasterizer matches PyMuPDF's public ``Page.get_pixmap`` (packed RGB: pixel for
pixel; Pillow's layout: within one level per channel) and hands out its pixmap's memory, not a copy."""

from __future__ import annotations

import gc
import io
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageChops

from docparse.image_codec import PackedRGBImage, fast_png
from docparse.render import open_document, raster
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
        packed = rasterize(page, sx, sy, fast=True, packed=True)
        pix = page.get_pixmap(matrix=pymupdf.Matrix(sx, sy), alpha=False)
        reference = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        slow = rasterize(page, sx, sy, fast=False)
    assert fast.mode == packed.mode == slow.mode == "RGB"
    assert fast.size == packed.size == reference.size == slow.size == (1092, 1428)
    assert isinstance(packed, PackedRGBImage) and not isinstance(fast, PackedRGBImage)
    # Pillow's layout: identical but for +-1 rounding where blend modes meet the RGBA backdrop
    assert max(high for _, high in ImageChops.difference(fast, reference).getextrema()) <= 1
    assert ImageChops.difference(packed, reference).getbbox() is None  # packed RGB: exact
    assert ImageChops.difference(slow, reference).getbbox() is None
    assert min(low for low, _ in fast.getextrema()) < 50  # not a blank page


@pytest.mark.skipif(not raster.MAPS_RGB, reason="this Pillow cannot map RGBX memory as RGB: the fast path copies")
def test_image_over_the_pixmap_outlives_page_and_document_and_matches_a_copy(busy_pdf: Path) -> None:
    with pymupdf.open(busy_pdf) as doc:
        page = doc[0]
        sx, sy = 1092 / page.rect.width, 1428 / page.rect.height
        mapped = rasterize(page, sx, sy, fast=True)
        copied = raster._image_copied(raster._draw(page, sx, sy, alpha=True))
        del page
    gc.collect()  # the document and page are gone; the image still holds its pixmap
    assert mapped.mode == copied.mode == "RGB"
    assert mapped.tobytes() == copied.tobytes()
    mapped.paste((1, 2, 3), (0, 0, 4, 4))  # writable, like any new image
    assert mapped.getpixel((1, 1)) == (1, 2, 3) and copied.getpixel((1, 1)) != (1, 2, 3)
    assert mapped.copy().tobytes() == mapped.tobytes()


def _render(path: Path) -> Image.Image:
    with pymupdf.open(path) as doc:
        page = doc[0]
        return rasterize(page, 1092 / page.rect.width, 1428 / page.rect.height, fast=True, packed=True)


@pytest.mark.skipif(not LOW_LEVEL, reason="PyMuPDF without the low-level mupdf API")
def test_the_image_outlives_page_and_document_and_pillow_takes_its_pixels_over_once(busy_pdf: Path) -> None:
    image = _render(busy_pdf)
    gc.collect()  # the document and page are gone; the image still holds its pixmap
    assert isinstance(image, PackedRGBImage) and image.packed_pixels() is not None
    assert (image.mode, image.size) == ("RGB", (1092, 1428))  # known without touching the pixels
    packed = image.packed_pixels()
    assert packed is not None
    expected = packed.tobytes()
    assert image.tobytes() == expected  # Pillow took the pixels over ...
    assert image.packed_pixels() is None  # ... and let the array go
    image.paste((1, 2, 3), (0, 0, 4, 4))  # writable, like any image
    assert image.getpixel((1, 1)) == (1, 2, 3)
    assert image.copy().tobytes() == image.tobytes() != expected
    assert np.array_equal(np.asarray(image)[8:, 8:], np.frombuffer(expected, np.uint8).reshape(1428, 1092, 3)[8:, 8:])


@pytest.mark.skipif(not raster.MAPS_RGB, reason="this Pillow cannot map RGBX memory as RGB: the fast path copies")
@pytest.mark.parametrize("packed", [True, False])
def test_the_fast_path_image_is_the_pixmaps_memory_not_a_copy(
    busy_pdf: Path, monkeypatch: pytest.MonkeyPatch, packed: bool
) -> None:
    drawn: list[Any] = []
    draw = raster._draw

    def keep(page: Any, sx: float, sy: float, *, alpha: bool) -> Any:
        drawn.append(draw(page, sx, sy, alpha=alpha))
        return drawn[-1]

    monkeypatch.setattr(raster, "_draw", keep)
    with pymupdf.open(busy_pdf) as doc:
        image = rasterize(doc[0], 1.0, 1.0, fast=True, packed=packed)
    raster._mupdf.fz_clear_pixmap_with_value(drawn[0], 0)  # write into MuPDF's pixmap ...
    assert image.getextrema() == ((0, 0), (0, 0), (0, 0))  # ... and the image shows it


@pytest.mark.skipif(not LOW_LEVEL, reason="PyMuPDF without the low-level mupdf API")
def test_png_reads_the_pixmap_itself_and_writes_what_pillow_would_see(busy_pdf: Path) -> None:
    image = _render(busy_pdf)
    data = fast_png(image)
    assert image.packed_pixels() is not None  # encoded without Pillow taking the pixels over
    copy = image.copy()  # a plain Pillow image of the same pixels
    assert not isinstance(copy, PackedRGBImage)
    assert fast_png(copy) == data
    assert Image.open(io.BytesIO(data)).convert("RGB").tobytes() == copy.tobytes()


@pytest.mark.skipif(not LOW_LEVEL, reason="PyMuPDF without the low-level mupdf API")
def test_the_render_step_hands_the_pixmap_on_untouched(busy_pdf: Path) -> None:
    """A document asked for packed pages hands them on untouched: sizing, the content meter and
    the exact-size check read no pixel, so the page an HTTP engine encodes is the pixmap's memory."""
    with open_document(busy_pdf) as doc:
        budget = {"min_pixels": 256 * 28 * 28, "max_pixels": 1280 * 28 * 28}
        plain = doc.render_page(0, **budget).image  # by default, Pillow's layout
        doc.packed_pages = True
        rendered = doc.render_page(0, **budget)
    assert not isinstance(plain, PackedRGBImage)
    assert isinstance(rendered.image, PackedRGBImage) and rendered.image.packed_pixels() is not None
    assert rendered.image.size == (rendered.geometry.model_width, rendered.geometry.model_height)


def test_a_thread_that_comes_second_to_the_take_over_finds_the_pixels_in_pillow() -> None:
    """Two threads may both find the pixels not yet in Pillow; the one that comes second must
    neither fail nor copy stale memory (``load`` then ``_take_over`` after the first finished)."""
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    image = PackedRGBImage(pixels)
    image._take_over()  # the first thread
    image._take_over()  # the second, which had seen the pixels still outside Pillow
    assert image.packed_pixels() is None
    assert image.tobytes() == pixels.tobytes()


def test_packed_images_refuse_arrays_that_are_not_packed_rgb() -> None:
    with pytest.raises(ValueError, match="packed RGB"):
        PackedRGBImage(np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="packed RGB"):
        PackedRGBImage(np.zeros((4, 8, 3), np.uint8)[:, ::2])
