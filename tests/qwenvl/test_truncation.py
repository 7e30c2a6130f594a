"""Output cut at the token limit: in text, inside an attribute, inside a bbox value, inside a table."""

from __future__ import annotations

from docparse.qwenvl import repair_truncation
from tests.qwenvl.helpers import LETTER, codes, parse

P = '<html><body><p data-bbox="10 20 300 40">Hello</p> \n '


def test_cut_in_text_keeps_the_text_and_the_box() -> None:
    result = parse(P + '<p data-bbox="100 200 300 400">The model was cut in the mid')
    last = result.blocks[-1]
    assert last.text == "The model was cut in the mid"
    assert last.bbox is not None
    truncated = [i for i in result.issues if i.code == "truncated"]
    assert len(truncated) == 1
    assert truncated[0].block == 1


def test_cut_inside_bbox_value_keeps_the_element_without_box() -> None:
    html, info = repair_truncation('<p data-bbox="1 2 3 4">a</p><h2 class="x" data-bbox="12 34 5')
    assert html.endswith('<h2 class="x">')
    assert info.truncated
    assert info.cut_tag == "h2"
    assert info.cut_attribute == "data-bbox"
    # A figure whose box was cut keeps its <img> child's box if that came first...
    result = parse(P + '<div class="image caption"><img data-bbox="10 20 30 40"/><p>Fig. 1: cut</p><p data-bbox="10 2')
    assert [b.type for b in result.blocks] == ["paragraph", "image"]
    assert result.blocks[-1].caption == "Fig. 1: cut"
    truncated = next(i for i in result.issues if i.code == "truncated")
    assert truncated.block == 1
    assert "data-bbox of <p>" in truncated.message
    # ...and a start tag cut in its box leaves nothing to keep: the issue names what was cut.
    result = parse(P + '<div class="image" data-bbox="10 20 3')
    assert [b.type for b in result.blocks] == ["paragraph"]
    assert "the attribute data-bbox of <div>" in next(i.message for i in result.issues if i.code == "truncated")


def test_cut_inside_other_attribute_keeps_complete_attributes() -> None:
    html, info = repair_truncation('<div class="image" data-bbox="1 2 3 4" sty')
    assert html == '<div class="image" data-bbox="1 2 3 4">'
    assert info.cut_attribute == "sty"
    result = parse(P + '<div class="image" data-bbox="100 100 200 200" styl')
    assert result.blocks[-1].type == "image"
    assert result.blocks[-1].bbox is not None


def test_cut_inside_tag_name_or_end_tag() -> None:
    for tail in ("<", "<di", "</", "</p", "<!-- a comm"):
        result = parse(P + '<p data-bbox="100 200 300 400">Complete</p>' + tail)
        assert [b.text for b in result.blocks] == ["Hello", "Complete"], tail
        assert "truncated" in codes(result), tail


def test_text_with_a_less_than_sign_at_the_end_is_not_a_tag() -> None:
    result = parse(P + '<p data-bbox="100 200 300 400">math $a<b$')
    assert result.blocks[-1].text == "math $a<b$"


def test_cut_inside_table_keeps_cells_and_pads_the_grid() -> None:
    result = parse(P + '<div class="table" data-bbox="1 2 500 300"><table><tr><td>a</td><td>b</td></tr><tr><td>c')
    table = result.blocks[-1]
    assert table.type == "table"
    assert table.grid() == [["a", "b"], ["c", ""]]
    assert set(codes(result)) == {"table_normalized", "truncated"}


def test_cut_element_that_leaves_nothing_is_reported_without_block() -> None:
    result = parse(P + '<p data-bbox="1 2 3')
    assert [b.text for b in result.blocks] == ["Hello"]
    truncated = next(i for i in result.issues if i.code == "truncated")
    assert truncated.block is None


def test_complete_output_is_not_truncated() -> None:
    for html in (P + "</body></html>", '<p data-bbox="1 2 3 4">x</p><p>y</p>', "<p>a<p>b<ul><li>c<li>d</ul>"):
        _, info = repair_truncation(html)
        assert not info.truncated, html
    assert not repair_truncation("<table><tr><td>1<td>2<tr><td>3</table>")[1].truncated
    assert repair_truncation("<table><tr><td>1<td>2<tr><td>3")[1].open_tags == ("table", "tr", "td")
    assert LETTER.model_width == 1092
