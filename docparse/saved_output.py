"""Parse a saved model output (from any Qwen deployment) into a one-page document.

For users who run the model elsewhere and for debugging: give the original page image
(its model input size is computed with the same resize rule, and boxes land in that
image's pixels) or the model input size directly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docparse.engines.base import EngineOutput
from docparse.pipeline import ParseOutcome
from docparse.policy import OutputPolicy
from docparse.qwenvl import parse_qwenvl_html
from docparse.render import encode_image, model_input_size, open_document
from schemas import Attempt, CoordinateConvention, Document, Page, PageGeometry, derive_document_status


@dataclass(frozen=True)
class SavedOutputOptions:
    convention: CoordinateConvention = "qwen2.5-absolute"
    min_pixels: int = 512 * 28 * 28
    max_pixels: int = 2048 * 28 * 28
    factor: int = 28


def parse_saved_output(
    text: str,
    *,
    name: str,
    image: Path | None = None,
    image_size: tuple[int, int] | None = None,
    options: SavedOutputOptions | None = None,
) -> ParseOutcome:
    """A one-page document from ``text``; exactly one of ``image`` / ``image_size`` is required."""
    opts = options or SavedOutputOptions()
    if (image is None) == (image_size is None):
        raise ValueError("give exactly one of an image or an image size")
    page_images: dict[int, tuple[bytes, str]] = {}
    if image is not None:
        with open_document(image) as opened:
            rendered = opened.render_page(0, min_pixels=opts.min_pixels, max_pixels=opts.max_pixels, factor=opts.factor)
        geometry = rendered.geometry
        page_images[1] = (encode_image(rendered.image, "jpeg", quality=85), "image/jpeg")
    else:
        assert image_size is not None
        width, height = image_size
        if opts.convention == "qwen2.5-absolute":
            model_w, model_h = width, height
        else:
            model_w, model_h = model_input_size(
                width, height, min_pixels=opts.min_pixels, max_pixels=opts.max_pixels, factor=opts.factor
            )
        geometry = PageGeometry(
            unit="px",
            width=width,
            height=height,
            pixel_width=width,
            pixel_height=height,
            model_width=model_w,
            model_height=model_h,
        )
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    parsed = parse_qwenvl_html(text, geometry, opts.convention, page=1, document_id=sha[:16])
    attempt = Attempt(
        index=0,
        engine="saved-output",
        convention=opts.convention,
        model_width=geometry.model_width,
        model_height=geometry.model_height,
        output=text,
        chosen=True,
    )
    verdict = OutputPolicy.single().judge(EngineOutput(text=text, stop_reason="stop"), parsed)
    page = Page(
        number=1,
        geometry=geometry,
        status=verdict.status,
        engine="saved-output",
        issues=list(verdict.issues),
        blocks=list(parsed.blocks),
        attempts=[attempt],
    )
    now = datetime.now(UTC)
    document = Document(
        id=sha[:16],
        sha256=sha,
        filename=name,
        media_type="text/html",
        page_count=1,
        status=derive_document_status([page.status]),
        settings_fingerprint=hashlib.sha256(repr(opts).encode()).hexdigest()[:16],
        created_at=now,
        updated_at=now,
        pages=[page],
    )
    return ParseOutcome(document, page_images)
