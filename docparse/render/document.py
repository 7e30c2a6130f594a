"""Entry points: open any supported file as pages, or probe it cheaply without rendering.

The media type always comes from the file's bytes (:func:`sniff_media_type`), never from
its name. Limits are enforced in order of cost: file size before anything is parsed,
page count right after the header/page tree is read, pixels per image before decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from docparse.render.base import DEFAULT_LIMITS, DEFAULT_PDF_DPI, OpenedDocument, RenderLimits
from docparse.render.errors import CorruptDocument, EncryptedDocument, LimitExceeded, RenderError, UnsupportedFileType
from docparse.render.sniff import PDF, describe_unsupported, read_head, sniff_media_type

__all__ = ["Backend", "DocumentInfo", "open_document", "page_count", "probe"]

Backend = Literal["pymupdf", "pdf2image"]


@dataclass(frozen=True)
class DocumentInfo:
    """What :func:`probe` learns without rendering.

    ``page_count`` is ``None`` for a locked PDF when no (correct) password was given.
    """

    media_type: str
    size_bytes: int
    page_count: int | None
    encrypted: bool


def _check_file(path: Path, limits: RenderLimits) -> tuple[str, int]:
    """Size and sniffed media type of ``path``, or the :class:`RenderError` explaining why not."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise RenderError(f"{path} is not a regular file")
        head = read_head(path)
    except FileNotFoundError as exc:
        raise RenderError(f"file not found: {path}") from exc
    except OSError as exc:
        raise RenderError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise CorruptDocument(f"{path.name} is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise LimitExceeded(
            f"{path.name} is {size} bytes ({size / 2**20:.1f} MiB), over the limit of {limits.max_file_bytes} bytes "
            f"({limits.max_file_bytes / 2**20:.1f} MiB)",
            limit="max_file_bytes",
            value=size,
            maximum=limits.max_file_bytes,
        )
    media_type = sniff_media_type(head)
    if media_type is None:
        raise UnsupportedFileType(
            f"{path.name} is not a supported document: it looks like {describe_unsupported(head)}. "
            "Supported: PDF, PNG, JPEG, TIFF, WebP, BMP, GIF"
        )
    return media_type, size


def _check_pages(path: Path, count: int, limits: RenderLimits) -> None:
    if count > limits.max_pages:
        raise LimitExceeded(
            f"{path.name} has {count} pages, over the limit of {limits.max_pages} pages per document",
            limit="max_pages",
            value=count,
            maximum=limits.max_pages,
        )


def open_document(
    path: Path,
    *,
    password: str | None = None,
    limits: RenderLimits = DEFAULT_LIMITS,
    backend: Backend = "pymupdf",
    pdf_dpi: float = DEFAULT_PDF_DPI,
) -> OpenedDocument:
    """Open a PDF or image file for lazy, page-by-page rendering (use as a context manager).

    ``backend`` chooses the PDF rasterizer (images always use Pillow). ``pdf_dpi`` is the
    native resolution assumed for PDF pages: a page's render size is ``smart_resize`` of its
    size at that DPI, i.e. the DPI when the budget allows, otherwise bounded by the budget.
    ``password`` unlocks an encrypted PDF (user or owner password).

    Raises :class:`UnsupportedFileType`, :class:`EncryptedDocument`, :class:`CorruptDocument`,
    :class:`LimitExceeded` or :class:`RenderError` (missing/unreadable file, backend unavailable).
    """
    path = Path(path)
    media_type, _ = _check_file(path, limits)
    document: OpenedDocument
    if media_type == PDF:
        if backend == "pymupdf":
            from docparse.render.pdf import PdfDocument

            document = PdfDocument(path, password=password, limits=limits, dpi=pdf_dpi)
        elif backend == "pdf2image":
            from docparse.render.pdf_poppler import PopplerPdfDocument

            document = PopplerPdfDocument(path, password=password, limits=limits, dpi=pdf_dpi)
        else:
            raise ValueError(f"unknown PDF backend {backend!r}: expected 'pymupdf' or 'pdf2image'")
        try:
            _check_pages(path, document.page_count, limits)
        except LimitExceeded:
            document.close()
            raise
        return document
    from docparse.render.images import ImageDocument

    return ImageDocument(path, media_type, limits=limits)


def probe(path: Path, *, password: str | None = None, limits: RenderLimits = DEFAULT_LIMITS) -> DocumentInfo:
    """Media type, size, page count and encryption of a file, without rendering any page.

    Enforces ``limits.max_file_bytes`` (and the image pixel guard) but not ``max_pages``:
    the caller wants the number to decide. A locked PDF without its password gives
    ``encrypted=True, page_count=None`` instead of raising.
    """
    path = Path(path)
    media_type, size = _check_file(path, limits)
    unlimited = RenderLimits(limits.max_file_bytes, max_pages=2**62, max_page_pixels=limits.max_page_pixels)
    if media_type == PDF:
        from docparse.render.pdf import open_pdf

        try:
            doc = open_pdf(path, password)
        except EncryptedDocument as exc:
            if exc.wrong_password:
                raise
            return DocumentInfo(media_type, size, None, encrypted=True)
        try:
            return DocumentInfo(media_type, size, int(doc.page_count), encrypted=bool(doc.is_encrypted))
        finally:
            doc.close()
    from docparse.render.images import ImageDocument

    with ImageDocument(path, media_type, limits=unlimited) as document:
        return DocumentInfo(media_type, size, document.page_count, encrypted=False)


def page_count(path: Path, *, password: str | None = None, limits: RenderLimits = DEFAULT_LIMITS) -> int:
    """Number of pages of a PDF or image file, without rendering (raises like :func:`probe`).

    A locked PDF raises :class:`EncryptedDocument` unless its password is given.
    """
    info = probe(path, password=password, limits=limits)
    if info.page_count is None:
        raise EncryptedDocument(f"{Path(path).name} is password-protected: its page count needs the password")
    return info.page_count
