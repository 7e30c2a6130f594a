"""Edit distance, normalization and page text, against values computed by hand."""

from __future__ import annotations

import pytest

from docparse.eval.text_metrics import edit_distance, ned, normalize_latex, normalize_text, page_text, strip_markup
from tests.eval.builders import footer, formula, heading, para


def test_identical_is_zero() -> None:
    assert ned("same text", "same text") == 0.0


def test_both_empty_is_zero() -> None:
    assert ned("", "") == 0.0


def test_one_empty_is_one() -> None:
    assert ned("", "abc") == 1.0


def test_kitten_sitting() -> None:
    # k->s, e->i, insert g: 3 edits; the longer string has 7 characters
    assert edit_distance("kitten", "sitting") == 3
    assert ned("kitten", "sitting") == pytest.approx(3 / 7)


def test_transposition_costs_two() -> None:
    assert edit_distance([0, 1, 2, 3], [0, 2, 1, 3]) == 2


def test_whitespace_is_collapsed_and_trimmed() -> None:
    assert normalize_text("  a \t b\n\nc  ") == "a b c"


def test_nfc() -> None:
    assert normalize_text("e\u0301") == "\u00e9"


def test_markup_kept_unless_asked() -> None:
    assert normalize_text("# **Bold** $x$") == "# **Bold** $x$"
    assert normalize_text("# **Bold** $x$", strip_markup_marks=True) == "Bold x"


def test_strip_markup_keeps_prices_and_snake_case() -> None:
    assert strip_markup("Total: $3,298.26 and $5 for snake_case_name") == "Total: $3,298.26 and $5 for snake_case_name"
    assert strip_markup("_it_ `code` \\(a\\) $$b$$") == "it code a b"


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        ("$$ x ^ 2 $$", "x^2"),
        ("$x$", "x"),
        ("\\[ \\frac{a}{b} \\]", "\\frac{a}{b}"),
        ("\\begin{equation} a + b \\end{equation}", "a+b"),
        ("a + b", "a+b"),
    ],
)
def test_normalize_latex(latex: str, expected: str) -> None:
    assert normalize_latex(latex) == expected


def test_page_text_in_reading_order_without_ignored_types() -> None:
    blocks = [para(2, "second"), footer(3, "page 1 of 2"), heading(0, "Title"), para(1, " first  line "), para(4, "")]
    assert page_text(blocks, exclude={"footer"}) == "Title\nfirst line\nsecond"
    assert page_text(blocks, only="paragraph") == "first line\nsecond"


def test_page_text_skips_formulas_when_asked() -> None:
    assert page_text([para(0, "a"), formula(1, "x")], exclude={"formula"}) == "a"
