"""Scans and photos: every format and pixel mode becomes an RGB page of exact model size."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from docparse.render import LimitExceeded, model_input_size, open_document
from tests.render.helpers import BUDGET, colour_bbox

SMALL = {"min_pixels": 4 * 28 * 28, "max_pixels": 64 * 28 * 28}


def _page(path: Path, budget: dict[str, int] | None = None, index0: int = 0):  # type: ignore[no-untyped-def]
    with open_document(path) as doc:
        return doc.render_page(index0, **(budget or SMALL))


def _pixel(path: Path, xy_frac: tuple[float, float] = (0.5, 0.5)) -> tuple[int, ...]:
    page = _page(path)
    w, h = page.image.size
    return page.image.getpixel((int(w * xy_frac[0]), int(h * xy_frac[1])))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("fmt", "suffix", "media_type"),
    [
        ("PNG", ".png", "image/png"),
        ("JPEG", ".jpg", "image/jpeg"),
        ("TIFF", ".tif", "image/tiff"),
        ("WEBP", ".webp", "image/webp"),
        ("BMP", ".bmp", "image/bmp"),
        ("GIF", ".gif", "image/gif"),
    ],
)
def test_formats_render_at_model_size_with_pixel_geometry(
    tmp_path: Path, fmt: str, suffix: str, media_type: str
) -> None:
    image = Image.new("RGB", (1234, 567), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((100, 50, 300, 200), fill=(255, 0, 0))
    path = tmp_path / f"scan{suffix}"
    image.save(path, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    with open_document(path) as doc:
        assert doc.media_type == media_type
        assert doc.page_count == 1
        page = doc.render_page(0, **BUDGET)
    g = page.geometry
    assert (g.unit, g.width, g.height, g.pixel_width, g.pixel_height) == ("px", 1234, 567, 1234, 567)
    assert (g.model_width, g.model_height) == model_input_size(1234, 567, **BUDGET)
    assert page.image.size == (g.model_width, g.model_height)
    assert page.image.mode == "RGB"
    assert (page.pdf_path, page.pdf_page_index, g.rotation, g.dpi) == (None, None, 0, None)
    found = colour_bbox(page.image, (255, 0, 0))
    assert found is not None
    sx, sy = g.width / g.model_width, g.height / g.model_height
    for got, want, tol in zip(
        (found[0] * sx, found[1] * sy, found[2] * sx, found[3] * sy), (100, 50, 301, 201), (sx, sy, sx, sy), strict=True
    ):
        assert abs(got - want) <= tol + 1  # one rendered pixel (+1 source px for the resampling kernel)


def test_wrong_extension_is_sniffed_from_bytes(tmp_path: Path) -> None:
    path = tmp_path / "actually-a-png.pdf"
    Image.new("RGB", (100, 100), (0, 255, 0)).save(path, format="PNG")
    with open_document(path) as doc:
        assert doc.media_type == "image/png"
        assert doc.render_page(0, **SMALL).image.getpixel((5, 5)) == (0, 255, 0)


@pytest.mark.parametrize(
    ("orientation", "stored_op"),
    [
        (3, Image.Transpose.ROTATE_180),
        (6, Image.Transpose.ROTATE_90),  # stored turned 90 CCW; viewer turns it 90 CW
        (8, Image.Transpose.ROTATE_270),
        (2, Image.Transpose.FLIP_LEFT_RIGHT),
    ],
)
def test_exif_orientation_applied(tmp_path: Path, orientation: int, stored_op: Image.Transpose) -> None:
    displayed = Image.new("RGB", (600, 300), (255, 255, 255))
    ImageDraw.Draw(displayed).rectangle((20, 20, 120, 80), fill=(255, 0, 0))  # top-left corner as displayed
    stored = displayed.transpose(stored_op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    stored.save(path, format="JPEG", quality=95, exif=exif)
    page = _page(path, BUDGET)
    g = page.geometry
    assert (g.width, g.height) == (600, 300)
    found = colour_bbox(page.image, (255, 0, 0))
    assert found is not None
    sx = g.width / g.model_width
    assert all((found[0] * sx < 30, found[1] * sx < 30, 110 < found[2] * sx < 130)), found


def test_multipage_tiff_is_one_page_per_frame(tmp_path: Path) -> None:
    frames = [
        Image.new("RGB", (300, 400), (255, 0, 0)),
        Image.new("L", (500, 200), 0),
        Image.new("RGB", (280, 280), (0, 0, 255)),
    ]
    path = tmp_path / "scan.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    with open_document(path) as doc:
        assert doc.page_count == 3
        pages = list(doc.iter_pages(**SMALL))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [(p.geometry.width, p.geometry.height) for p in pages] == [(300, 400), (500, 200), (280, 280)]
    assert [p.image.getpixel((3, 3)) for p in pages] == [(255, 0, 0), (0, 0, 0), (0, 0, 255)]
    for p in pages:
        assert p.image.size == (p.geometry.model_width, p.geometry.model_height)


def test_animated_gif_first_frame_only(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (120, 90), (255, 0, 0)), Image.new("RGB", (120, 90), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as check:
        assert check.n_frames == 2
    with open_document(path) as doc:
        assert doc.page_count == 1
        assert doc.render_page(0, **SMALL).image.getpixel((10, 10)) == (255, 0, 0)


def _save(image: Image.Image, path: Path, **kwargs: object) -> Path:
    image.save(path, **kwargs)  # type: ignore[arg-type]
    return path


def test_16bit_png_scaled_not_clipped(tmp_path: Path) -> None:
    row = struct.pack("<100H", *[65535] * 50, *[32768] * 50)
    image = Image.frombytes("I;16", (100, 100), row * 100)
    path = _save(image, tmp_path / "deep.png")
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    assert _pixel(path, (0.25, 0.5)) == (255, 255, 255)
    assert _pixel(path, (0.75, 0.5)) == (128, 128, 128)  # clipping would give 255


def test_32bit_integer_tiff_scaled(tmp_path: Path) -> None:
    row = struct.pack("<100i", *[65535] * 50, *[16384] * 50)
    image = Image.frombytes("I", (100, 100), row * 100)
    path = _save(image, tmp_path / "deep.tif")
    assert _pixel(path, (0.25, 0.5)) == (255, 255, 255)
    assert _pixel(path, (0.75, 0.5)) == (64, 64, 64)


def test_float_tiff_in_unit_range_scaled(tmp_path: Path) -> None:
    image = Image.new("F", (100, 100), 0.5)
    path = _save(image, tmp_path / "float.tif")
    assert _pixel(path) == (128, 128, 128)


def test_cmyk_jpeg(tmp_path: Path) -> None:
    path = _save(Image.new("CMYK", (200, 120), (255, 0, 0, 0)), tmp_path / "cmyk.jpg", quality=95)
    with Image.open(path) as check:
        assert check.mode == "CMYK"
    r, g, b = _pixel(path)
    assert (r < 20, g > 235, b > 235) == (True, True, True)  # cyan


@pytest.mark.parametrize(
    ("mode", "fmt", "fill", "expected"),
    [
        ("RGBA", "PNG", (255, 0, 0, 0), (255, 255, 255)),  # fully transparent -> white
        ("RGBA", "PNG", (255, 0, 0, 255), (255, 0, 0)),
        ("RGBA", "PNG", (0, 0, 0, 128), (127, 127, 127)),  # half-transparent black over white
        ("LA", "PNG", (0, 0), (255, 255, 255)),
        ("LA", "PNG", (0, 255), (0, 0, 0)),
        ("L", "PNG", 77, (77, 77, 77)),
        ("1", "PNG", 0, (0, 0, 0)),
        ("1", "TIFF", 1, (255, 255, 255)),
        ("RGBA", "WEBP", (0, 0, 255, 0), (255, 255, 255)),
    ],
)
def test_pixel_modes_to_rgb(tmp_path: Path, mode: str, fmt: str, fill: object, expected: tuple[int, int, int]) -> None:
    kwargs = {"lossless": True} if fmt == "WEBP" else {}
    path = _save(Image.new(mode, (90, 60), fill), tmp_path / f"img.{fmt.lower()}", format=fmt, **kwargs)  # type: ignore[arg-type]
    got = _pixel(path)
    assert all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True)), got


def test_palette_with_and_without_transparency(tmp_path: Path) -> None:
    image = Image.new("P", (100, 50), 0)
    image.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    image.paste(1, (50, 0, 100, 50))
    plain = _save(image, tmp_path / "palette.png")
    assert _pixel(plain, (0.25, 0.5)) == (10, 20, 30)
    assert _pixel(plain, (0.75, 0.5)) == (200, 100, 50)
    transparent = _save(image, tmp_path / "palette-t.png", transparency=0)
    assert _pixel(transparent, (0.25, 0.5)) == (255, 255, 255)
    assert _pixel(transparent, (0.75, 0.5)) == (200, 100, 50)
    gif = _save(image, tmp_path / "palette.gif", transparency=0)
    assert _pixel(gif, (0.25, 0.5)) == (255, 255, 255)


def test_model_size_is_exact_for_many_image_sizes(tmp_path: Path) -> None:
    for i, size in enumerate([(1, 1), (27, 29), (28, 28), (3000, 20), (4000, 6000), (2480, 3508)]):
        path = _save(Image.new("L", size, 200), tmp_path / f"s{i}.png")
        page = _page(path, BUDGET)
        expected = model_input_size(*size, **BUDGET)
        assert page.image.size == expected == (page.geometry.model_width, page.geometry.model_height)


def test_no_resample_when_already_at_model_size(tmp_path: Path) -> None:
    image = Image.effect_noise((1008, 1540), 64).convert("RGB")
    path = _save(image, tmp_path / "exact.png")
    page = _page(path, BUDGET)
    assert page.image.size == (1008, 1540)
    assert page.image.tobytes() == image.tobytes()


def _png_with_declared_size(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` but whose data is a tiny 1x1 image."""
    tiny = io.BytesIO()
    Image.new("L", (1, 1)).save(tiny, format="PNG")
    data = bytearray(tiny.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def test_bomb_over_our_limit_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with_declared_size(5000, 4000))  # 20 MP declared, a few bytes of data
    limits_kw = {"max_page_pixels": 10_000_000}
    from docparse.render import RenderLimits

    with pytest.raises(LimitExceeded, match=r"5000x4000 = 20000000 pixels, over the limit of 10000000") as info:
        open_document(path, limits=RenderLimits(**limits_kw))
    assert (info.value.limit, info.value.value, info.value.maximum) == ("max_page_pixels", 20_000_000, 10_000_000)


def test_bomb_over_pillow_limit_mapped(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(_png_with_declared_size(60000, 60000))  # 3.6 GP: Pillow refuses at open
    with pytest.raises(LimitExceeded, match=r"3600000000 pixels") as info:
        open_document(path)
    assert info.value.limit == "max_page_pixels"


def test_tiff_frame_over_limit(tmp_path: Path) -> None:
    from docparse.render import RenderLimits

    frames = [Image.new("L", (100, 100), 0), Image.new("L", (3000, 3000), 0)]
    path = tmp_path / "mixed.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    with open_document(path, limits=RenderLimits(max_page_pixels=1_000_000)) as doc:
        doc.render_page(0, **SMALL)
        with pytest.raises(LimitExceeded, match=r"page 2 is 3000x3000 = 9000000 pixels"):
            doc.render_page(1, **SMALL)
