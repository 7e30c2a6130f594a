"""Content the meter must see before a page may be drawn in process (a review of :mod:`.pdf_content`).

* A content stream whose ``/Filter`` is an indirect reference inflates like any Flate stream: it is
  counted decompressed, not at its length on disk.
* A ``/Filter`` array with indirect entries (or any chain of filters) is decoded with the same bound
  as a lone Flate stream, never in full.
* The appearance streams of a page's annotations (``/AP /N``), and the forms and images they
  use, count like the page's own content: MuPDF draws them with the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from docparse.render import CorruptDocument, LimitExceeded, RenderLimits, open_document, pdf_content
from docparse.render.isolated import PageDrawer
from tests.render.helpers import BUDGET, count_calls, deflated, raw_pdf

MiB = 1 << 20
LIMITS = RenderLimits(max_content_bytes=MiB)


def _stream(dictionary: bytes, data: bytes) -> bytes:
    """A stream object's body: ``dictionary`` (without its ``<< >>``) plus ``/Length``, then ``data``."""
    return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"


def _one_page_pdf(path: Path, page: bytes, objects: Sequence[bytes]) -> Path:
    """A one-page PDF: ``page`` holds the page dictionary's entries beside its parent and media box;
    ``objects`` are objects 4, 5, ... (objects 1 to 3 are the catalog, the page tree and the page)."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page_dict = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] %s >>" % page
    path.write_bytes(raw_pdf([catalog, pages, page_dict, *objects]))
    return path


def _refused_and_measured(path: Path, xref: int = 4) -> int | None:
    """Page 1 is refused against ``max_content_bytes``; the meter's size of stream ``xref``."""
    with open_document(path, limits=LIMITS) as doc:
        with pytest.raises(LimitExceeded) as refused:
            doc.render_page(0, **BUDGET)
        size: int | None = doc._content.stream_size(xref)  # type: ignore[attr-defined]
    assert refused.value.limit == "max_content_bytes"
    return size


@pytest.mark.parametrize(
    ("filter_entry", "filter_object"),
    [(b"5 0 R", b"/FlateDecode"), (b"5 0 R", b"[/FlateDecode]")],
    ids=["indirect-name", "indirect-array"],
)
def test_an_indirect_filter_is_inflated_not_counted_at_its_length_on_disk(
    tmp_path: Path, filter_entry: bytes, filter_object: bytes
) -> None:
    bomb = deflated(2 * MiB)
    path = _one_page_pdf(
        tmp_path / "indirect.pdf",
        b"/Contents 4 0 R",
        [_stream(b"/Filter " + filter_entry, bomb), filter_object],
    )
    size = _refused_and_measured(path)
    assert len(bomb) < 64 * 1024 and size is not None and size > MiB


@pytest.mark.parametrize(
    ("filter_entry", "layers"),
    [(b"[5 0 R]", 1), (b"[/FlateDecode 5 0 R]", 2), (b"[/FlateDecode /FlateDecode]", 2)],
    ids=["indirect-entry", "flate-chain-with-an-indirect-entry", "direct-flate-chain"],
)
def test_a_filter_chain_is_decoded_with_a_bound(tmp_path: Path, filter_entry: bytes, layers: int) -> None:
    """64 MiB of content behind a chain of filters: measured only up to the limit plus a chunk."""
    import zlib

    data = deflated(64 * MiB)
    for _ in range(layers - 1):
        data = zlib.compress(data, 9)
    path = _one_page_pdf(
        tmp_path / "chain.pdf", b"/Contents 4 0 R", [_stream(b"/Filter " + filter_entry, data), b"/FlateDecode"]
    )
    size = _refused_and_measured(path)
    assert size is not None and MiB < size <= 2 * MiB  # bounded, not 64 MiB


_FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 200 200]"
_BLANK_PAGE = b"/Contents 4 0 R /Annots [5 0 R]"
_BOMB_FORM = _stream(_FORM + b" /Filter /FlateDecode", deflated(2 * MiB))


@pytest.mark.parametrize(
    ("annotation", "objects"),
    [
        (b"/AP << /N 6 0 R >>", [_BOMB_FORM]),
        (b"/AS /On /AP << /N << /Off 7 0 R /On 6 0 R >> >>", [_BOMB_FORM, _stream(_FORM, b" ")]),
        (b"/AP << /N 7 0 R >>", [_BOMB_FORM, _stream(_FORM + b" /Resources << /XObject << /X 6 0 R >> >>", b"/X Do")]),
    ],
    ids=["appearance", "appearance-state", "form-inside-an-appearance"],
)
def test_an_annotation_appearance_counts_as_page_content(
    tmp_path: Path, annotation: bytes, objects: list[bytes]
) -> None:
    annot = b"<< /Type /Annot /Subtype /Square /Rect [0 0 200 200] %s >>" % annotation
    path = _one_page_pdf(tmp_path / "annotation.pdf", _BLANK_PAGE, [_stream(b"", b" "), annot, *objects])
    size = _refused_and_measured(path, xref=6)  # the 2 MiB form, wherever it hides
    assert size is not None and size > MiB


def test_an_image_in_an_annotation_appearance_sends_the_page_to_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    red = b"\xff\x00\x00" * 40 * 30
    image = _stream(
        b"/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceRGB /BitsPerComponent 8", red
    )
    appearance = _stream(_FORM + b" /Resources << /XObject << /Im 7 0 R >> >>", b"200 0 0 200 0 0 cm /Im Do")
    annot = b"<< /Type /Annot /Subtype /Square /Rect [0 0 200 200] /AP << /N 6 0 R >> >>"
    path = _one_page_pdf(tmp_path / "annotation.pdf", _BLANK_PAGE, [_stream(b"", b" "), annot, appearance, image])
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    with open_document(path) as doc:
        content = doc._content.check(doc.fitz_document[0], 1)  # type: ignore[attr-defined]
    assert content.image_pixels == 40 * 30
    monkeypatch.setattr(pdf_content, "IN_PROCESS_IMAGE_PIXELS", 40 * 30 - 1)
    with open_document(path) as doc:
        page = doc.render_page(0, **BUDGET)
    assert len(drawn) == 1
    assert page.image.getpixel((page.image.width // 2, page.image.height // 2)) == (255, 0, 0)


def test_a_filter_not_decoded_here_sends_the_page_to_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain with a filter the meter does not decode (an unknown name: MuPDF passes the bytes on)
    leaves the page unmeasured, so it is drawn in the child, with the same pixels."""
    content = _stream(b"/Filter [/ASCIIHexDecode 5 0 R]", b"0 0 1 rg 50 50 100 100 re f".hex().encode() + b">")
    path = _one_page_pdf(tmp_path / "unknown.pdf", b"/Contents 4 0 R", [content, b"/NoSuchDecode"])
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    with open_document(path) as doc:
        isolated = doc.render_page(0, **BUDGET)
        assert len(drawn) == 1
        assert doc._content.check(doc.fitz_document[0], 1).unmeasured  # type: ignore[attr-defined]
    assert isolated.image.getpixel((isolated.image.width // 2, isolated.image.height // 2)) == (0, 0, 255)
    with open_document(path, limits=RenderLimits(render_timeout_s=None)) as doc:
        assert doc.render_page(0, **BUDGET).image.tobytes() == isolated.image.tobytes()


def test_a_chain_mupdf_refuses_to_open_is_left_to_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decode parameters MuPDF refuses (here 60 colour components) leave the stream unmeasured: the
    meter does not fail the page itself; the child's draw reports MuPDF's error."""
    import zlib

    data = zlib.compress(zlib.compress(b"0 0 1 rg 50 50 100 100 re f"))
    params = b"/DecodeParms [null << /Predictor 12 /Columns 100 /Colors 60 >>]"
    content = _stream(b"/Filter [/FlateDecode /FlateDecode] " + params, data)
    path = _one_page_pdf(tmp_path / "refused.pdf", b"/Contents 4 0 R", [content])
    drawn = count_calls(monkeypatch, PageDrawer, "draw")
    with open_document(path) as doc:
        assert doc._content.check(doc.fitz_document[0], 1).unmeasured  # type: ignore[attr-defined]
        with pytest.raises(CorruptDocument, match="color components"):
            doc.render_page(0, **BUDGET)
    assert len(drawn) == 1
