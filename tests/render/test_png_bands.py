"""The streamed PNG decoder gives exactly Pillow's pixels, band by band, for every PNG it accepts."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from docparse.render.png_bands import png_bands, png_exif


def _textured(mode: str, size: tuple[int, int], seed: int) -> Image.Image:
    """Noise over gradients: Pillow's adaptive filter picks all five PNG row filters for it."""
    rng = random.Random(seed)
    width, height = size
    base = Image.linear_gradient("L").resize(size).convert("RGBA")
    noise = Image.frombytes("RGBA", size, bytes(rng.getrandbits(8) for _ in range(width * height * 4)))
    mixed = Image.blend(base, noise, 0.5)
    if mode == "P":
        return mixed.convert("RGB").quantize(colors=37)
    return mixed.convert(mode)


def _stacked(bands: list[Image.Image], mode: str, size: tuple[int, int]) -> Image.Image:
    whole = Image.new(mode, size)
    top = 0
    for band in bands:
        assert band.mode == mode and band.width == size[0]
        whole.paste(band, (0, top))
        top += band.height
    assert top == size[1]
    return whole


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P"])
@pytest.mark.parametrize("rows", [1, 7, 64, 500])
def test_bands_equal_pillows_whole_decode(tmp_path: Path, mode: str, rows: int) -> None:
    size = (173, 97)
    path = tmp_path / f"{mode}.png"
    image = _textured(mode, size, seed=rows)
    image.save(path, compress_level=9)
    with Image.open(path) as source:
        streamed = png_bands(source, rows)
        assert streamed is not None
        bands = list(streamed)
        assert all(band.height == rows for band in bands[:-1]) and 0 < bands[-1].height <= rows
        with Image.open(path) as reference:
            reference.load()
            whole = _stacked(bands, mode, size)
            if mode == "P":
                whole.putpalette(bands[0].getpalette() or [])
                assert whole.convert("RGB").tobytes() == reference.convert("RGB").tobytes()
            else:
                assert ImageChops.difference(whole, reference).getbbox() is None


def test_a_palette_band_keeps_its_transparency(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    image = _textured("P", (40, 30), seed=1)
    image.save(path, transparency=3)
    with Image.open(path) as source:
        streamed = png_bands(source, 8)
        assert streamed is not None
        assert all(band.info.get("transparency") == 3 for band in streamed)


def test_many_idat_chunks_are_read_as_one_stream(tmp_path: Path) -> None:
    path = tmp_path / "chunks.png"
    _textured("RGB", (300, 200), seed=2).save(path, compress_level=0)  # ~180 KB: Pillow splits IDAT
    assert path.read_bytes().count(b"IDAT") > 1
    with Image.open(path) as source, Image.open(path) as reference:
        streamed = png_bands(source, 33)
        assert streamed is not None
        assert _stacked(list(streamed), "RGB", (300, 200)).tobytes() == reference.convert("RGB").tobytes()


def _interlaced(path: Path) -> None:
    """Mark a PNG Adam7-interlaced in its header (Pillow cannot write one); its data is left as is."""
    Image.new("RGB", (20, 10)).save(path)
    data = bytearray(path.read_bytes())
    data[28] = 1  # IHDR: 8 signature + 8 chunk head + 12 bytes before the interlace flag
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", ["interlaced", "I;16", "1"])
def test_pngs_it_cannot_decode_exactly_are_left_to_pillow(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "other.png"
    if kind == "interlaced":
        _interlaced(path)
    else:
        Image.new(kind, (20, 10)).save(path)
    with Image.open(path) as source:
        assert png_bands(source, 4) is None


def test_a_truncated_png_is_an_error_not_a_short_image(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    _textured("RGB", (120, 90), seed=3).save(path)
    data = path.read_bytes()
    idat = data.index(b"IDAT")
    path.write_bytes(data[: idat + 4 + 200])
    with Image.open(path) as source:
        streamed = png_bands(source, 10)
        assert streamed is not None
        with pytest.raises(OSError, match="truncated"):
            list(streamed)


def test_exif_is_found_after_the_image_data(tmp_path: Path) -> None:
    path = tmp_path / "exif.png"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90
    Image.new("RGB", (8, 4)).save(path, exif=exif.tobytes())
    payload = png_exif(str(path))
    assert payload is not None
    found = Image.Exif()
    found.load(payload)
    assert found[0x0112] == 6
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 4)).save(plain)
    assert png_exif(str(plain)) is None
