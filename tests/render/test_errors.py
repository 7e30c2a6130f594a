"""Every refusal raises its RenderError subclass with a message a user can act on."""

from __future__ import annotations

import io
import itertools
import zipfile
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from docparse.render import (
    BackendUnavailable,
    CorruptDocument,
    EncryptedDocument,
    LimitExceeded,
    RenderError,
    RenderLimits,
    UnsupportedFileType,
    open_document,
)
from tests.render.helpers import BUDGET

BACKENDS = ["pymupdf", "pdf2image"]


def test_hierarchy() -> None:
    for cls in (UnsupportedFileType, EncryptedDocument, CorruptDocument, LimitExceeded, BackendUnavailable):
        assert issubclass(cls, RenderError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_encrypted_without_password(encrypted_pdf: Path, backend: str) -> None:
    with pytest.raises(EncryptedDocument, match=r"locked\.pdf is password-protected: supply") as info:
        open_document(encrypted_pdf, backend=backend)  # type: ignore[arg-type]
    assert info.value.wrong_password is False


@pytest.mark.parametrize("backend", BACKENDS)
def test_encrypted_wrong_password(encrypted_pdf: Path, backend: str) -> None:
    with pytest.raises(EncryptedDocument, match="password given is wrong") as info:
        open_document(encrypted_pdf, password="nope", backend=backend)  # type: ignore[arg-type]
    assert info.value.wrong_password is True


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("password", ["user", "owner"])
def test_encrypted_with_password_renders(encrypted_pdf: Path, backend: str, password: str) -> None:
    with open_document(encrypted_pdf, password=password, backend=backend) as doc:  # type: ignore[arg-type]
        assert doc.page_count == 2
        page = doc.render_page(1, **BUDGET)
    assert page.image.size == (page.geometry.model_width, page.geometry.model_height)
    assert page.image.getextrema()[0][0] < 100  # the text is there: not a blank page


def test_garbage_pdf_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 64)
    with pytest.raises(CorruptDocument, match=r"broken\.pdf is not a readable PDF \(damaged beyond repair\): .+"):
        open_document(path)


def test_header_only_pdf_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "stub.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(CorruptDocument, match="not a readable PDF"):
        open_document(path)


@pytest.mark.parametrize("backend", BACKENDS)
def test_truncated_pdf_repaired_and_rendered(text_pdf: Path, tmp_path: Path, backend: str) -> None:
    data = text_pdf.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * 0.8)])  # xref and trailer lost
    with open_document(path, backend=backend) as doc:  # type: ignore[arg-type]
        assert any("repaired" in w for w in doc.warnings)
        page = doc.render_page(0, **BUDGET)
    assert page.image.size == (page.geometry.model_width, page.geometry.model_height)
    assert page.image.getextrema()[0][0] < 100


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(CorruptDocument, match=r"empty\.pdf is empty \(0 bytes\)"):
        open_document(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"file not found: .*nothing\.pdf"):
        open_document(tmp_path / "nothing.pdf")


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="not a regular file"):
        open_document(tmp_path)


def test_text_file_named_pdf_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("just some notes\nnothing else\n")
    with pytest.raises(UnsupportedFileType, match=r"notes\.pdf is not a supported document: it looks like plain text"):
        open_document(path)


def test_docx_is_unsupported_with_reason(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    path = tmp_path / "report.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnsupportedFileType, match=r"ZIP archive \(or an Office document"):
        open_document(path)


def test_file_size_limit(text_pdf: Path) -> None:
    size = text_pdf.stat().st_size
    with pytest.raises(LimitExceeded, match=rf"text\.pdf is {size} bytes .* over the limit of 1000 bytes") as info:
        open_document(text_pdf, limits=RenderLimits(max_file_bytes=1000))
    assert (info.value.limit, info.value.value, info.value.maximum) == ("max_file_bytes", size, 1000)


@pytest.mark.parametrize("backend", BACKENDS)
def test_page_count_limit_pdf(text_pdf: Path, backend: str) -> None:
    with pytest.raises(LimitExceeded, match=r"text\.pdf has 3 pages, over the limit of 2 pages per document"):
        open_document(text_pdf, limits=RenderLimits(max_pages=2), backend=backend)  # type: ignore[arg-type]
    with open_document(text_pdf, limits=RenderLimits(max_pages=3), backend=backend) as doc:  # type: ignore[arg-type]
        assert doc.page_count == 3


def test_page_count_limit_tiff(tmp_path: Path) -> None:
    frames = [Image.new("L", (50, 50), i * 40) for i in range(4)]
    path = tmp_path / "pages.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(LimitExceeded, match=r"pages\.tif has 4 pages, over the limit of 3"):
        open_document(path, limits=RenderLimits(max_pages=3))


def test_aspect_ratio_pdf_page(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page(width=3000, height=10)
    path = tmp_path / "strip.pdf"
    doc.save(path)
    with (
        open_document(path) as opened,
        pytest.raises(
            LimitExceeded,
            match=r"page 1 is 3000 x 10 pt: its aspect ratio 29\d\.\d:1 exceeds the model's limit of 200:1",
        ),
    ):
        opened.render_page(0, **BUDGET)


def test_aspect_ratio_image(tmp_path: Path) -> None:
    path = tmp_path / "line.png"
    Image.new("L", (3000, 10), 0).save(path)
    with open_document(path) as doc, pytest.raises(LimitExceeded, match=r"3000x10: its aspect ratio 300\.0:1"):
        doc.render_page(0, **BUDGET)


def test_truncated_jpeg_is_corrupt(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 50).convert("RGB").save(buffer, format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with open_document(path) as doc, pytest.raises(CorruptDocument, match=r"page 1 of cut\.jpg cannot be decoded"):
        doc.render_page(0, **BUDGET)


def test_png_header_only_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "stub.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CorruptDocument, match=r"stub\.png is not a readable image"):
        open_document(path)


def test_page_index_out_of_range_and_closed(text_pdf: Path) -> None:
    doc = open_document(text_pdf)
    with pytest.raises(IndexError, match="page index 3 out of range: the document has 3 page"):
        doc.render_page(3, **BUDGET)
    with pytest.raises(IndexError):
        doc.render_page(-1, **BUDGET)
    doc.close()
    doc.close()  # idempotent
    assert doc.closed
    with pytest.raises(RuntimeError, match="is closed"):
        doc.render_page(0, **BUDGET)


def test_poppler_missing(text_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with open_document(text_pdf, backend="pdf2image") as doc, pytest.raises(BackendUnavailable, match="poppler-utils"):
        doc.render_page(0, **BUDGET)


def test_unknown_backend(text_pdf: Path) -> None:
    with pytest.raises(ValueError, match="unknown PDF backend"):
        open_document(text_pdf, backend="ghostscript")  # type: ignore[arg-type]


def test_a_page_tree_claiming_a_billion_pages_is_a_clear_corrupt_document(tmp_path: Path) -> None:
    from docparse.render import CorruptDocument, open_document, probe
    from tests.render.helpers import lying_page_count_pdf

    lying = tmp_path / "lying.pdf"
    lying.write_bytes(lying_page_count_pdf())
    with pytest.raises(CorruptDocument, match="claims 1000000000 pages"):
        probe(lying)
    with pytest.raises(CorruptDocument, match="page tree is invalid"):
        open_document(lying)


def test_mupdfs_warning_store_stays_bounded_and_a_failure_keeps_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyMuPDF keeps every warning of the process; each open reads the store whole, so it is
    emptied past a bound (a long-running worker over damaged PDFs would hold them all)."""
    import docparse.render.pdf as pdf_backend

    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 64)
    monkeypatch.setattr(pdf_backend, "WARNINGS_KEPT_CHARS", 300)
    sizes = []
    for _ in range(12):
        with pytest.raises(CorruptDocument, match=r"damaged beyond repair\): .+"):  # MuPDF's own words
            open_document(path)
        sizes.append(len(pymupdf.TOOLS.mupdf_warnings(reset=False)))
    steps = [b - a for a, b in itertools.pairwise(sizes)]
    one_open = min(step for step in steps if step > 0)  # the warnings of one failed open
    assert any(step < 0 for step in steps)  # emptied along the way
    assert max(sizes) <= 300 + one_open  # never more than one open beyond the bound
