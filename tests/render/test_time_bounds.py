"""Content-stream bombs end as failed pages with a reason, at bounded cost (issue 13).

* 1,990 pages sharing one 400 MB content stream (1.2 MB on disk): every page is refused
  against ``max_content_bytes`` and the shared stream is inflated once, and only up to the
  limit — not 1,990 times 400 MB, and never drawn (issue: ~140 s of CPU per page).
* A page under the content limit that still takes minutes to draw is stopped at
  ``render_timeout_s`` (its render child is killed), pages sharing its stream fail at once, and
  the next page of the same document renders normally in a fresh child, with the same pixels
  as an in-process draw.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from docparse.render import LimitExceeded, RenderLimits, RenderTimeout, open_document, pdf_content
from docparse.render.isolated import PageDrawer
from docparse.render.pdf_content import WORST_CONTENT_BYTES_PER_S, ContentMeter
from tests.procs import cpu_ticks, gone, render_children
from tests.render.helpers import BUDGET, CHEAP_OP, SLOW_OP, count_calls, write_shared_content_pdf

MiB = 1 << 20


def test_a_page_drawn_in_the_child_comes_in_the_layout_asked_for_with_the_same_pixels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Packed pages (the ``png`` encoding's) stay packed when the child draws them: the bytes it
    sends are the pixmap's, equal to the in-process packed draw; Pillow's layout otherwise."""
    import numpy as np
    from PIL import Image

    from docparse.image_codec import PackedRGBImage

    picture = tmp_path / "picture.png"
    Image.effect_noise((40, 30), 80).convert("RGB").save(picture)
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=200)
    page.insert_image(pymupdf.Rect(10, 10, 90, 70), filename=str(picture))
    page.insert_text((20, 120), "drawn in the child", fontsize=14)
    path = tmp_path / "image.pdf"
    doc.save(path)
    doc.close()
    with open_document(path) as opened:
        opened.packed_pages = True
        in_process = opened.render_page(0, **BUDGET).image
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    monkeypatch.setattr(pdf_content, "IN_PROCESS_IMAGE_PIXELS", 40 * 30 - 1)
    with open_document(path) as opened:
        opened.packed_pages = True
        packed = opened.render_page(0, **BUDGET).image
        opened.packed_pages = False
        plain = opened.render_page(0, **BUDGET).image
    assert len(drawn) == 2
    assert isinstance(in_process, PackedRGBImage) and isinstance(packed, PackedRGBImage)
    assert not isinstance(plain, PackedRGBImage)
    child_pixels, own_pixels = packed.packed_pixels(), in_process.packed_pixels()
    assert child_pixels is not None and own_pixels is not None
    assert np.array_equal(child_pixels, own_pixels)
    assert plain.tobytes() == packed.tobytes()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_1990_pages_sharing_a_400_mb_stream_fail_at_the_cost_of_one_bounded_inflate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = write_shared_content_pdf(tmp_path / "bomb.pdf", 1990, 400 * MiB)
    assert bomb.stat().st_size < 2 * MiB
    measured = count_calls(monkeypatch, ContentMeter, "_measure")
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    limits = RenderLimits(max_content_bytes=16 * MiB)
    refused = 0
    with open_document(bomb, limits=limits) as doc:
        assert doc.page_count == 1990
        for index0 in range(doc.page_count):
            with pytest.raises(LimitExceeded) as caught:
                doc.render_page(index0, **BUDGET)
            assert caught.value.limit == "max_content_bytes"
            assert f"page {index0 + 1}'s content streams" in str(caught.value)
            refused += 1
        meter: ContentMeter = doc._content  # type: ignore[attr-defined]
        (xref,) = set(doc.fitz_document[0].get_contents())
        inflated = meter.stream_size(xref)
    assert refused == 1990
    assert inflated is not None  # a Flate stream is always measured
    assert len(measured) == 1  # one inflate for the shared stream, cached for the 1,989 others
    assert limits.max_content_bytes < inflated <= limits.max_content_bytes + MiB  # bounded, not 400 MB
    assert drawn == []  # nothing reached MuPDF's drawing


def test_an_ordinary_page_is_measured_and_drawn_in_process(text_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    with open_document(text_pdf, limits=RenderLimits(max_content_bytes=64 * 1024)) as doc:
        page = doc.render_page(0, **BUDGET)
    assert page.image.getextrema() != ((255, 255), (255, 255), (255, 255))  # something was drawn
    assert drawn == []  # far too cheap to need the killable child


@pytest.mark.parametrize("budget_s", [0.5, 60.0])
def test_where_a_page_is_drawn_follows_its_content_and_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget_s: float
) -> None:
    """In process only when the slowest content we know could not take half the budget."""
    fits = int(budget_s * WORST_CONTENT_BYTES_PER_S / 2)
    small = write_shared_content_pdf(tmp_path / "small.pdf", 1, fits - len(CHEAP_OP), op=CHEAP_OP)
    large = write_shared_content_pdf(tmp_path / "large.pdf", 1, fits + 4 * len(CHEAP_OP), op=CHEAP_OP)
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    limits = RenderLimits(render_timeout_s=budget_s)
    with open_document(small, limits=limits) as doc:
        in_process = doc.render_page(0, **BUDGET)
    assert drawn == []
    with open_document(large, limits=limits) as doc:
        isolated = doc.render_page(0, **BUDGET)
    assert len(drawn) == 1
    assert in_process.image.tobytes() == isolated.image.tobytes()  # blank either way: same pixels


def test_a_page_with_large_images_is_drawn_in_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    picture = tmp_path / "picture.png"
    Image.new("RGB", (40, 30), "red").save(picture)
    doc = pymupdf.open()
    doc.new_page(width=200, height=200).insert_image(pymupdf.Rect(10, 10, 90, 70), filename=str(picture))
    path = tmp_path / "image.pdf"
    doc.save(path)
    doc.close()
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    with open_document(path) as opened:
        opened.render_page(0, **BUDGET)
    assert drawn == []
    monkeypatch.setattr(pdf_content, "IN_PROCESS_IMAGE_PIXELS", 40 * 30 - 1)
    with open_document(path) as opened:
        red = opened.render_page(0, **BUDGET)
    assert len(drawn) == 1
    assert red.image.getpixel((red.image.width // 4, red.image.height // 5)) == (255, 0, 0)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_slow_page_is_stopped_at_the_time_budget_and_the_next_page_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = write_shared_content_pdf(tmp_path / "slow.pdf", 3, 2 * MiB, op=SLOW_OP)
    doc = pymupdf.open(slow)  # append a page too large to draw in process, yet quick to draw
    doc.insert_pdf(pymupdf.open(write_shared_content_pdf(tmp_path / "cheap.pdf", 1, 256 * 1024, op=CHEAP_OP)))
    doc[3].insert_text((72, 72), "a quick page", fontsize=24)
    mixed = tmp_path / "mixed.pdf"
    doc.save(mixed)
    doc.close()
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    limits = RenderLimits(render_timeout_s=1.5)  # 2 MB of stroked diagonals take minutes to draw
    with open_document(mixed, limits=limits) as opened:
        with pytest.raises(RenderTimeout) as first:
            opened.render_page(0, **BUDGET)
        assert first.value.limit == "render_timeout_s" and "DOCPARSE_RENDER_TIMEOUT_S" in str(first.value)
        with pytest.raises(RenderTimeout, match="shares its content stream with page 1"):
            opened.render_page(1, **BUDGET)
        assert len(drawn) == 1  # the sharing page never reached the child
        isolated = opened.render_page(3, **BUDGET)  # a fresh child draws the quick page
        assert len(drawn) == 2
    with open_document(mixed, limits=RenderLimits(render_timeout_s=None)) as in_process:
        direct = in_process.render_page(3, **BUDGET)
    assert isolated.image.tobytes() == direct.image.tobytes()
    assert isolated.geometry == direct.geometry


def test_a_bomb_page_is_a_failed_page_with_its_reason_and_its_neighbours_are_parsed(tmp_path: Path) -> None:
    from docparse.pipeline import parse_file

    bomb = write_shared_content_pdf(tmp_path / "bomb.pdf", 2, 8 * MiB)
    doc = pymupdf.open(bomb)
    doc.new_page(width=612, height=792).insert_text((72, 72), "an ordinary page", fontsize=24)
    mixed = tmp_path / "mixed.pdf"
    doc.save(mixed)
    doc.close()
    outcome = parse_file(mixed, engine="pdf-text", limits=RenderLimits(max_content_bytes=4 * MiB))
    document = outcome.document
    assert [p.status for p in document.pages] == ["failed", "failed", "ok"]
    for page in document.pages[:2]:
        assert any("DOCPARSE_MAX_PAGE_CONTENT_BYTES" in issue.message for issue in page.issues)
    assert document.status == "partial"
    assert "ordinary page" in " ".join(b.text for b in document.pages[2].blocks)


_DRAW_THEN_HANG = """
import sys
from pathlib import Path
from docparse.render import RenderLimits, open_document
limits = RenderLimits(render_timeout_s=60)  # the slow page goes to the child; it would take minutes
with open_document(Path(sys.argv[1]), limits=limits) as warm:
    warm.render_page(0, min_pixels=200_000, max_pixels=400_000)
print("warm", flush=True)
with open_document(Path(sys.argv[2]), limits=limits) as slow:
    slow.render_page(0, min_pixels=200_000, max_pixels=400_000)
"""


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads process state from /proc (Linux)")
def test_a_killed_worker_leaves_no_page_being_drawn_behind(text_pdf: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.paths import REPO_ROOT
    from tests.waiting import poll

    slow = write_shared_content_pdf(tmp_path / "slow.pdf", 1, 2 * MiB, op=SLOW_OP)
    worker = subprocess.Popen(
        [sys.executable, "-c", _DRAW_THEN_HANG, str(text_pdf), str(slow)], stdout=subprocess.PIPE, cwd=REPO_ROOT
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline() == b"warm\n"
        children = poll(lambda: render_children(worker.pid), timeout_s=120, what="the render child to start")
        (child,) = children
        start = cpu_ticks(child)
        poll(lambda: cpu_ticks(child) > start + 50, timeout_s=120, what="the child to be drawing the slow page")
        os.kill(worker.pid, signal.SIGKILL)  # as a hard time limit or an OOM killer would
        worker.wait(timeout=30)
        poll(lambda: gone(child), timeout_s=30, what="the render child to die with its parent")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        if worker.stdout is not None:
            worker.stdout.close()


def _write_forms_pdf(path: Path, font: str) -> Path:
    """One page drawing form /A (named twice) and form /C, which draws form /Inner, whose text uses
    ``font`` (a font dictionary): what the page needs hides two forms deep, behind a repeated name."""
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=200)

    def stream(dictionary: str, content: bytes) -> int:
        xref = doc.get_new_xref()
        doc.update_object(xref, dictionary)
        doc.update_stream(xref, content)
        return xref

    glyph = stream("<<>>", b"10 0 0 0 10 10 d1 0 0 10 10 re f")
    font_xref = doc.get_new_xref()
    doc.update_object(font_xref, font.replace("GLYPH", f"{glyph} 0 R"))
    form = "<</Type/XObject/Subtype/Form/BBox[0 0 200 200]/Resources<<{}>>>>"
    inner = stream(form.format(f"/Font<</F {font_xref} 0 R>>"), b"BT /F 24 Tf 20 100 Td (aaaa) Tj ET")
    plain = stream(form.format(""), b"0 0 1 rg 10 10 20 20 re f")
    outer = stream(form.format(f"/XObject<</Inner {inner} 0 R>>"), b"/Inner Do")
    doc.xref_set_key(page.xref, "Resources", f"<</XObject<</A {plain} 0 R/B {plain} 0 R/C {outer} 0 R>>>>")
    doc.xref_set_key(page.xref, "Contents", f"{stream('<<>>', b'/A Do /C Do')} 0 R")
    doc.save(path)
    doc.close()
    return path


_TYPE3 = (
    "<</Type/Font/Subtype/Type3/FontBBox[0 0 10 10]/FontMatrix[0.1 0 0 0.1 0 0]/CharProcs<</a GLYPH>>"
    "/Encoding<</Type/Encoding/Differences[97/a]>>/FirstChar 97/LastChar 97/Widths[10]>>"
)
_HELVETICA = "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"


def test_a_type3_font_two_forms_deep_sends_the_page_to_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Type 3 glyphs are content streams the meter does not measure: such a page is drawn in the
    child, however deep in forms the font hides and whatever forms are named twice before it."""
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    with open_document(_write_forms_pdf(tmp_path / "helvetica.pdf", _HELVETICA)) as doc:
        doc.render_page(0, **BUDGET)
    assert drawn == []
    with open_document(_write_forms_pdf(tmp_path / "type3.pdf", _TYPE3)) as doc:
        page = doc.render_page(0, **BUDGET)
        content = doc._content.check(doc.fitz_document[0], 1)  # type: ignore[attr-defined]
    assert len(drawn) == 1
    assert content.type3_fonts and content.image_pixels == 0
    assert page.image.getextrema() != ((255, 255), (255, 255), (255, 255))
