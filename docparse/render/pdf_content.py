"""How much content a PDF page asks MuPDF to interpret, measured before it is drawn or read.

A content-stream bomb is a small file whose page content inflates to hundreds of megabytes of
drawing operators (issue 13: 1,990 pages sharing one 400 MB stream, ~140 s of CPU each). MuPDF
cannot be interrupted from Python, so the cheapest defence runs first: the decompressed size of
a page's content streams — its ``/Contents`` and the form XObjects it uses — is measured with
*bounded* inflation (never more than the limit plus one chunk is produced) and compared with
:attr:`RenderLimits.max_content_bytes`. Sizes are cached per stream for the open document, so
1,990 pages sharing one stream cost one measurement, and every one of them fails at once with
the reason.

The same measurement decides where a page is drawn (:meth:`ContentMeter.drawable_in_process`):
the killable render child (:mod:`.isolated`) costs a round trip and a copy of the pixels, so a
page is drawn in process when even the slowest content known to us could not take half of its
time budget — at most ``budget x WORST_CONTENT_BYTES_PER_S / 2`` bytes of content, images of at
most :data:`IN_PROCESS_IMAGE_PIXELS` and no Type 3 fonts (their glyphs are content streams not
measured here). Everything else goes to the child. A page that slips through still meets the
worker's page time limit (:mod:`workers.leases`).

Only ``/FlateDecode`` (by far the common case, and the one that compresses 400:1) is inflated
here; a stream with no filter counts its raw length; other filter chains are decoded by MuPDF.
"""

from __future__ import annotations

import zlib
from typing import Any

from docparse.render.errors import LimitExceeded

__all__ = ["IN_PROCESS_IMAGE_PIXELS", "WORST_CONTENT_BYTES_PER_S", "ContentMeter"]

_CHUNK = 1 << 20

WORST_CONTENT_BYTES_PER_S = 12_000
"""MuPDF's slowest content per decompressed byte that we know of: full-page stroked paths
(``tests/render/helpers.py`` ``SLOW_OP``: 256 KB took 21 s on a loaded 2-core VM). Ordinary text
pages run at megabytes per second."""

IN_PROCESS_IMAGE_PIXELS = 50_000_000
"""Image pixels a page may carry and still be drawn in process (decoding them takes seconds at most)."""


class ContentMeter:
    """Bounded, cached measurement of the decompressed content of a document's pages."""

    def __init__(self, doc: Any, max_bytes: int) -> None:
        self._doc = doc
        self._max = max_bytes
        self._sizes: dict[int, int] = {}

    def check(self, page: Any, number: int) -> int:
        """The decompressed bytes of ``page``'s content; :class:`LimitExceeded`
        (``limit="max_content_bytes"``) when they are more than the limit."""
        total = 0
        for xref in _content_xrefs(page):
            total += self.stream_size(xref)
            if total > self._max:
                raise LimitExceeded(
                    f"page {number}'s content streams decompress to more than {self._max} bytes, over the limit "
                    f"of {self._max} bytes per page (max_content_bytes, DOCPARSE_MAX_PAGE_CONTENT_BYTES): "
                    "refusing to draw it (a content-stream bomb, or a page too complex to process)",
                    limit="max_content_bytes",
                    value=total,
                    maximum=self._max,
                )
        return total

    @staticmethod
    def drawable_in_process(page: Any, content_bytes: int, budget_s: float) -> bool:
        """Whether ``page``, whose content :meth:`check` measured at ``content_bytes``, is cheap
        enough to draw without the killable child under a budget of ``budget_s`` seconds (see the
        module docstring)."""
        if content_bytes > budget_s * WORST_CONTENT_BYTES_PER_S / 2:
            return False
        if sum(int(image[2]) * int(image[3]) for image in page.get_images(full=True)) > IN_PROCESS_IMAGE_PIXELS:
            return False
        return not any(font[2] == "Type3" for font in page.get_fonts(full=True))

    def stream_size(self, xref: int) -> int:
        """Decompressed bytes of stream ``xref``, counted up to the limit plus one chunk."""
        if xref not in self._sizes:
            self._sizes[xref] = self._measure(xref)
        return self._sizes[xref]

    def _measure(self, xref: int) -> int:
        doc = self._doc
        if not doc.xref_is_stream(xref):
            return 0
        kind, value = doc.xref_get_key(xref, "Filter")
        raw = doc.xref_stream_raw(xref) or b""
        filters = value.strip("[] ").split() if kind in ("name", "array") else []
        if not filters:
            return len(raw)
        if filters != ["/FlateDecode"]:
            return len(doc.xref_stream(xref) or b"")
        inflater = zlib.decompressobj()
        produced, pending = 0, raw
        try:
            while pending and produced <= self._max:
                produced += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
        except zlib.error:
            pass  # a damaged stream: MuPDF draws what inflates; count that much
        return produced


def _content_xrefs(page: Any) -> list[int]:
    """The page's content streams and those of the form XObjects it uses, each once."""
    return list(dict.fromkeys([*page.get_contents(), *(x[0] for x in page.get_xobjects())]))
