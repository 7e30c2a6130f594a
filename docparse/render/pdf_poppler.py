"""PDF pages rendered by poppler (``pdftoppm`` through pdf2image): the alternative backend.

Same output contract as :mod:`docparse.render.pdf`: the page geometry comes from the same
PyMuPDF reading of the page box (after ``/Rotate`` and the crop box), and poppler renders
one page per call straight to the model input size (``-scale-to-x/-y``, crop box on). For
pages turned by 90/270 degrees poppler's ``-scale-to-x/-y`` mixes the axes (the content is
distorted), so those pages are rendered at one DPI (the larger of the two axis scales) and
resized once to the exact size; so is any page where poppler rounds a side differently.

Poppler runs as a subprocess per page (pdf2image also calls ``pdfinfo`` each time), so this
backend is slower than PyMuPDF; it exists for fidelity comparisons and for PDFs MuPDF
renders badly. The password, when given, is passed on poppler's command line.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from docparse.cancellation import Cancellation
from docparse.render.base import DEFAULT_LIMITS, DEFAULT_PDF_DPI, RenderedPage, RenderLimits
from docparse.render.errors import BackendUnavailable, CorruptDocument, EncryptedDocument, RenderTimeout
from docparse.render.pdf import PdfDocument, pdf_page_size

__all__ = ["PopplerPdfDocument"]


class PopplerPdfDocument(PdfDocument):
    """A PDF rendered by poppler's ``pdftoppm`` (``use_pdftocairo=True``: ``pdftocairo``)."""

    def __init__(
        self,
        path: Path,
        *,
        password: str | None = None,
        limits: RenderLimits = DEFAULT_LIMITS,
        dpi: float = DEFAULT_PDF_DPI,
        use_pdftocairo: bool = False,
    ) -> None:
        try:
            import pdf2image  # noqa: F401 - fail at open, not at the first page
        except ImportError as exc:  # pragma: no cover - pdf2image is a dependency
            raise BackendUnavailable(
                "the pdf2image backend needs the pdf2image package: pip install pdf2image"
            ) from exc
        super().__init__(path, password=password, limits=limits, dpi=dpi)
        self._password = password
        self._use_pdftocairo = use_pdftocairo
        self._source = path
        self._repaired_copy: Path | None = None
        if self.fitz_document.is_repaired:
            # Poppler is stricter than MuPDF: give it the file MuPDF repaired, so both
            # backends accept the same documents.
            with tempfile.NamedTemporaryFile(prefix="docparse-repaired-", suffix=".pdf", delete=False) as fh:
                fh.write(self.fitz_document.tobytes())
            self._repaired_copy = self._source = Path(fh.name)

    def _render(
        self, index0: int, *, min_pixels: int, max_pixels: int, factor: int, cancel: Cancellation | None = None
    ) -> RenderedPage:
        number = index0 + 1
        page = self.fitz_document.load_page(index0)
        size = pdf_page_size(
            page,
            dpi=self._dpi,
            min_pixels=min_pixels,
            max_pixels=max_pixels,
            factor=factor,
            limits=self._limits,
            number=number,
        )
        self.check_content(page, number)
        del page
        target = (size.model_width, size.model_height)
        if size.rotation in (90, 270):
            # poppler's -scale-to-x/-y mix axes on quarter-turned pages: render at one DPI instead
            image = self._poppler_page(number, dpi=math.ceil(72.0 * max(size.scale_x, size.scale_y)))
        else:
            image = self._poppler_page(number, size=target)
        if image.mode != "RGB":
            image = image.convert("RGB")
        if image.size != target:
            image = image.resize(target, Image.Resampling.BICUBIC)
        return RenderedPage(
            number=number, image=image, geometry=size.geometry(), pdf_path=self.path, pdf_page_index=index0
        )

    def _poppler_page(self, number: int, *, size: tuple[int, int] | None = None, dpi: int = 72) -> Image.Image:
        from pdf2image import convert_from_path
        from pdf2image.exceptions import (
            PDFInfoNotInstalledError,
            PDFPageCountError,
            PDFPopplerTimeoutError,
            PDFSyntaxError,
        )

        kwargs: dict[str, Any] = {"size": size} if size is not None else {}
        if self._password is not None:
            kwargs.update(userpw=self._password, ownerpw=self._password)
        if self._limits.render_timeout_s:
            kwargs["timeout"] = math.ceil(self._limits.render_timeout_s)
        try:
            images = convert_from_path(
                self._source,
                first_page=number,
                last_page=number,
                dpi=dpi,
                use_cropbox=True,
                single_file=True,
                use_pdftocairo=self._use_pdftocairo,
                **kwargs,
            )
        except (PDFInfoNotInstalledError, FileNotFoundError) as exc:
            raise BackendUnavailable(
                "the pdf2image backend needs poppler-utils (pdftoppm, pdfinfo): "
                "install them, e.g. `apt-get install poppler-utils` or `brew install poppler`"
            ) from exc
        except PDFPageCountError as exc:
            message = str(exc)
            if "password" in message.lower() or "incorrect" in message.lower():
                raise EncryptedDocument(
                    f"poppler cannot unlock {self.path.name}: {message}", wrong_password=True
                ) from exc
            raise CorruptDocument(f"poppler cannot read {self.path.name}: {message}") from exc
        except PDFPopplerTimeoutError as exc:
            timeout = self._limits.render_timeout_s or 0.0
            raise RenderTimeout(
                f"poppler was still drawing page {number} of {self.path.name} after {timeout:g} s, the limit per page "
                "(render_timeout_s, DOCPARSE_RENDER_TIMEOUT_S): stopped",
                limit="render_timeout_s",
                value=timeout,
                maximum=timeout,
            ) from exc
        except PDFSyntaxError as exc:
            raise CorruptDocument(f"poppler cannot render page {number} of {self.path.name}: {exc}") from exc
        if not images:
            raise CorruptDocument(f"poppler rendered nothing for page {number} of {self.path.name}")
        return images[0]

    def _release(self) -> None:
        super()._release()
        if self._repaired_copy is not None:
            self._repaired_copy.unlink(missing_ok=True)
            self._repaired_copy = None
