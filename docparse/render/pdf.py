"""PDF pages with PyMuPDF (the default backend), plus the PDF helpers both backends share.

Page space is the page **as displayed**: ``page.rect`` after ``/Rotate`` and the crop box,
in points, origin top-left. Each page is rendered straight to its model input size with
one exact scale per axis (``model_width / width_pt``, ``model_height / height_pt``; see
:mod:`docparse.render.raster`), so the model's processor never resamples, and a model
pixel ``x`` maps back to ``x * width_pt / model_width`` points. The ``fitz`` document stays
open across pages; pages are loaded one at a time and dropped after rendering. Like
PyMuPDF itself, an open document is meant for one thread at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, cast

from PIL import Image

from docparse.cancellation import Cancellation
from docparse.mupdf import pymupdf as _pymupdf
from docparse.render.base import DEFAULT_LIMITS, DEFAULT_PDF_DPI, OpenedDocument, RenderedPage, RenderLimits
from docparse.render.budget import check_model_pixels
from docparse.render.errors import CorruptDocument, EncryptedDocument, LimitExceeded, RenderTimeout
from docparse.render.isolated import draw_isolated
from docparse.render.pdf_content import MUPDF_ERROR, ContentMeter, PageContent
from docparse.render.raster import rasterize
from docparse.render.sizing import model_input_size
from docparse.render.sniff import PDF
from schemas.geometry import PageGeometry

__all__ = ["PdfDocument", "PdfPageSize", "open_pdf", "pdf_page_size"]

Rotation = Literal[0, 90, 180, 270]

pymupdf: Any = _pymupdf  # PyMuPDF ships partial annotations; treat its API as dynamic


WARNINGS_KEPT_CHARS = 1 << 16
"""PyMuPDF keeps every MuPDF warning of the process in one store, and an open reads it whole (to
find the messages of a file that fails): a worker that ran for weeks over damaged PDFs would hold
them all and join megabytes at each open. :func:`_mupdf_warnings_mark` empties it beyond this."""


def _mupdf_warnings_mark() -> str:
    """MuPDF's warnings so far (for :func:`_mupdf_messages_since`), emptying the store once it
    holds more than :data:`WARNINGS_KEPT_CHARS` (the mark is then empty). The store is the
    process's: a failing open whose warnings another thread's mark empties meanwhile names the
    exception's own message instead of MuPDF's lines (and opens at once in several threads
    always could see each other's lines): only the wording of that error, never its outcome."""
    text = cast(str, pymupdf.TOOLS.mupdf_warnings(reset=False))
    if len(text) <= WARNINGS_KEPT_CHARS:
        return text
    pymupdf.TOOLS.reset_mupdf_warnings()
    return ""


def _mupdf_messages_since(before: str) -> str:
    """MuPDF's warnings logged after ``before`` was read, as one line (empty when none)."""
    now = cast(str, pymupdf.TOOLS.mupdf_warnings(reset=False))
    tail = now[len(before) :] if now.startswith(before) else now
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return "; ".join(dict.fromkeys(lines))


def open_pdf(path: Path, password: str | None) -> Any:
    """Open ``path`` as a PDF with PyMuPDF and unlock it; the open ``pymupdf.Document``.

    Raises :class:`CorruptDocument` when MuPDF cannot open (or repair) it or it has no
    pages, and :class:`EncryptedDocument` when it is locked and ``password`` is missing or
    wrong. Either the user or the owner password unlocks it.
    """
    before = _mupdf_warnings_mark()
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except (RuntimeError, MUPDF_ERROR) as exc:  # FileDataError and MuPDF's own errors
        detail = _mupdf_messages_since(before) or str(exc)
        raise CorruptDocument(f"{path.name} is not a readable PDF (damaged beyond repair): {detail}") from exc
    try:
        if doc.needs_pass:
            if password is None:
                raise EncryptedDocument(
                    f"{path.name} is password-protected: supply the document's password to process it"
                )
            if not doc.authenticate(password):
                raise EncryptedDocument(
                    f"{path.name} is password-protected and the password given is wrong", wrong_password=True
                )
        try:
            count = int(doc.page_count)
        except (RuntimeError, MUPDF_ERROR) as exc:  # e.g. a page tree claiming /Count 1000000000
            raise CorruptDocument(
                f"{path.name} is not a readable PDF: its page tree is invalid{_declared_count(doc)} ({exc})"
            ) from exc
        if count < 1:
            detail = _mupdf_messages_since(before)
            raise CorruptDocument(f"{path.name} has no readable pages" + (f": {detail}" if detail else ""))
    except BaseException:
        doc.close()
        raise
    return doc


def _declared_count(doc: Any) -> str:
    """``": it claims N pages"`` from the root page tree's ``/Count``, or ``""`` when unreadable."""
    try:
        _, pages = doc.xref_get_key(doc.pdf_catalog(), "Pages")
        kind, count = doc.xref_get_key(int(pages.split()[0]), "Count")
    except (RuntimeError, MUPDF_ERROR, ValueError, IndexError):
        return ""
    return f": it claims {count} pages but holds {doc.xref_length() - 1} objects" if kind == "int" else ""


class PdfPageSize:
    """A PDF page as displayed and its render size for one pixel budget."""

    __slots__ = ("height_pt", "model_height", "model_width", "rotation", "width_pt")

    def __init__(self, width_pt: float, height_pt: float, rotation: Rotation, model_width: int, model_height: int):
        self.width_pt = width_pt
        self.height_pt = height_pt
        self.rotation: Rotation = rotation
        self.model_width = model_width
        self.model_height = model_height

    @property
    def scale_x(self) -> float:
        return self.model_width / self.width_pt

    @property
    def scale_y(self) -> float:
        return self.model_height / self.height_pt

    def geometry(self) -> PageGeometry:
        """Page geometry in points; the rendered raster *is* the model input."""
        return PageGeometry(
            unit="pt",
            width=self.width_pt,
            height=self.height_pt,
            pixel_width=self.model_width,
            pixel_height=self.model_height,
            model_width=self.model_width,
            model_height=self.model_height,
            rotation=self.rotation,
            dpi=72.0 * (self.scale_x + self.scale_y) / 2.0,
        )


def pdf_page_size(
    page: Any, *, dpi: float, min_pixels: int, max_pixels: int, factor: int, limits: RenderLimits, number: int
) -> PdfPageSize:
    """Displayed size of a ``pymupdf.Page`` and its ``smart_resize`` size.

    The page's native raster is taken as its size at ``dpi``; ``smart_resize`` then bounds
    it by the model's budget, so the result never depends on a second resampling.
    """
    rect = page.rect
    width_pt, height_pt = float(rect.width), float(rect.height)
    if not (width_pt > 0 and height_pt > 0):
        raise CorruptDocument(f"page {number} has an empty page box ({width_pt:g} x {height_pt:g} pt)")
    nominal_w = max(1, round(width_pt * dpi / 72.0))
    nominal_h = max(1, round(height_pt * dpi / 72.0))
    try:
        model_w, model_h = model_input_size(
            nominal_w, nominal_h, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor
        )
    except LimitExceeded as exc:  # restate in the page's own unit
        raise LimitExceeded(
            f"page {number} is {width_pt:g} x {height_pt:g} pt: its aspect ratio {exc.value:.1f}:1 exceeds the "
            f"model's limit of {exc.maximum:g}:1; crop or split it before parsing",
            limit=exc.limit,
            value=exc.value,
            maximum=exc.maximum,
        ) from exc
    check_model_pixels(model_w, model_h, limits, number=number)
    if model_w * model_h > limits.max_page_pixels:
        raise LimitExceeded(
            f"page {number} would render at {model_w}x{model_h} = {model_w * model_h} pixels, over the limit of "
            f"{limits.max_page_pixels} pixels per page",
            limit="max_page_pixels",
            value=model_w * model_h,
            maximum=limits.max_page_pixels,
        )
    rotation = cast(Rotation, int(page.rotation) % 360)
    return PdfPageSize(width_pt, height_pt, rotation, model_w, model_h)


class PdfDocument(OpenedDocument):
    """A PDF rendered in-process by PyMuPDF (open it with :func:`open_document`)."""

    def __init__(
        self,
        path: Path,
        *,
        password: str | None = None,
        limits: RenderLimits = DEFAULT_LIMITS,
        dpi: float = DEFAULT_PDF_DPI,
    ) -> None:
        self._doc = open_pdf(path, password)
        super().__init__(path, PDF, int(self._doc.page_count))
        self._limits = limits
        self._dpi = dpi
        self._password = password
        self._content = ContentMeter(self._doc, limits.max_content_bytes)
        self._slow_streams: dict[int, int] = {}
        """Content stream xref -> the page that ran past the time budget with it."""
        if self._doc.is_repaired:
            self.warnings.append(f"{path.name} was damaged; MuPDF repaired it before rendering")

    def check_content(self, page: Any, number: int) -> None:
        """Refuse ``page`` when its content decompresses past ``max_content_bytes`` (see :mod:`.pdf_content`)."""
        self._content.check(page, number)

    @property
    def fitz_document(self) -> Any:
        """The open ``pymupdf.Document`` (for text-layer readers sharing this handle)."""
        return self._doc

    def _render(
        self, index0: int, *, min_pixels: int, max_pixels: int, factor: int, cancel: Cancellation | None = None
    ) -> RenderedPage:
        number = index0 + 1
        try:
            page = self._doc.load_page(index0)
            size = pdf_page_size(
                page,
                dpi=self._dpi,
                min_pixels=min_pixels,
                max_pixels=max_pixels,
                factor=factor,
                limits=self._limits,
                number=number,
            )
            content = self._content.check(page, number)
            image = self._draw(page, index0, size, content, cancel)
        except (RuntimeError, MUPDF_ERROR) as exc:
            raise CorruptDocument(f"page {number} of {self.path.name} cannot be rendered: {exc}") from exc
        image = _exact_size(image, size.model_width, size.model_height)
        return RenderedPage(
            number=number, image=image, geometry=size.geometry(), pdf_path=self.path, pdf_page_index=index0
        )

    def _draw(
        self, page: Any, index0: int, size: PdfPageSize, content: PageContent, cancel: Cancellation | None = None
    ) -> Image.Image:
        """Draw the page: in process when there is no time budget or the page is too cheap to
        need one (:meth:`ContentMeter.drawable_in_process`), else in the render child under the
        budget (killed when ``cancel`` is set while it draws).

        A page that shares a content stream with a page that ran past the budget fails at once
        (1,990 pages sharing one slow stream cost one budget, not 1,990). ``cancel`` set while
        the child draws kills the child (:class:`~docparse.cancellation.Cancelled`); an
        in-process draw cannot be interrupted (MuPDF holds the GIL)."""
        timeout = self._limits.render_timeout_s
        if not timeout or ContentMeter.drawable_in_process(content, timeout):
            return rasterize(page, size.scale_x, size.scale_y, packed=self.packed_pages)
        contents = list(page.get_contents())
        slow = next((self._slow_streams[x] for x in contents if x in self._slow_streams), None)
        if slow is not None:
            raise RenderTimeout(
                f"page {index0 + 1} shares its content stream with page {slow}, which ran past the limit of "
                f"{timeout:g} s per page (render_timeout_s, DOCPARSE_RENDER_TIMEOUT_S)",
                limit="render_timeout_s",
                value=timeout,
                maximum=timeout,
            )
        try:
            return draw_isolated(
                self.path, self._password, index0, size.scale_x, size.scale_y, timeout, cancel, self.packed_pages
            )
        except RenderTimeout:
            self._slow_streams.update(dict.fromkeys(contents, index0 + 1))
            raise

    def _release(self) -> None:
        self._doc.close()


def _exact_size(image: Image.Image, width: int, height: int) -> Image.Image:
    """``image`` at exactly ``width`` x ``height`` without resampling.

    MuPDF sizes the raster from the transformed page box with outward rounding, which for
    ``scale = size / extent`` gives exactly ``size``; should float noise ever add or lose a
    pixel, the right/bottom edge is cropped or padded with white rather than resampled.
    """
    if image.size == (width, height):
        return image
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(image, (0, 0))
    return canvas
