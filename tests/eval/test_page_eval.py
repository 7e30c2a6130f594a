"""Whole-page scores: text, tables, formulas, reading order; hand-computed expectations."""

from __future__ import annotations

import pytest

from docparse.eval.models import EvalConfig
from docparse.eval.page_eval import evaluate_page, reading_order_score
from schemas import Block
from tests.eval.builders import footer, formula, grid, heading, para, table

A = (0.1, 0.1, 0.5, 0.2)
B = (0.1, 0.3, 0.5, 0.4)
C = (0.1, 0.5, 0.5, 0.6)
D = (0.1, 0.7, 0.5, 0.8)
E = (0.1, 0.9, 0.5, 0.95)


def sample_page() -> list[Block]:
    return [
        heading(0, "Title", A),
        para(1, "Some text.", B),
        table(2, grid([["ab", "cd"], ["ef", "gh"]]), C),
        formula(3, "$$x^2 + y$$", D),
        footer(4, "page 1", E),
    ]


def test_identical_page_is_perfect() -> None:
    page = sample_page()
    result = evaluate_page(1, page, page)
    assert result.text.ned == 0.0
    assert result.tables[0].teds == 1.0
    assert result.tables[0].teds_struct == 1.0
    assert result.formulas[0].ned == 0.0
    assert result.detection.f1 == 1.0
    assert result.reading_order is not None
    assert result.reading_order.ned == 0.0
    assert result.reading_order.length == 4  # the footer is left out of reading order


def test_page_text_leaves_out_footer_table_and_formula() -> None:
    gold = sample_page()
    pred = [*gold[:4], footer(4, "something else entirely", E)]
    result = evaluate_page(1, gold, pred)
    assert result.text.edit == 0
    assert result.text.length == len("Title\nSome text.")
    assert set(result.text_by_type) == {"heading", "paragraph"}


def test_text_ned_known_edit() -> None:
    gold = [para(0, "kitten", A)]
    pred = [para(0, "sitting", A)]
    result = evaluate_page(1, gold, pred)
    assert (result.text.edit, result.text.length) == (3, 7)
    assert result.text.ned == pytest.approx(3 / 7)
    assert result.text_by_type["paragraph"].ned == pytest.approx(3 / 7)


def test_reading_order_swapped_pair() -> None:
    # gold order a b c d; the prediction reads b before c: ranks 0 2 1 3 vs 0 1 2 3 -> 2 substitutions / 4
    gold = [para(0, "a", A), para(1, "b", B), para(2, "c", C), para(3, "d", D)]
    pred = [para(0, "a", A), para(2, "b", B), para(1, "c", C), para(3, "d", D)]
    result = evaluate_page(1, gold, pred)
    assert result.reading_order is not None
    assert (result.reading_order.edit, result.reading_order.length) == (2, 4)
    assert result.reading_order.ned == 0.5
    assert result.detection.f1 == 1.0  # same boxes: detection is unaffected


def test_reading_order_score_direct() -> None:
    assert reading_order_score([], []) is None
    score = reading_order_score([0, 1, 2], [2, 1, 0])  # fully reversed: 0 1 2 vs 2 1 0 -> 2 edits
    assert score is not None
    assert (score.edit, score.length) == (2, 3)


def test_formula_known_edits() -> None:
    # normalized: "x^2+y" vs "x^3+z": two substitutions over 5 characters
    gold = [formula(0, "$$x^2 + y$$", A)]
    pred = [formula(0, "\\[ x^3 + z \\]", A)]
    result = evaluate_page(1, gold, pred)
    assert (result.formulas[0].edit, result.formulas[0].length) == (2, 5)
    assert result.formulas[0].ned == pytest.approx(2 / 5)


def test_unmatched_formula_scores_one_and_table_zero() -> None:
    gold = [formula(0, "x", A), table(1, grid([["a"]]), B)]
    result = evaluate_page(1, gold, [])
    assert result.formulas[0].ned == 1.0
    assert result.formulas[0].pred_order is None
    assert result.tables[0].teds == 0.0
    assert result.tables[0].pred_order is None
    assert result.detection.recall == 0.0


def test_table_cell_changed() -> None:
    gold = [table(0, grid([["ab", "cd"], ["ef", "gh"]]), A)]
    pred = [table(0, grid([["ab", "cd"], ["ef", "gx"]]), A)]
    assert evaluate_page(1, gold, pred).tables[0].teds == pytest.approx(13 / 14)  # see test_teds


def test_tables_and_formulas_matched_by_order_without_boxes() -> None:
    gold = [formula(0, "a+b"), formula(1, "c")]
    pred = [formula(0, "a+b"), formula(1, "d")]
    result = evaluate_page(1, gold, pred)
    assert [f.matched_by for f in result.formulas] == ["order", "order"]
    assert [f.ned for f in result.formulas] == [0.0, 1.0]
    assert result.detection_skipped == 4


def test_strip_markup_option() -> None:
    gold = [para(0, "bold", A)]
    pred = [para(0, "**bold**", A)]
    assert evaluate_page(1, gold, pred).text.ned > 0
    assert evaluate_page(1, gold, pred, config=EvalConfig(strip_markup=True)).text.ned == 0.0
