"""PDF pages: exact model size, geometry, and boxes mapping back within one rendered pixel.

Rectangles are written into raw content streams; their displayed position follows from
the PDF spec (crop box, clockwise /Rotate) in ``helpers.displayed_rect``. Each is found in
the rendered image by colour and mapped back to points with the page geometry alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageChops, ImageStat

from docparse.render import RenderedPage, model_input_size, open_document
from tests.render.helpers import (
    BLUE,
    BUDGET,
    RED,
    PdfPageSpec,
    PdfRect,
    colour_bbox,
    displayed_rect,
    displayed_size,
    write_pdf,
)

BACKENDS = ["pymupdf", "pdf2image"]

RECTS = (PdfRect(100, 500, 120, 60, RED), PdfRect(350, 150, 80, 200, BLUE))


def _spec(rotate: int, crop: bool, offset_media: bool = False) -> PdfPageSpec:
    media = (0.0, 0.0, 612.0, 792.0)
    if offset_media:
        media = (-40.0, 25.0, 572.0, 817.0)
    cropbox = (60.0, 100.0, 520.0, 700.0) if crop else None
    return PdfPageSpec(mediabox=media, cropbox=cropbox, rotate=rotate, rects=RECTS)


SPECS = [_spec(r, c) for r in (0, 90, 180, 270) for c in (False, True)] + [_spec(90, True, offset_media=True)]
IDS = [f"rot{s.rotate}{'-crop' if s.cropbox else ''}{'-offset' if s.mediabox[0] else ''}" for s in SPECS]


def _to_points(page: RenderedPage, box_px: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    g = page.geometry
    sx, sy = g.width / g.model_width, g.height / g.model_height
    return box_px[0] * sx, box_px[1] * sy, box_px[2] * sx, box_px[3] * sy


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_box_maps_back_within_one_pixel(tmp_path: Path, spec: PdfPageSpec, backend: str) -> None:
    path = write_pdf(tmp_path / "page.pdf", [spec])
    with open_document(path, backend=backend) as doc:  # type: ignore[arg-type]
        page = doc.render_page(0, **BUDGET)
    g = page.geometry
    width, height = displayed_size(spec)
    assert g.unit == "pt"
    assert (g.width, g.height) == pytest.approx((width, height))
    assert g.rotation == spec.rotate
    assert page.image.size == (g.model_width, g.model_height)
    one_px_x, one_px_y = g.width / g.model_width, g.height / g.model_height
    for rect in spec.rects:
        colour = tuple(int(c * 255) for c in rect.rgb)
        found = colour_bbox(page.image, colour)  # type: ignore[arg-type]
        assert found is not None, f"{colour} rectangle not rendered"
        got = _to_points(page, found)
        want = displayed_rect(spec, rect)
        for got_v, want_v, tol in zip(got, want, (one_px_x, one_px_y, one_px_x, one_px_y), strict=True):
            assert abs(got_v - want_v) <= tol, (rect, got, want)


@pytest.mark.parametrize("spec", SPECS[:4], ids=IDS[:4])
def test_geometry_fields(tmp_path: Path, spec: PdfPageSpec) -> None:
    path = write_pdf(tmp_path / "page.pdf", [spec])
    with open_document(path, pdf_dpi=300) as doc:
        page = doc.render_page(0, min_pixels=4 * 28 * 28, max_pixels=16384 * 28 * 28)
    g = page.geometry
    width, height = displayed_size(spec)
    nominal = (round(width * 300 / 72), round(height * 300 / 72))
    expected = model_input_size(*nominal, min_pixels=4 * 28 * 28, max_pixels=16384 * 28 * 28)
    assert (g.model_width, g.model_height) == expected
    assert (g.pixel_width, g.pixel_height) == expected
    assert g.dpi == pytest.approx(72 * (expected[0] / width + expected[1] / height) / 2)
    assert g.dpi == pytest.approx(300, rel=0.02)  # within budget: the requested native DPI
    assert (page.number, page.pdf_page_index, page.pdf_path) == (1, 0, path)
    assert page.image.mode == "RGB"


PAGE_SIZES = [(595, 842), (842, 595), (612, 792), (10, 10), (14400, 14400), (3000, 40), (72.5, 1000.25), (1, 150)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "budget",
    [
        BUDGET,
        {"min_pixels": 56 * 56, "max_pixels": 28 * 28 * 1280},
        {"min_pixels": 64 * 32 * 32, "max_pixels": 256 * 32 * 32, "factor": 32},
    ],
    ids=["cookbook", "default", "qwen3"],
)
def test_every_page_has_exact_model_size(tmp_path: Path, backend: str, budget: dict[str, int]) -> None:
    specs = [PdfPageSpec(mediabox=(0, 0, w, h), rotate=rot) for w, h in PAGE_SIZES for rot in (0, 90)]
    path = write_pdf(tmp_path / "sizes.pdf", specs)
    factor = budget.get("factor", 28)
    with open_document(path, backend=backend) as doc:  # type: ignore[arg-type]
        pages = list(doc.iter_pages(**budget))
    assert [p.number for p in pages] == list(range(1, len(specs) + 1))
    for page, spec in zip(pages, specs, strict=True):
        g = page.geometry
        assert page.image.size == (g.model_width, g.model_height)
        assert (g.model_width % factor, g.model_height % factor) == (0, 0)
        assert budget["min_pixels"] <= g.model_width * g.model_height <= budget["max_pixels"]
        assert (g.width, g.height) == pytest.approx(displayed_size(spec))


def test_backends_agree(text_pdf: Path) -> None:
    rendered = {}
    for backend in BACKENDS:
        with open_document(text_pdf, backend=backend) as doc:  # type: ignore[arg-type]
            rendered[backend] = doc.render_page(1, **BUDGET)
    a, b = rendered["pymupdf"], rendered["pdf2image"]
    assert a.geometry == b.geometry
    assert a.image.size == b.image.size
    assert a.image.mode == b.image.mode == "RGB"
    diff = ImageStat.Stat(ImageChops.difference(a.image, b.image).convert("L"))
    assert diff.mean[0] < 6, diff.mean  # same content up to antialiasing
    blank = ImageStat.Stat(ImageChops.difference(a.image, a.image.point(lambda _: 255)).convert("L"))
    assert blank.mean[0] > 6  # the page is not blank, so the comparison means something
