"""The HTML overlay: one self-contained page view per page with every block's box drawn on it.

The page image (``ExportOptions.page_images[page]``) is embedded as a ``data:`` URL after
Pillow has confirmed it is a PNG, JPEG, GIF or WebP (the media type written is the sniffed
one, not the caller's); without a usable image the page is a blank sheet of the page's
aspect ratio. Boxes are absolutely positioned links placed in percent of the page from the
normalized box (``bbox_norm``, or ``bbox`` divided by the page size), so they fit any image
size. Each box carries ``data-block-id`` and ``data-type``, is coloured by block type (see
:func:`legend`), shows the block's text on hover (``title``) and on click jumps to the
block in the reconstruction below (``href="#page-N-block-M"``). No script, no external load.

Exactly one box is drawn per block that has a box; nothing else carries ``data-block-id``.
"""

from __future__ import annotations

import base64
import io

from PIL import Image, UnidentifiedImageError

from docparse.export._html import Markup, h, join
from docparse.export.base import anchor, fmt_num, norm_box
from schemas import Block, Page

TYPE_COLORS: dict[str, str] = {
    "heading": "#d62728",
    "paragraph": "#1f77b4",
    "list": "#2ca02c",
    "table": "#9467bd",
    "chart": "#8c564b",
    "formula": "#e377c2",
    "image": "#ff7f0e",
    "caption": "#bcbd22",
    "music_sheet": "#17becf",
    "chemical_formula": "#7f7f7f",
    "author": "#aec7e8",
    "header": "#98df8a",
    "footer": "#c5b0d5",
    "page_number": "#c49c94",
    "code": "#393b79",
    "key_value": "#dbdb8d",
    "unknown": "#000000",
}
"""The colour of each block type's boxes (every ``BlockType`` has one)."""

_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_DEFAULT_RATIO = (210.0, 297.0)  # A4 portrait, when nothing says otherwise
_TITLE_LIMIT = 500

OVERLAY_CSS = """
.legend{display:flex;flex-wrap:wrap;gap:.3rem .8rem;list-style:none;padding:0;font-size:.8rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border:2px solid;margin-right:.25rem;vertical-align:middle}
.overlay{margin:.5rem 0}
.sheet{position:relative;width:100%;background:#fff;box-shadow:0 0 0 1px #bbb}
.sheet img.page-image{position:absolute;left:0;top:0;width:100%;height:100%}
.sheet .no-image{position:absolute;left:.3rem;top:.3rem;color:#aaa;font-size:.75rem}
.box{position:absolute;box-sizing:border-box;border:2px solid;display:block}
.box:hover,.box:focus{background:rgba(255,230,0,.25);z-index:2}
""" + "".join(f".t-{t}{{border-color:{c};background:{c}1a}}\n" for t, c in TYPE_COLORS.items())


def sniff_image(data: bytes) -> str | None:
    """The media type of ``data`` if Pillow reads it as PNG, JPEG, GIF or WebP, else ``None``."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return _IMAGE_TYPES.get(img.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _image_size(data: bytes) -> tuple[float, float] | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            return float(img.width), float(img.height)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def block_summary(block: Block) -> str:
    """The text a reader sees for a block: its text, else its content, caption or OCR text."""
    for value in (
        block.text,
        getattr(block, "content", None),
        getattr(block, "caption", None),
        getattr(block, "ocr_text", None),
    ):
        if value:
            return str(value)
    return ""


def legend() -> Markup:
    """The colour legend: one swatch per block type."""
    items = [h("li", h("span", "", class_=f"swatch t-{t}"), t) for t in TYPE_COLORS]
    return h("ul", join(items), class_="legend")


def _pct(value: float) -> str:
    return f"{min(max(value, 0.0), 1.0) * 100:.3f}%"


def box_html(page: Page, block: Block) -> Markup | None:
    """The drawn box of one block, or ``None`` when it has no box."""
    if block.bbox is None and block.bbox_norm is None:
        return None
    box = norm_box(page, block)
    if box is None:
        return None
    summary = block_summary(block)
    if len(summary) > _TITLE_LIMIT:
        summary = summary[:_TITLE_LIMIT] + "…"
    style = f"left:{_pct(box.x0)};top:{_pct(box.y0)};width:{_pct(box.width)};height:{_pct(box.height)}"
    return h(
        "a",
        "",
        class_=f"box t-{block.type}",
        href=f"#{anchor(block)}",
        title=f"{block.type} #{block.order}: {summary}",
        style=style,
        data_block_id=block.id,
        data_type=block.type,
    )


def page_view(page: Page, image: tuple[bytes, str] | None) -> Markup:
    """A page's overlay view: the page image (or a blank sheet) with every block's box on it."""
    data = image[0] if image is not None else None
    media = sniff_image(data) if data is not None else None
    size: tuple[float, float] | None = None
    if page.geometry is not None:
        size = (page.geometry.width, page.geometry.height)
    elif data is not None and media is not None:
        size = _image_size(data)
    width, height = size or _DEFAULT_RATIO
    if data is not None and media is not None:
        src = f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
        background = h("img", class_="page-image", alt=f"page {page.number}", src=src)
    else:
        background = h("span", "no page image", class_="no-image")
    boxes = [b for b in (box_html(page, block) for block in page.blocks) if b is not None]
    sheet = h(
        "div",
        background,
        join(boxes),
        class_="sheet",
        style=f"aspect-ratio:{fmt_num(width)} / {fmt_num(height)}",
    )
    return h("div", sheet, class_="overlay", data_page=page.number)
