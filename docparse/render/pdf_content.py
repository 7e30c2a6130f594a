"""How much content a PDF page asks MuPDF to interpret, measured before it is drawn or read.

A content-stream bomb is a small file whose page content inflates to hundreds of megabytes of
drawing operators (issue 13: 1,990 pages sharing one 400 MB stream, ~140 s of CPU each). MuPDF
cannot be interrupted from Python, so the cheapest defence runs first: the decompressed size of
a page's content streams — its ``/Contents``, the form XObjects it uses and its annotations'
appearances — is measured with *bounded* inflation (never more than the limit plus one chunk is
produced) and compared with :attr:`RenderLimits.max_content_bytes`. Sizes are cached per stream
for the open document, so 1,990 pages sharing one stream cost one measurement, and every one of
them fails at once with the reason.

The same measurement decides where a page is drawn (:meth:`ContentMeter.drawable_in_process`):
the killable render child (:mod:`.isolated`) costs a round trip and a copy of the pixels, so a
page is drawn in process when even the slowest content known to us could not take half of its
time budget — at most ``budget x WORST_CONTENT_BYTES_PER_S / 2`` bytes of content, images of at
most :data:`IN_PROCESS_IMAGE_PIXELS` and no Type 3 fonts (their glyphs are content streams not
measured here). Everything else goes to the child. A page that slips through still meets the
worker's page time limit (:mod:`workers.leases`).

A stream's ``/Filter`` is read as MuPDF reads it, indirect references resolved. A lone
``/FlateDecode`` (by far the common case, and the one that compresses 400:1) is inflated here with
zlib; a stream with no filter counts its raw length; a chain of the filters that decode as a stream
in little memory (:data:`_STREAMING_FILTERS`: Flate, LZW, ASCIIHex, ASCII85, RunLength) is decoded
by MuPDF with the same bound. Any other filter (an image codec, an unknown name) is not decoded
here at all: such a stream is left *unmeasured* and its page is drawn in the child, whose memory
and time are bounded.

One walk of the page's resources (:func:`_scan_page`, MuPDF's low-level API: the page is read on
every render, so it must cost little next to drawing it) finds the form XObjects, the image sizes
and the Type 3 fonts, those of the forms it uses included; each form is visited once, however
often it is referenced. The appearance streams of the page's annotations are drawn with the page
(``fz_run_page``), so they count as its content too: every state of each ``/AP /N``, with the
resources it uses.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from docparse.mupdf import pymupdf as _pymupdf
from docparse.render.errors import LimitExceeded

__all__ = ["IN_PROCESS_IMAGE_PIXELS", "WORST_CONTENT_BYTES_PER_S", "ContentMeter", "PageContent"]

_mupdf: Any = _pymupdf.mupdf
MUPDF_ERROR: type[Exception] = getattr(_mupdf, "FzErrorBase", RuntimeError)
"""The exception class of MuPDF's own errors (``RuntimeError`` where the low-level API lacks one)."""
_CHUNK = 1 << 20
_FLATE = frozenset({"FlateDecode", "Fl"})
_STREAMING_FILTERS = _FLATE | {
    "LZWDecode",
    "LZW",
    "ASCIIHexDecode",
    "AHx",
    "ASCII85Decode",
    "A85",
    "RunLengthDecode",
    "RL",
}
"""Filters MuPDF decodes as a stream with a small, fixed state: a chain of them is measured by
reading MuPDF's decoded stream up to the limit (names as in ISO 32000 7.4, abbreviations included)."""

WORST_CONTENT_BYTES_PER_S = 12_000
"""MuPDF's slowest content per decompressed byte that we know of: full-page stroked paths
(``tests/render/helpers.py`` ``SLOW_OP``: 256 KB took 21 s on a loaded 2-core VM). Ordinary text
pages run at megabytes per second."""

IN_PROCESS_IMAGE_PIXELS = 50_000_000
"""Image pixels a page may carry and still be drawn in process (decoding them takes seconds at most)."""


@dataclass(frozen=True, slots=True)
class PageContent:
    """What :meth:`ContentMeter.check` measured of one page: the decompressed bytes of its content
    streams (its own, its forms' and its annotations' appearances), the pixels of the images their
    resources name, whether any uses a Type 3 font, and whether a stream was left unmeasured (its
    filters are not decoded here: not counted in ``content_bytes``, and the page is drawn in the
    child)."""

    content_bytes: int
    image_pixels: int
    type3_fonts: bool
    unmeasured: bool = False


class ContentMeter:
    """Bounded, cached measurement of the decompressed content of a document's pages."""

    def __init__(self, doc: Any, max_bytes: int) -> None:
        self._pdf = _pdf_document(doc)
        self._max = max_bytes
        self._sizes: dict[int, int | None] = {}

    def check(self, page: Any, number: int) -> PageContent:
        """Measure ``page``; :class:`LimitExceeded` (``limit="max_content_bytes"``) when its content
        decompresses to more than the limit."""
        scan = _scan_page(page)
        total, unmeasured = 0, False
        for xref in scan.streams:
            size = self.stream_size(xref)
            if size is None:
                unmeasured = True
                continue
            total += size
            if total > self._max:
                raise LimitExceeded(
                    f"page {number}'s content streams decompress to more than {self._max} bytes, over the limit "
                    f"of {self._max} bytes per page (max_content_bytes, DOCPARSE_MAX_PAGE_CONTENT_BYTES): "
                    "refusing to draw it (a content-stream bomb, or a page too complex to process)",
                    limit="max_content_bytes",
                    value=total,
                    maximum=self._max,
                )
        return PageContent(total, scan.image_pixels, scan.type3_fonts, unmeasured)

    @staticmethod
    def drawable_in_process(content: PageContent, budget_s: float) -> bool:
        """Whether a page that :meth:`check` measured as ``content`` is cheap enough to draw without
        the killable child under a budget of ``budget_s`` seconds (see the module docstring)."""
        if content.unmeasured or content.content_bytes > budget_s * WORST_CONTENT_BYTES_PER_S / 2:
            return False
        return content.image_pixels <= IN_PROCESS_IMAGE_PIXELS and not content.type3_fonts

    def stream_size(self, xref: int) -> int | None:
        """Decompressed bytes of stream ``xref``, counted up to the limit plus one chunk; ``None``
        when its filters are not decoded here (see the module docstring)."""
        if xref not in self._sizes:
            self._sizes[xref] = self._measure(xref)
        return self._sizes[xref]

    def _measure(self, xref: int) -> int | None:
        pdf = self._pdf
        if not _mupdf.pdf_obj_num_is_stream(pdf, xref):
            return 0
        filters = _filters(_mupdf.pdf_dict_get(_mupdf.pdf_load_object(pdf, xref), _mupdf.PDF_ENUM_NAME_Filter))
        if len(filters) == 1 and filters[0] in _FLATE:
            return self._inflated_size(xref)
        if filters:
            return self._decoded_size(xref) if _STREAMING_FILTERS.issuperset(filters) else None
        return len(_mupdf.fz_buffer_storage_memoryview(_mupdf.pdf_load_raw_stream_number(pdf, xref)))

    def _decoded_size(self, xref: int) -> int | None:
        """Bytes MuPDF decodes from stream ``xref`` through its filter chain, read (and dropped) one
        chunk at a time up to the limit plus one chunk; ``None`` when MuPDF cannot open the chain
        (parameters it refuses: left to the child)."""
        try:
            stream = _mupdf.pdf_open_stream_number(self._pdf, xref)
        except MUPDF_ERROR:
            return None
        produced = 0
        while produced <= self._max:
            read = int(_mupdf.fz_skip(stream, _CHUNK))  # a decoding error ends the stream (MuPDF warns)
            produced += read
            if read < _CHUNK:
                break
        return produced

    def _inflated_size(self, xref: int) -> int:
        """Bytes a lone Flate stream ``xref`` inflates to, up to the limit plus one chunk."""
        raw = _mupdf.pdf_load_raw_stream_number(self._pdf, xref)  # kept alive while ``data`` is read
        data = _mupdf.fz_buffer_storage_memoryview(raw)
        inflater = zlib.decompressobj()
        produced, pending = 0, data
        try:
            while pending and produced <= self._max:
                produced += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
        except zlib.error:
            pass  # a damaged stream: MuPDF draws what inflates; count that much
        return produced


def _pdf_document(doc: Any) -> Any:
    """The ``mupdf.PdfDocument`` behind a ``pymupdf.Document``."""
    this = doc.this
    return this if isinstance(this, _mupdf.PdfDocument) else _mupdf.pdf_document_from_fz_document(this)


def _filters(value: Any) -> list[str]:
    """A stream's ``/Filter`` as names, read as MuPDF reads it when it decodes the stream: indirect
    references (the value's or its entries') resolved; ``[]`` when absent or neither a name nor an
    array (MuPDF reads the raw bytes), an entry that is not a name as ``"?"`` (never decoded here)."""
    mupdf = _mupdf
    if not value.m_internal:
        return []
    if mupdf.pdf_is_name(value):  # pdf_is_*, pdf_to_* and pdf_array_* resolve indirect references
        return [mupdf.pdf_to_name(value)]
    items = (mupdf.pdf_array_get(value, i) for i in range(mupdf.pdf_array_len(value)))
    return [mupdf.pdf_to_name(item) if mupdf.pdf_is_name(item) else "?" for item in items]


@dataclass
class _Scan:
    """What one walk of a page's resources found (see :func:`_scan_page`)."""

    streams: dict[int, None]
    """Content streams, then form XObjects in the order found (an ordered set)."""
    image_pixels: int = 0
    type3_fonts: bool = False
    seen: set[int] = field(default_factory=set)
    """Objects already walked: XObjects and resource dictionaries, by object number."""


def _scan_page(page: Any) -> _Scan:
    """The page's content streams, the forms it uses (nested ones too), its annotations' appearance
    streams, the pixels of their images and whether any font of theirs is Type 3."""
    mupdf = _mupdf
    this = page.this
    page_obj = (this if isinstance(this, mupdf.PdfPage) else mupdf.pdf_page_from_fz_page(this)).obj()
    scan = _Scan(dict.fromkeys(_contents(page_obj)))
    resources = mupdf.pdf_dict_get_inheritable(page_obj, mupdf.PDF_ENUM_NAME_Resources)
    if resources.m_internal:
        _scan_resources(resources, scan)
    _scan_annotations(page_obj, scan)
    return scan


def _scan_annotations(page_obj: Any, scan: _Scan) -> None:
    """Add the appearance streams of the page's ``/Annots`` to ``scan``, then walk their resources."""
    mupdf = _mupdf
    annotations = mupdf.pdf_dict_get(page_obj, mupdf.PDF_ENUM_NAME_Annots)
    for i in range(mupdf.pdf_array_len(annotations)):
        for appearance in _appearances(mupdf.pdf_array_get(annotations, i)):
            scan.streams[mupdf.pdf_to_num(appearance)] = None
            inner = mupdf.pdf_dict_get(appearance, mupdf.PDF_ENUM_NAME_Resources)
            if inner.m_internal:
                _scan_resources(inner, scan)


def _appearances(annotation: Any) -> list[Any]:
    """The streams MuPDF may draw for ``annotation``: its normal appearance (``/AP /N``), or each
    of its states when ``/N`` is a dictionary of them (whichever ``/AS`` names is drawn)."""
    mupdf = _mupdf
    normal = mupdf.pdf_dict_get(mupdf.pdf_dict_get(annotation, mupdf.PDF_ENUM_NAME_AP), mupdf.PDF_ENUM_NAME_N)
    if mupdf.pdf_is_stream(normal):
        return [normal]
    states = (mupdf.pdf_dict_get_val(normal, i) for i in range(mupdf.pdf_dict_len(normal)))
    return [state for state in states if mupdf.pdf_is_stream(state)]


def _contents(page_obj: Any) -> list[int]:
    """Object numbers of the page's ``/Contents`` (one stream or an array of them)."""
    mupdf = _mupdf
    contents = mupdf.pdf_dict_get(page_obj, mupdf.PDF_ENUM_NAME_Contents)
    if mupdf.pdf_is_array(contents):
        return [mupdf.pdf_to_num(mupdf.pdf_array_get(contents, i)) for i in range(mupdf.pdf_array_len(contents))]
    return [mupdf.pdf_to_num(contents)] if contents.m_internal else []


def _scan_resources(resources: Any, scan: _Scan) -> None:
    """Add what ``resources`` names to ``scan``, then walk the resources of its XObjects."""
    mupdf = _mupdf
    if _seen(resources, scan):
        return
    fonts = mupdf.pdf_dict_get(resources, mupdf.PDF_ENUM_NAME_Font)
    for i in range(mupdf.pdf_dict_len(fonts)):
        font = mupdf.pdf_dict_get_val(fonts, i)
        if mupdf.pdf_is_dict(font) and _subtype(font) == "Type3":
            scan.type3_fonts = True
    xobjects = mupdf.pdf_dict_get(resources, mupdf.PDF_ENUM_NAME_XObject)
    found = [mupdf.pdf_dict_get_val(xobjects, i) for i in range(mupdf.pdf_dict_len(xobjects))]
    for xobject in found:
        if not mupdf.pdf_is_dict(xobject):
            continue
        subtype = _subtype(xobject)
        if subtype == "Image":
            scan.image_pixels += _image_pixels(xobject)
        elif subtype == "Form":
            scan.streams[mupdf.pdf_to_num(xobject)] = None
    for xobject in found:
        inner = mupdf.pdf_dict_get(xobject, mupdf.PDF_ENUM_NAME_Resources)
        if inner.m_internal and not _seen(xobject, scan):
            _scan_resources(inner, scan)


def _seen(obj: Any, scan: _Scan) -> bool:
    """Whether ``obj`` (an indirect object) was walked already; marks it walked. A direct object
    is never shared, so it is always walked (a cycle has to pass through an indirect one)."""
    number = int(_mupdf.pdf_to_num(obj))
    if not number:
        return False
    if number in scan.seen:
        return True
    scan.seen.add(number)
    return False


def _subtype(obj: Any) -> str:
    return str(_mupdf.pdf_to_name(_mupdf.pdf_dict_get(obj, _mupdf.PDF_ENUM_NAME_Subtype)))


def _image_pixels(image: Any) -> int:
    mupdf = _mupdf
    width = mupdf.pdf_dict_geta(image, mupdf.PDF_ENUM_NAME_Width, mupdf.PDF_ENUM_NAME_W)
    height = mupdf.pdf_dict_geta(image, mupdf.PDF_ENUM_NAME_Height, mupdf.PDF_ENUM_NAME_H)
    return int(mupdf.pdf_to_int(width)) * int(mupdf.pdf_to_int(height))
