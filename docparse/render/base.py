"""The output contract shared by every backend: limits, rendered pages, opened documents.

Each backend (PyMuPDF, poppler via pdf2image, Pillow for scans) subclasses
:class:`OpenedDocument` and implements :meth:`OpenedDocument._render`; everything callers
touch — sizes, geometry, laziness, closing — behaves the same whichever backend ran.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from PIL import Image

from docparse.cancellation import Cancellation, check
from docparse.render.errors import InvalidPixelBudget
from schemas.geometry import PageGeometry

__all__ = ["DEFAULT_LIMITS", "DEFAULT_PDF_DPI", "OpenedDocument", "RenderLimits", "RenderedPage"]

DEFAULT_PDF_DPI = 200.0
"""Nominal resolution of a PDF page before the model's pixel budget bounds it (see :func:`open_document`)."""


@dataclass(frozen=True)
class RenderLimits:
    """What one document may cost a worker; each breach raises :class:`LimitExceeded` (or, for
    the time budget, :class:`RenderTimeout`) and fails only the page or file concerned.

    * ``max_file_bytes`` / ``max_pages`` — per file, checked before anything is rendered.
    * ``max_page_pixels`` — pixels of a *decoded* source image (a scan, a TIFF frame), checked
      against the size the file declares before any pixel is decoded (decompression bombs).
    * ``max_model_pixels`` — pixels of the image handed to the model, checked once its size is
      known and before it is allocated (an upscaling pixel budget cannot drive a 20000x20000 page).
      Default: 16384·28·28, the Qwen2.5-VL processor's own upper bound.
    * ``max_content_bytes`` — decompressed bytes of a PDF page's content streams (its own and those
      of the form XObjects it uses), measured with bounded decompression before the page is drawn
      or its text read: a content-stream bomb fails at once instead of running for minutes.
    * ``render_timeout_s`` — wall-clock budget to draw one PDF page; a page whose content could
      take that long is drawn in a child process killed when the budget runs out (MuPDF holds the
      GIL and cannot be interrupted from Python); ordinary pages, too cheap to come near the
      budget, are drawn in process (:meth:`ContentMeter.drawable_in_process`). ``None`` or ``0``:
      draw every page in process, no budget.
    """

    max_file_bytes: int = 200 * 1024 * 1024
    max_pages: int = 2000
    max_page_pixels: int = 200_000_000
    max_model_pixels: int = 16384 * 28 * 28
    max_content_bytes: int = 64 * 1024 * 1024
    render_timeout_s: float | None = 60.0


DEFAULT_LIMITS = RenderLimits()
"""The default limits (200 MB, 2000 pages, 200 MP per source image, 12.8 MP model input, 64 MiB of
page content, 60 s per page drawn)."""


@dataclass
class RenderedPage:
    """One page, ready for the model.

    ``image`` is RGB at exactly ``geometry.model_width`` x ``geometry.model_height`` (the
    ``smart_resize`` size): the model's processor must not resample it again. ``number`` is
    1-based. For PDF pages ``pdf_path``/``pdf_page_index`` (0-based) point at the source
    page so a text-layer engine can read it; both are ``None`` for scans.
    """

    number: int
    image: Image.Image
    geometry: PageGeometry
    pdf_path: Path | None = None
    pdf_page_index: int | None = None


class OpenedDocument(abc.ABC):
    """An open document whose pages are rendered one at a time, on request.

    Use as a context manager (or call :meth:`close`). Nothing is rendered until
    :meth:`render_page` or :meth:`iter_pages` asks, and no rendered page is kept, so a
    500-page PDF holds one page image at a time.
    """

    media_type: str
    path: Path
    page_count: int

    def __init__(self, path: Path, media_type: str, page_count: int) -> None:
        self.path = path
        self.media_type = media_type
        self.page_count = page_count
        self.warnings: list[str] = []
        """Non-fatal findings, e.g. that MuPDF had to repair the file."""
        self.packed_pages = False
        """The pixel layout of the PDF pages handed out (:mod:`docparse.render.raster`): ``True``
        for a consumer that reads packed RGB (the ``png`` encoder of an HTTP engine:
        :class:`~docparse.image_codec.PackedRGBImage`), ``False`` for one that hands the image
        to Pillow (a model's processor, the kept JPEG). Either way the pixels are not copied."""
        self._closed = False

    def render_page(
        self, index0: int, *, min_pixels: int, max_pixels: int, factor: int = 28, cancel: Cancellation | None = None
    ) -> RenderedPage:
        """Render page ``index0`` (0-based) at its ``smart_resize`` size for the given budget.

        Raises ``IndexError`` for a page outside ``0 .. page_count-1``, ``RuntimeError`` on a
        closed document, :class:`InvalidPixelBudget` for a budget with ``min_pixels > max_pixels``,
        :class:`LimitExceeded` for a refused page (too many pixels or content bytes, aspect ratio,
        past the time budget) and :class:`CorruptDocument` when this page cannot be decoded.
        ``cancel`` set before or while the page is drawn raises
        :class:`~docparse.cancellation.Cancelled` (a PDF page drawn in the render child has the
        child killed within :data:`~docparse.cancellation.POLL_S`; other backends look before
        drawing).
        """
        if self._closed:
            raise RuntimeError(f"document {self.path.name} is closed")
        if not 0 <= index0 < self.page_count:
            raise IndexError(f"page index {index0} out of range: the document has {self.page_count} page(s)")
        if not 0 < min_pixels <= max_pixels:
            raise InvalidPixelBudget(
                f"the pixel budget {min_pixels}..{max_pixels} is invalid: it must satisfy 0 < min_pixels <= max_pixels",
                option="min_pixels",
                limit="min_pixels <= max_pixels",
            )
        check(cancel)
        return self._render(index0, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor, cancel=cancel)

    def iter_pages(self, *, min_pixels: int, max_pixels: int, factor: int = 28) -> Iterator[RenderedPage]:
        """Render the pages in order, one per step: each page is rendered only when requested."""
        for index0 in range(self.page_count):
            yield self.render_page(index0, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor)

    def __len__(self) -> int:
        return self.page_count

    @abc.abstractmethod
    def _render(
        self, index0: int, *, min_pixels: int, max_pixels: int, factor: int, cancel: Cancellation | None = None
    ) -> RenderedPage:
        """Backend hook: render one page (the index is already validated); stop with
        :class:`~docparse.cancellation.Cancelled` when ``cancel`` is set, where it can."""

    def _release(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Backend hook: free file handles and native resources."""

    def close(self) -> None:
        """Release the file; idempotent."""
        if not self._closed:
            self._closed = True
            self._release()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.path.name!r} {self.media_type} pages={self.page_count} {state}>"
