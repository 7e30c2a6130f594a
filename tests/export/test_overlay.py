"""HTML overlay: one drawn box per block with a box, the page image as a data URL, nothing external."""

from __future__ import annotations

import base64
import io
import re

import lxml.html
import pytest
from lxml.html import HtmlElement
from PIL import Image

from docparse.export import ExportOptions, get_exporter
from docparse.export.html_overlay import TYPE_COLORS
from schemas import Document, Page, ParagraphBlock
from tests.export.conftest import TINY_PNG, build_document


def export(document: Document, options: ExportOptions) -> str:
    return "".join(get_exporter("html").stream(document, options))


def parse(text: str) -> HtmlElement:
    return lxml.html.document_fromstring(text)


def boxed(document: Document) -> list[tuple[str, str]]:
    return [(b.id, b.type) for p in document.pages for b in p.blocks if b.bbox is not None]


def test_one_box_per_block_with_a_bbox(document: Document) -> None:
    root = parse(export(document, ExportOptions(overlay=True)))
    drawn = [(el.get("data-block-id"), el.get("data-type")) for el in root.xpath("//*[@data-block-id]")]
    assert drawn == boxed(document)
    assert len(drawn) == 21  # 20 + 4 blocks, three of them without a box
    for page in document.pages:
        view = root.xpath(f"//div[@class='overlay'][@data-page='{page.number}']")
        assert len(view) == 1
        assert len(view[0].xpath(".//*[@data-block-id]")) == sum(b.bbox is not None for b in page.blocks)


def test_no_boxes_without_overlay(document: Document) -> None:
    root = parse(export(document, ExportOptions()))
    assert not root.xpath("//*[@data-block-id]")
    assert not root.xpath("//div[@class='overlay']")


def test_boxes_are_placed_from_the_normalized_box_and_show_the_text(document: Document) -> None:
    root = parse(export(document, ExportOptions(overlay=True)))
    (box,) = root.xpath("//*[@data-block-id='doc-0001:p2:b1']")
    assert box.get("style") == "left:10.000%;top:22.857%;width:40.000%;height:12.857%"
    assert box.get("title") == "chemical_formula #1: C1=CC=CC=C1"
    assert box.get("href") == "#page-2-block-1"
    assert root.get_element_by_id("page-2-block-1").tag == "pre"  # the link target exists
    assert "t-chemical_formula" in box.get("class")
    (para,) = root.xpath("//*[@data-block-id='doc-0001:p1:b4']")
    assert para.get("title") == "paragraph #4: Revenue grew by 12% in 2024."


def test_page_image_is_embedded_as_a_data_url(document: Document) -> None:
    options = ExportOptions(overlay=True, page_images={1: (TINY_PNG, "image/png")})
    root = parse(export(document, options))
    (img,) = root.xpath("//img")
    assert img.getparent().getparent().get("data-page") == "1"
    src = img.get("src")
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    assert base64.b64decode(src[len(prefix) :]) == TINY_PNG


def test_media_type_is_sniffed_not_trusted(document: Document) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 8), "blue").save(buffer, format="JPEG")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    options = ExportOptions(
        overlay=True, page_images={1: (buffer.getvalue(), "image/png"), 2: (svg, "image/svg+xml"), 3: (b"junk", "")}
    )
    root = parse(export(document, options))
    (img,) = root.xpath("//img")
    assert img.get("src").startswith("data:image/jpeg;base64,")
    for number in (2, 3):
        view = root.xpath(f"//div[@class='overlay'][@data-page='{number}']")[0]
        assert not view.xpath(".//img")
        assert view.xpath(".//span[@class='no-image']")


@pytest.mark.parametrize(
    ("page", "ratio"),
    [(1, "612 / 792"), (2, "1000 / 1400"), (4, "210 / 297")],
)
def test_blank_page_keeps_the_aspect_ratio(document: Document, page: int, ratio: str) -> None:
    root = parse(export(document, ExportOptions(overlay=True)))
    assert not root.xpath("//img")
    sheet = root.xpath(f"//div[@class='overlay'][@data-page='{page}']/div[@class='sheet']")[0]
    assert sheet.get("style") == f"aspect-ratio:{ratio}"


def test_page_without_geometry_takes_the_image_ratio() -> None:
    block = ParagraphBlock(id="p", page=1, order=0, text="x")
    doc = build_document([Page(number=1, status="ok", blocks=[block])])
    root = parse(export(doc, ExportOptions(overlay=True, page_images={1: (TINY_PNG, "image/png")})))
    assert root.xpath("//div[@class='sheet']")[0].get("style") == "aspect-ratio:4 / 2"


def test_legend_has_every_type_with_its_colour(document: Document) -> None:
    text = export(document, ExportOptions(overlay=True))
    root = parse(text)
    assert root.xpath("//ul[@class='legend']/li/text()") == list(TYPE_COLORS)
    for block_type, colour in TYPE_COLORS.items():
        assert f".t-{block_type}{{border-color:{colour}" in text


def test_nothing_external_anywhere(document: Document) -> None:
    options = ExportOptions(overlay=True, page_images={1: (TINY_PNG, "image/png"), 2: (TINY_PNG, "image/png")})
    text = export(document, options)
    assert not re.search(r"(?i)\b(https?:|ftp:|javascript:)|//[a-z0-9.-]+\.[a-z]", text)
    root = parse(text)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag != "script"
        for name, value in el.attrib.items():
            assert not name.startswith("on")
            if name in ("src", "href"):
                assert value.startswith(("#", "data:image/png;base64,"))
