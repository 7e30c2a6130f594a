"""Element -> block mapping details not covered by the goldens."""

from __future__ import annotations

import pytest

from docparse.qwenvl.dom import parse_document
from docparse.qwenvl.text import element_text, has_text
from tests.qwenvl.helpers import codes, parse


def test_empty_separators_are_dropped_with_or_without_box() -> None:
    result = parse('<p data-bbox="1 2 3 4">a</p> <p></p> <p data-bbox="5 6 7 8"> </p> <p data-bbox="1 2 3 4">b</p>')
    assert [b.text for b in result.blocks] == ["a", "b"]
    assert [b.order for b in result.blocks] == [0, 1]
    empties = [i for i in result.issues if i.code == "element_empty"]
    assert [i.detail for i in empties] == ["no box", "data-bbox='5 6 7 8'"]


def test_generic_containers_are_walked_through() -> None:
    html = '<section><div><p data-bbox="1 2 3 4">a</p><h2 data-bbox="1 2 3 4">b</h2></div></section>'
    result = parse(html)
    assert [(b.type, b.text) for b in result.blocks] == [("paragraph", "a"), ("heading", "b")]


def test_boxed_container_of_unboxed_blocks_is_one_unknown_block() -> None:
    result = parse('<div data-bbox="1 2 3 4"><p>a</p><p>b</p></div>')
    assert [(b.type, b.text) for b in result.blocks] == [("unknown", "a b")]
    assert codes(result) == ["root_missing", "element_unknown"]


def test_unknown_keeps_tag_class_and_text() -> None:
    block = parse('<aside class="Side  Note" data-bbox="1 2 3 4">note <i>x</i></aside>').blocks[0]
    assert (block.type, block.tag, block.classes, block.text) == ("unknown", "aside", "Side  Note", "note x")


def test_whole_class_string_is_matched() -> None:
    blocks = parse(
        '<div class="image caption" data-bbox="1 2 3 4"><p>cap</p></div>'
        '<div class="caption" data-bbox="1 2 3 4">standalone</div>'
        '<div class="image  OCR" data-bbox="1 2 3 4"><p>sign</p></div>'
    ).blocks
    assert [(b.type, b.text) for b in blocks] == [("image", "cap"), ("caption", "standalone"), ("image", "sign")]
    assert blocks[0].caption == "cap"
    assert blocks[2].ocr_text == "sign"


def test_inline_markup_and_br() -> None:
    block = parse('<p data-bbox="1 2 3 4">a<br>b <a>link</a> <sup>2</sup></p>').blocks[0]
    assert block.text == "a b link 2"


def test_lists_with_stray_text_and_no_items() -> None:
    block = parse('<ul data-bbox="1 2 3 4">stray<li data-bbox="1 2 3 4">item</li></ul>').blocks[0]
    assert [i.text for i in block.items] == ["stray", "item"]
    assert block.items[0].bbox is None
    assert block.items[1].bbox is not None
    assert parse('<ol start="x"><li>a</li></ol>').blocks[0].start is None


def test_header_footer_by_tag_and_class() -> None:
    blocks = parse(
        '<div class="header" data-bbox="1 2 3 4">H</div><p class="footer" data-bbox="1 2 3 4">F</p>'
        '<p class="page-number" data-bbox="1 2 3 4">3</p>'
    ).blocks
    assert [b.type for b in blocks] == ["header", "footer", "page_number"]


def test_ordinary_web_html_without_boxes() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style><script>var x=1;</script></head>"
        "<body><h1>Title</h1><p>Body</p></body></html>"
    )
    result = parse(html)
    blocks = [(b.type, b.text) for b in result.blocks]
    assert blocks == [("paragraph", "T"), ("heading", "Title"), ("paragraph", "Body")]  # the <title> is kept, first
    assert codes(result) == ["text_outside_body", "no_boxes"]


def test_style_before_template_table_goes_into_its_html() -> None:
    html = '<style>table3 {border:1px}</style><table class="table3" data-bbox="1 2 3 4"><tr><td>a</td></tr></table>'
    block = parse(html).blocks[0]
    assert block.html.startswith("<style>table3 {border:1px}</style><table")
    assert block.text == "a"


def test_ids_pages_and_order() -> None:
    from docparse.qwenvl import parse_qwenvl_html
    from tests.qwenvl.helpers import LETTER

    result = parse_qwenvl_html(
        '<p data-bbox="1 2 3 4">a</p><p>b</p>', LETTER, "qwen2.5-absolute", page=4, document_id="d1"
    )
    assert [(b.id, b.page, b.order) for b in result.blocks] == [("d1:p4:b0", 4, 0), ("d1:p4:b1", 4, 1)]


@pytest.mark.parametrize(
    "fragment",
    [
        "<ul><li>a</li></ul>",
        "<ul> <li> </li>\n</ul>",
        "<ul><li><style>x</style></li></ul>",
        "<ul><li><style>x</style>tail</li></ul>",
        "<ul><li><b><br></b>\u00a0</li>\u3000</ul>",
        "<title>t<b>visible</b></title>",
        "<title>only skipped</title>",
        "<div><script>s</script> <span> <i>x</i></span></div>",
    ],
)
def test_has_text_agrees_with_element_text(fragment: str) -> None:
    root = parse_document(f"<html><body>{fragment}</body></html>")
    assert root is not None
    for element in root.iter():
        assert has_text(element) == bool(element_text(element))
