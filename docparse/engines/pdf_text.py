"""The ``pdf-text`` engine: a born-digital PDF page's text layer -> QwenVL HTML, no model needed.

It writes what Qwen2.5-VL writes for a document page — ``<html><body>`` with headings,
paragraphs, lists, ``div.table`` tables and ``div.image`` figures, each carrying
``data-bbox="x1 y1 x2 y2"`` in integer pixels of the model input image — so its output goes
through the same parser as model output, and it serves as the ground-truth generator for
evaluations on born-digital pages.

Coordinates: PyMuPDF extracts text in the unrotated page space relative to the crop box;
``page.rotation_matrix`` maps that onto the page as displayed (after /Rotate and the crop box,
origin top-left), which maps linearly onto the model image:
``x_px = x_pt * model_width / displayed_width_pt`` (likewise for y).

A page without a text layer (a scan, or an image input) is ``unsupported``: it needs a
vision-language model. One bad page gives an ``error`` output; ``infer`` never raises for it.

Layout rules (headings, lists, paragraphs, reading order) live in
:mod:`docparse.engines.pdf_text_layout`; the PyMuPDF readers in
:mod:`docparse.engines.pdf_text_extract` (ruled tables) and
:mod:`docparse.engines.pdf_text_aligned` (tables with horizontal rules only, or none).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from docparse.engines.base import EngineInfo, EngineOutput, GenerationOptions, PageInput
from docparse.engines.pdf_text_aligned import read_aligned_tables
from docparse.engines.pdf_text_breaks import join_broken_words
from docparse.engines.pdf_text_extract import (
    TEXT_FLAGS,
    Line,
    VectorPath,
    read_figures,
    read_lines,
    read_tables,
    to_display,
)
from docparse.engines.pdf_text_forms import read_fields
from docparse.engines.pdf_text_html import render_html
from docparse.engines.pdf_text_hyphens import vocabulary
from docparse.engines.pdf_text_layout import (
    Box,
    Element,
    Row,
    attach_markers,
    body_size,
    merge_lists,
    segment_block,
)
from docparse.engines.pdf_text_order import reading_order
from docparse.engines.pdf_text_roles import mark_authors, merge_formulas, tie_captions
from docparse.engines.pdf_text_rows import attach_fragments, split_columns
from docparse.engines.specs import COOKBOOK_MAX_PIXELS, COOKBOOK_MIN_PIXELS, PDF_TEXT_VERSION
from docparse.mupdf import pymupdf, text_extraction

ENGINE_NAME = "pdf-text"
PROMPT_VERSION = PDF_TEXT_VERSION
NO_TEXT_LAYER = "needs a vision-language model: the page has no text layer"
SCAN_MAX_CHARS = 40  # a page with fewer characters than this ...
SCAN_MIN_IMAGE_SHARE = 0.5  # ... on an image covering this share of it is a scan
MAX_CLUSTER_PATHS = 3000


class PdfTextEngine:
    """Reads born-digital PDF pages with PyMuPDF and writes QwenVL HTML in Qwen2.5-VL pixels.

    ``min_pixels``/``max_pixels`` are recorded in :attr:`info` (the pipeline sizes the model
    image with them); the engine itself only needs ``PageInput.model_width``/``model_height``.
    ``figures`` turns the detection of images and vector-graphics figures on or off.
    """

    def __init__(
        self,
        min_pixels: int = COOKBOOK_MIN_PIXELS,
        max_pixels: int = COOKBOOK_MAX_PIXELS,
        *,
        figures: bool = True,
    ) -> None:
        self._info = EngineInfo(
            name=ENGINE_NAME,
            model=None,
            convention="qwen2.5-absolute",
            min_pixels=min_pixels,
            max_pixels=max_pixels,
            prompt_version=PROMPT_VERSION,
            deterministic=True,
            extra={"pymupdf": str(pymupdf.VersionBind)},
        )
        self._figures = figures

    @property
    def info(self) -> EngineInfo:
        return self._info

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        """One output per page, in order: ``stop`` with the HTML, ``unsupported`` for a page
        without a text layer, ``error`` (with the message) for a page that cannot be read.
        ``options`` are accepted for the protocol and ignored: there is no decoding."""
        docs: dict[tuple[Path, str | None], pymupdf.Document] = {}
        try:
            return [self._infer_one(page, docs) for page in pages]
        finally:
            for doc in docs.values():
                doc.close()

    def _infer_one(self, page: PageInput, docs: dict[tuple[Path, str | None], pymupdf.Document]) -> EngineOutput:
        start = time.perf_counter()
        if page.pdf_path is None or page.pdf_page_index is None:
            return EngineOutput(text="", stop_reason="unsupported", error=NO_TEXT_LAYER, latency_s=_since(start))
        try:
            doc = _open(page, docs)
            html = page_html(doc[page.pdf_page_index], page.model_width, page.model_height, figures=self._figures)
        except Exception as exc:  # one bad page never fails the batch
            return EngineOutput(
                text="", stop_reason="error", error=f"{type(exc).__name__}: {exc}", latency_s=_since(start)
            )
        if html is None:
            return EngineOutput(text="", stop_reason="unsupported", error=NO_TEXT_LAYER, latency_s=_since(start))
        return EngineOutput(text=html, stop_reason="stop", latency_s=_since(start))


def _since(start: float) -> float:
    return time.perf_counter() - start


def _open(page: PageInput, docs: dict[tuple[Path, str | None], pymupdf.Document]) -> pymupdf.Document:
    assert page.pdf_path is not None
    assert page.pdf_page_index is not None
    key = (Path(page.pdf_path), page.pdf_password)
    doc = docs.get(key)
    if doc is None:
        doc = pymupdf.open(key[0])
        docs[key] = doc
        if doc.needs_pass and not doc.authenticate(page.pdf_password or ""):
            raise PermissionError("the PDF is encrypted and the password is missing or wrong")
    if not 0 <= page.pdf_page_index < doc.page_count:
        raise IndexError(f"page index {page.pdf_page_index} out of range (the PDF has {doc.page_count} pages)")
    if page.model_width <= 0 or page.model_height <= 0:
        raise ValueError(f"bad model image size {page.model_width}x{page.model_height}")
    return doc


def page_html(page: pymupdf.Page, model_width: int, model_height: int, *, figures: bool = True) -> str | None:
    """QwenVL HTML for one PDF page, or ``None`` when the page has no text layer.

    The page's rotation is set to 0 while it is read (so every PyMuPDF call works in one
    space) and restored afterwards; nothing is saved.
    """
    display = page.rect
    m = pymupdf.Matrix(page.rotation_matrix)
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)
    try:
        with text_extraction():  # MuPDF's default glyph boxes, whatever the program set
            elements = _page_elements(page, m, (0.0, 0.0, display.width, display.height), figures)
    finally:
        if rotation:
            page.set_rotation(rotation)
    if elements is None:
        return None
    scale = (model_width / display.width, model_height / display.height)
    return render_html(elements, scale, (model_width, model_height))


def _page_elements(page: pymupdf.Page, m: pymupdf.Matrix, page_box: Box, figures: bool) -> list[Element] | None:
    lines = read_lines(page.get_text("rawdict", flags=TEXT_FLAGS), m)
    if not lines or _looks_scanned(page, m, page_box, lines):
        return None
    body = body_size(ln.row() for ln in lines)
    drawings = page.get_cdrawings()
    paths = [VectorPath(to_display(d["rect"], m), "f" in d.get("type", "")) for d in drawings]
    clusters: list[Box] = []
    if figures and 0 < len(drawings) <= MAX_CLUSTER_PATHS:  # clustering is quadratic in the paths
        rects = [{"rect": pymupdf.Rect(d["rect"])} for d in drawings]
        clusters = [to_display(r, m) for r in page.cluster_drawings(drawings=rects)]
    elements: list[Element] = []
    consumed: set[int] = set()
    if drawings:
        for element, used in read_tables(page, m, lines, body):
            elements.append(element)
            consumed |= used
    # Rules may be drawn as paths or as stretched one-pixel images (dvips).
    strokes = paths + [VectorPath(to_display(info["bbox"], m), True) for info in page.get_image_info()]
    for element, used in read_aligned_tables(lines, consumed, strokes, page_box, body):
        elements.append(element)
        consumed |= used
    if figures:
        taken = [e.box for e in elements]
        for element, used in read_figures(page, m, page_box, lines, consumed, taken, clusters, paths, body):
            elements.append(element)
            consumed |= used
    rows = [ln.row() for i, ln in enumerate(lines) if i not in consumed]
    attach_markers(rows)
    attach_fragments(rows)
    blocks: dict[int, list[Row]] = {}
    for row in rows:
        blocks.setdefault(row.block, []).append(row)
    words = vocabulary(ln.text for ln in lines)
    for block in blocks.values():
        for column in split_columns(block):
            elements.extend(segment_block(column, body, words))
    elements = tie_captions(join_broken_words(merge_formulas(elements, body), body, words), body)
    if page.number == 0:
        mark_authors(elements)
    elements.extend(read_fields(page, lambda rect: to_display(rect, m)))
    return merge_lists(reading_order(elements), body, words)


def _looks_scanned(page: pymupdf.Page, m: pymupdf.Matrix, page_box: Box, lines: list[Line]) -> bool:
    """A page image with only a stamp of text on it (a page number, a Bates number) is a scan."""
    if sum(len(ln.text.replace(" ", "")) for ln in lines) >= SCAN_MAX_CHARS:
        return False
    area = (page_box[2] - page_box[0]) * (page_box[3] - page_box[1])
    for info in page.get_image_info():
        b = pymupdf.Rect(to_display(info["bbox"], m)) & pymupdf.Rect(page_box)
        if b.width * b.height >= SCAN_MIN_IMAGE_SHARE * area:
            return True
    return False
