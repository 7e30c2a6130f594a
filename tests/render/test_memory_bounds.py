"""Resources an upload can drive are bounded by the operator's limits (issue 13).

* A 13000x13000 RGBA PNG of a few hundred KB (under Pillow's bomb limit) is decoded within a
  memory bound, streamed band by band: its peak RSS is measured in a fresh subprocess (its
  ``VmHWM``), so nothing this test process allocated counts. Before the bounded decode it
  reached 2.0 GB.
* A pixel budget that would upscale a tiny image to 20020x20020 is refused before that image
  is allocated, naming the operator's limit.
* ``min_pixels > max_pixels`` is a clear page error, not an internal ``ValueError``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
from PIL import Image

from docparse.render import InvalidPixelBudget, LimitExceeded, RenderLimits, open_document
from tests.render.helpers import BUDGET, write_large_rgba_png

REPO_ROOT = Path(__file__).resolve().parents[2]
RSS_CEILING_MB = 640
"""The ceiling for a 169 MP RGBA PNG: streamed band by band (~360 MB measured, interpreter and
libraries included); a whole decode alone is 676 MB and fails it."""

_MEASURE = textwrap.dedent(
    """
    import re, sys
    from pathlib import Path
    from docparse.render import open_document
    with open_document(Path(sys.argv[1])) as doc:
        page = doc.render_page(0, min_pixels=int(sys.argv[2]), max_pixels=int(sys.argv[3]))
    centre = page.image.getpixel((page.image.width // 2, page.image.height // 2))
    corner = page.image.getpixel((2, 2))
    peak_kb = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
    print(page.image.width, page.image.height, *centre, *corner, peak_kb)
    """
)
"""Peak RSS is this process's own high-water mark (``VmHWM``), not ``ru_maxrss``: Linux carries
the pre-``exec`` RSS into ``ru_maxrss``, and the forked child of a test run that has grown to a
gigabyte would report the test run's size instead of the decode's."""


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak RSS from /proc (Linux)")
def test_a_13000_square_rgba_png_decodes_under_the_rss_ceiling(tmp_path: Path) -> None:
    png = write_large_rgba_png(tmp_path / "huge.png", 13000, 13000)
    assert png.stat().st_size < 2_000_000  # small on disk, 676 MB as RGBA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # Pillow's warning band: ours governs
        declared = Image.open(png)
    with declared:
        assert declared.size == (13000, 13000) and declared.mode == "RGBA"
        assert declared.width * declared.height < 2 * (Image.MAX_IMAGE_PIXELS or 0)  # under Pillow's bomb guard
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(png), str(BUDGET["min_pixels"]), str(BUDGET["max_pixels"])],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=280,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    width, height, *pixels, peak_kb = map(int, run.stdout.split())
    assert (width, height) == (1260, 1260)  # smart_resize of 13000x13000 in the cookbook budget
    assert tuple(pixels[:3]) == (0, 0, 0)  # the opaque black square survives the reduction
    assert tuple(pixels[3:]) == (255, 255, 255)  # transparency composited on white
    assert peak_kb // 1024 < RSS_CEILING_MB, f"peak RSS {peak_kb // 1024} MB"


def test_an_upscaling_budget_is_refused_before_the_image_is_allocated(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (10, 10), "white").save(tiny)
    limits = RenderLimits(max_model_pixels=16384 * 28 * 28)
    with open_document(tiny, limits=limits) as doc, pytest.raises(LimitExceeded) as caught:
        doc.render_page(0, min_pixels=400_000_000, max_pixels=400_000_000)
    assert caught.value.limit == "max_model_pixels" and caught.value.maximum == limits.max_model_pixels
    assert "20020x20020" in str(caught.value) and "DOCPARSE_MAX_MODEL_PIXELS" in str(caught.value)
    # Under the cap the same budget renders: the refusal is the cap, not the budget itself.
    with open_document(tiny, limits=RenderLimits(max_model_pixels=500_000_000)) as doc:
        assert doc.render_page(0, min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 4).image.size == (56, 56)


def test_a_pdf_page_over_the_model_pixel_cap_is_refused(text_pdf: Path) -> None:
    limits = RenderLimits(max_model_pixels=500_000)
    with open_document(text_pdf, limits=limits) as doc, pytest.raises(LimitExceeded) as caught:
        doc.render_page(0, **BUDGET)
    assert caught.value.limit == "max_model_pixels"


def test_min_pixels_over_max_pixels_is_a_clear_page_error(tmp_path: Path) -> None:
    image = tmp_path / "page.png"
    Image.new("RGB", (100, 100), "white").save(image)
    with open_document(image) as doc, pytest.raises(InvalidPixelBudget, match="min_pixels <= max_pixels"):
        doc.render_page(0, min_pixels=2_000_000, max_pixels=1_000_000)
