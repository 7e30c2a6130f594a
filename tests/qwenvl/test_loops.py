"""Repetition loops at the end of the output are collapsed; repetition elsewhere is content."""

from __future__ import annotations

from docparse.qwenvl.loops import MIN_REPEATED_ELEMENTS, MIN_TEXT_REPEATS, trailing_period
from tests.qwenvl.helpers import codes, parse

HEAD = '<html><body><p data-bbox="10 20 300 40">Intro</p> \n '


def para(text: str, y: int = 100) -> str:
    return f'<p data-bbox="10 {y} 300 {y + 20}">{text}</p> \n '


def loop_issue(result):  # type: ignore[no-untyped-def]
    return next(i for i in result.issues if i.code == "repetition_loop")


def test_trailing_identical_elements_until_the_limit_keep_one_copy() -> None:
    # Boxes differ (the model walks down the page) but the text repeats: still a loop.
    text = HEAD + "".join(para("Loop line", 100 + 20 * i) for i in range(30)) + '<p data-bbox="10 800 300 820">Loop li'
    result = parse(text)
    assert [b.text for b in result.blocks] == ["Intro", "Loop line"]
    issue = loop_issue(result)
    assert issue.block == 1
    assert "30 dropped" in issue.message
    assert "truncated" in codes(result)


def test_threshold_two_trailing_copies_are_content() -> None:
    assert MIN_REPEATED_ELEMENTS == 3
    result = parse(HEAD + para("Same") + para("Same") + "</body></html>")
    assert [b.text for b in result.blocks] == ["Intro", "Same", "Same"]
    result = parse(HEAD + para("Same") + para("Same") + para("Same") + "</body></html>")
    assert [b.text for b in result.blocks] == ["Intro", "Same"]
    assert "repetition_loop" in codes(result)


def test_identical_paragraphs_in_the_middle_stay() -> None:
    result = parse(HEAD + para("Twice") * 4 + para("Different end") + "</body></html>")
    assert [b.text for b in result.blocks] == ["Intro", "Twice", "Twice", "Twice", "Twice", "Different end"]
    assert "repetition_loop" not in codes(result)


def test_textless_elements_with_different_boxes_are_not_a_loop() -> None:
    figures = "".join(
        f'<div class="image" data-bbox="{x} 10 {x + 50} 60"><img data-bbox="{x} 10 {x + 50} 60"/></div>'
        for x in range(0, 500, 60)
    )
    result = parse(HEAD + figures + "</body></html>")
    assert len(result.blocks) == 1 + 9
    assert "repetition_loop" not in codes(result)


def test_genuinely_repeated_table_rows_stay() -> None:
    rows = "<tr><td>0</td><td>0</td></tr>" * 6
    result = parse(HEAD + f'<div class="table" data-bbox="1 2 500 300"><table>{rows}</table></div></body></html>')
    assert result.blocks[-1].n_rows == 6
    assert "repetition_loop" not in codes(result)


def test_looping_rows_of_a_cut_table_keep_one_copy() -> None:
    rows = "<tr><td>1</td><td>x</td></tr>" + "<tr><td>2</td><td>y</td></tr>" * 40 + "<tr><td>2</td><td>"
    result = parse(HEAD + f'<div class="table" data-bbox="1 2 500 300"><table>{rows}')
    assert result.blocks[-1].grid() == [["1", "x"], ["2", "y"]]
    assert loop_issue(result).block == 1


def test_phrase_repeated_at_the_end_of_one_element() -> None:
    text = HEAD + '<p data-bbox="10 100 300 120">In summary, ' + "the results show that " * 50 + "the res"
    result = parse(text)
    # The copy cut by the token limit stays as a fragment: nothing but whole copies is dropped.
    assert result.blocks[-1].text == "In summary, the results show that the res"
    assert "50 times" in loop_issue(result).message


def test_short_repetition_inside_text_is_content() -> None:
    assert MIN_TEXT_REPEATS == 5
    assert trailing_period("ha ha ha ha") is None  # too short
    assert trailing_period("Table of contents ........................................................") is None
    assert trailing_period("x " + "0 & " * 4 + "0") is None
    found = trailing_period("start " + "loop text " * 10)
    assert found is not None
    assert found == (len("start loop text "), 10)
    # The kept copy ends where the text ends, even when the loop starts mid-phrase.
    text = "A summary of the page. " + "It is a page. " * 40
    keep, repeats = trailing_period(text)
    assert (text[:keep], repeats) == ("A summary of the page. It is a page. ", 40)


def test_loop_in_plain_text_output() -> None:
    result = parse("A summary of the page. " + "It is a page. " * 40)
    assert [b.text for b in result.blocks] == ["A summary of the page. It is a page."]
    assert codes(result) == ["repetition_loop", "no_html"]
