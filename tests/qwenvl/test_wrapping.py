"""Fences, prose around the HTML, missing roots, and outputs that hold no HTML at all."""

from __future__ import annotations

from docparse.qwenvl import strip_wrapping
from docparse.qwenvl.wrapping import _UNUSABLE, _has_unusable, sanitize
from tests.qwenvl.helpers import codes, parse

P = '<p data-bbox="10 20 300 40">Hello</p>'


def test_fence_and_prose_are_stripped_and_kept_in_details() -> None:
    html, issues = strip_wrapping(f"The parsed HTML is as follows:\n```html\n<html><body>{P}</body></html>\n```\nDone.")
    assert html.strip() == f"<html><body>{P}</body></html>"
    assert [i.code for i in issues] == ["fence_stripped", "prose_stripped", "prose_stripped"]
    assert [i.detail for i in issues[1:]] == ["The parsed HTML is as follows:", "Done."]


def test_unclosed_fence_keeps_everything_after_it() -> None:
    result = parse(f'```html\n<html><body>{P}<p data-bbox="1 2 3 4">cut her')
    assert [b.text for b in result.blocks] == ["Hello", "cut her"]
    assert codes(result) == ["fence_stripped", "truncated"]
    assert "unclosed" in result.issues[0].message


def test_prose_before_unfenced_root_is_stripped() -> None:
    result = parse(f"Sure! Here it is:\n<html><body>{P}</body></html>\nAnything else?")
    assert [b.text for b in result.blocks] == ["Hello"]
    assert codes(result) == ["prose_stripped", "prose_stripped"]


def test_fragment_without_root_is_a_body_and_leading_text_is_page_text() -> None:
    result = parse(f"Loose words {P}")
    assert [b.text for b in result.blocks] == ["Loose words", "Hello"]
    assert codes(result) == ["root_missing", "text_unwrapped"]


def test_mis_nested_closing_tags_of_the_report() -> None:
    result = parse(f"<html><body>{P}</html></body>")
    assert [b.text for b in result.blocks] == ["Hello"]
    assert codes(result) == []


def test_markdown_output_becomes_paragraphs_with_no_html() -> None:
    result = parse("```markdown\n# Title\n\nSome *text* &amp; more\nsame paragraph\n\nLast.\n```")
    assert [b.text for b in result.blocks] == ["# Title", "Some *text* & more same paragraph", "Last."]
    assert all(b.type == "paragraph" and b.bbox is None for b in result.blocks)
    assert codes(result) == ["no_html"]


def test_empty_output() -> None:
    for text in ("", "   \n", "```html\n```"):
        result = parse(text)
        assert result.blocks == []
        assert codes(result) in (["empty_output"], ["no_html", "no_content"])
    assert codes(parse("")) == ["empty_output"]


def test_control_characters_and_surrogates_are_removed() -> None:
    result = parse('<p data-bbox="1 2 3 4">a\x00b\x07c\ud800d</p>')
    assert result.blocks[0].text == "abcd"


def test_unusable_characters_are_found_wherever_they_sit() -> None:
    """The quick byte check of :func:`sanitize` agrees with its pattern on every code point."""
    for code in range(0x110000):
        char = chr(code)
        assert _has_unusable(f"ab{char}\u00e9") == (_UNUSABLE.search(char) is not None)
    assert sanitize("\ufeffa\ufffeb\uffffc\x7f\x1f\t\n") == "\ufeffabc\t\n"
