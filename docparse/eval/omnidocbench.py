"""OmniDocBench ground truth -> docparse :class:`schemas.Document` (one document per annotated page image).

OmniDocBench's ``OmniDocBench.json`` is a list of pages, each
``{"layout_dets": [...], "page_info": {"image_path", "width", "height", "page_no", ...}, "extra": ...}``;
a layout element has ``category_type``, ``poly`` (4 corners ``x1,y1,..,x4,y4`` in image
pixels), ``ignore``, ``order``, ``anno_id`` and, optionally, ``text``, ``latex``, ``html``.

Conversion
----------
* Each page becomes a one-page document: ``filename`` = base name of ``image_path`` (what a
  docparse run on that image reports, so predictions pair by file name); ``sha256`` = SHA-256
  of ``image_path``; page number 1; geometry in ``px`` from the image's own size when the
  image is found (``images/`` beside the file or its folder: ``page_info`` has width and
  height swapped on some pages), else from ``width``/``height`` (none when they are missing).
* ``poly`` -> ``bbox`` = the bounding box of the points, clamped to the page;
  ``bbox_norm`` = ``bbox`` / page size. A missing or malformed ``poly`` gives no box.
* Reading order: elements sorted by ``order`` (elements without one go last, in file order),
  then renumbered 0..n-1.
* Elements with ``ignore: true`` and the ``abandon`` category are dropped (OmniDocBench
  leaves them out of evaluation; a prediction on such a region counts as a false positive).
* Tables: cells from ``html`` (lxml, ``rowspan``/``colspan``, ``th``/``thead`` as header,
  normalized to a rectangular grid as docparse's own parser does); a table with only
  ``latex`` gets an empty grid and keeps the LaTeX in ``text``.
* Formulas: ``content`` = ``latex`` (delimiters kept; the metric strips them), ``text`` the same.
* Anything else: ``text``. Unknown categories become ``unknown`` blocks (``tag`` = category).

Category mapping (:data:`CATEGORY_MAP`)::

    title -> heading (level 1)        text_block, reference, page_footnote -> paragraph
    figure -> image                   table -> table
    equation_isolated -> formula      code_txt -> code
    figure_caption, table_caption, equation_caption, code_txt_caption,
    figure_footnote, table_footnote -> caption
    header -> header   footer -> footer   page_number -> page_number
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from PIL import Image

from docparse.qwenvl.dom import parse_document, tag_of
from docparse.qwenvl.tables import grid_text, table_grid
from schemas import BBox, Block, Document, Page, PageGeometry, TableData
from schemas.blocks import (
    CaptionBlock,
    CodeBlock,
    FooterBlock,
    FormulaBlock,
    HeaderBlock,
    HeadingBlock,
    ImageBlock,
    PageNumberBlock,
    ParagraphBlock,
    TableBlock,
    UnknownBlock,
)

CATEGORY_MAP: Mapping[str, str] = {
    "title": "heading",
    "text_block": "paragraph",
    "reference": "paragraph",
    "page_footnote": "paragraph",
    "figure": "image",
    "figure_caption": "caption",
    "figure_footnote": "caption",
    "table": "table",
    "table_caption": "caption",
    "table_footnote": "caption",
    "equation_isolated": "formula",
    "equation_caption": "caption",
    "code_txt": "code",
    "code_txt_caption": "caption",
    "header": "header",
    "footer": "footer",
    "page_number": "page_number",
}
"""OmniDocBench block category -> docparse block type; anything else -> ``unknown``."""

DROPPED_CATEGORIES = frozenset({"abandon"})
"""Categories left out like ``ignore: true`` elements."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIMPLE: Mapping[str, Callable[..., Block]] = {
    "paragraph": ParagraphBlock,
    "caption": CaptionBlock,
    "code": CodeBlock,
    "image": ImageBlock,
    "header": HeaderBlock,
    "footer": FooterBlock,
    "page_number": PageNumberBlock,
}
_MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


def looks_like_omnidocbench(data: object) -> bool:
    """Whether a parsed JSON value is OmniDocBench ground truth (a page entry or a list of them)."""
    entries = data if isinstance(data, list) else [data]
    return bool(entries) and all(isinstance(e, dict) and ("layout_dets" in e or "page_info" in e) for e in entries)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def poly_to_bbox(poly: object, width: float | None, height: float | None) -> BBox | None:
    """Bounding box of a ``[x1, y1, ..., xn, yn]`` polygon (or an ``[x0, y0, x1, y1]`` box), clamped to the page."""
    if not isinstance(poly, list) or len(poly) < 4 or len(poly) % 2:
        return None
    values = [_number(v) for v in poly]
    numbers = [v for v in values if v is not None]
    if len(numbers) != len(values):
        return None
    xs, ys = numbers[0::2], numbers[1::2]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    if width is not None:
        x0, x1 = min(max(x0, 0.0), width), min(max(x1, 0.0), width)
    if height is not None:
        y0, y1 = min(max(y0, 0.0), height), min(max(y1, 0.0), height)
    return BBox(x0=x0, y0=y0, x1=x1, y1=y1)


def html_table(html: str) -> tuple[TableData, str]:
    """Cells of the first ``<table>`` of an HTML fragment, and its text (rows on lines, cells tab-separated)."""
    root = parse_document(html)
    table = None
    if root is not None:
        table = next((el for el in root.iter() if tag_of(el) == "table"), None)
    if table is None:
        return TableData(), ""
    grid = table_grid(table)
    return grid.table_data(), grid_text(grid)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _block(det: Mapping[str, Any], category: str, common: dict[str, Any]) -> Block:
    block_type = CATEGORY_MAP.get(category, "unknown")
    text = _str(det.get("text"))
    if block_type == "heading":
        return HeadingBlock(level=1, text=text, **common)
    if block_type == "table":
        html = _str(det.get("html"))
        data, table_text = html_table(html) if html else (TableData(), "")
        return TableBlock(
            n_rows=data.n_rows,
            n_cols=data.n_cols,
            cells=data.cells,
            html=html,
            text=table_text or text or _str(det.get("latex")),
            **common,
        )
    if block_type == "formula":
        latex = _str(det.get("latex")) or text
        return FormulaBlock(content=latex, text=latex, **common)
    if block_type in _SIMPLE:
        return _SIMPLE[block_type](text=text, **common)
    return UnknownBlock(tag=category, text=text or _str(det.get("latex")), **common)


def _geometry(width: float | None, height: float | None) -> PageGeometry | None:
    if width is None or height is None or width <= 0 or height <= 0:
        return None
    w, h = max(1, round(width)), max(1, round(height))
    return PageGeometry(
        unit="px", width=width, height=height, pixel_width=w, pixel_height=h, model_width=w, model_height=h
    )


def image_size(image_dir: Path | None, filename: str) -> tuple[float, float] | None:
    """The pixel size of ``image_dir/filename`` when that image exists (its header only is read)."""
    if image_dir is None or not (image_dir / filename).is_file():
        return None
    try:
        with Image.open(image_dir / filename) as image:
            return float(image.width), float(image.height)
    except OSError:
        return None


def convert_page(entry: Mapping[str, Any], index: int = 0, image_dir: Path | None = None) -> Document:
    """One OmniDocBench page entry -> a one-page :class:`Document` (``index`` names entries without an image path).

    The page size is the image's own when the image is in ``image_dir`` (``page_info`` has width
    and height swapped on some pages), else ``page_info``'s.
    """
    info = entry.get("page_info")
    info = info if isinstance(info, dict) else {}
    image_path = _str(info.get("image_path")) or f"omnidocbench-page-{index}"
    filename = PureWindowsPath(PurePosixPath(image_path).name).name
    width, height = image_size(image_dir, filename) or (_number(info.get("width")), _number(info.get("height")))
    geometry = _geometry(width, height)
    sha = hashlib.sha256(image_path.encode("utf-8")).hexdigest()
    doc_id = f"omnidocbench-{sha[:16]}"
    dets = entry.get("layout_dets")
    kept: list[tuple[float, int, Mapping[str, Any]]] = []
    for position, det in enumerate(dets if isinstance(dets, list) else []):
        if not isinstance(det, dict) or det.get("ignore") is True:
            continue
        category = _str(det.get("category_type")) or "unknown"
        if category in DROPPED_CATEGORIES:
            continue
        order = _number(det.get("order"))
        kept.append((order if order is not None else float("inf"), position, det))
    kept.sort(key=lambda item: (item[0], item[1]))
    blocks: list[Block] = []
    for order, (_, _, det) in enumerate(kept):
        bbox = poly_to_bbox(det.get("poly"), *((geometry.width, geometry.height) if geometry else (None, None)))
        bbox_norm = None
        if bbox is not None and geometry is not None:
            bbox_norm = BBox(
                x0=bbox.x0 / geometry.width,
                y0=bbox.y0 / geometry.height,
                x1=bbox.x1 / geometry.width,
                y1=bbox.y1 / geometry.height,
            )
        common: dict[str, Any] = {
            "id": f"{doc_id}:p1:b{order}",
            "page": 1,
            "order": order,
            "bbox": bbox,
            "bbox_norm": bbox_norm,
        }
        blocks.append(_block(det, _str(det.get("category_type")) or "unknown", common))
    page = Page(number=1, geometry=geometry, status="ok", engine="omnidocbench-gt", blocks=blocks)
    suffix = PurePosixPath(filename).suffix.lower()
    return Document(
        id=doc_id,
        sha256=sha,
        filename=filename,
        media_type=_MEDIA_TYPES.get(suffix, "application/octet-stream"),
        page_count=1,
        status="done",
        settings_fingerprint="omnidocbench",
        created_at=_EPOCH,
        updated_at=_EPOCH,
        pages=[page],
    )


def convert(data: object, image_dir: Path | None = None) -> list[Document]:
    """OmniDocBench ground truth (a list of page entries, or one entry) -> one document per page."""
    entries = data if isinstance(data, list) else [data]
    return [convert_page(entry, i, image_dir) for i, entry in enumerate(entries) if isinstance(entry, dict)]


def find_image_dir(gold_file: Path) -> Path | None:
    """``images/`` beside an OmniDocBench ground-truth file or beside its folder, when there is one."""
    for candidate in (gold_file.parent / "images", gold_file.parent.parent / "images"):
        if candidate.is_dir():
            return candidate
    return None
