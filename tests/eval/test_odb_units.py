"""OmniDocBench protocol pieces: normalizations, Markdown blocks, quick_match, docparse-protocol fixes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from docparse.eval import EvalConfig, evaluate_page, iou
from docparse.eval.odb.gold import GoldItem
from docparse.eval.odb.markdown_blocks import markdown_blocks
from docparse.eval.odb.normalize import clean_text, normalize_formula, normalize_html_table
from docparse.eval.odb.quick_match import quick_match
from docparse.eval.odb.teds_html import teds_html
from schemas import BBox, ParagraphBlock


def test_text_keeps_word_characters_and_cjk_only() -> None:
    assert clean_text("Hello, world!\n中文。 x_1") == "Helloworld中文x_1"


def test_formula_normalization_drops_delimiters_fonts_and_spaces() -> None:
    assert normalize_formula("$$\\mathbf{X} = \\left( a \\right)\\tag{1}$$") == "{x}=(a)"


def test_table_normalization_is_nfkc_and_does_not_pad_rows() -> None:
    table = normalize_html_table("<table><thead><tr><th>Ａ</th><th>b</th></tr></thead><tr><td>c</td></tr></table>")
    assert (
        table == '<html><body><table border="1" ><tr><td>A</td><td>b</td></tr><tr><td>c</td></tr></table></body></html>'
    )
    padded = table.replace("<td>c</td>", "<td>c</td><td></td>")
    assert teds_html(table, padded, structure_only=True) < 1.0


def test_markdown_blocks_find_tables_formulas_and_text() -> None:
    md = "# Title\n\nSome text.\n\n$$\nx^2\n$$\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    kinds = [(b.kind, b.fine) for b in markdown_blocks(md)]
    assert ("equation_isolated", "") in kinds and ("html_table", "md2html_table") in kinds
    assert ("text_all", "text_block") in kinds


def test_quick_match_merges_a_prediction_split_in_two() -> None:
    gold = [GoldItem("text_block", "The quick brown fox jumps over the lazy dog near the river bank", 1)]
    gold.append(GoldItem("text_block", "Completely different second paragraph about tables", 2))
    preds = markdown_blocks(
        "The quick brown fox jumps\n\nover the lazy dog near the river bank\n\n"
        "Completely different second paragraph about tables"
    )
    entries = quick_match(gold, preds)
    first = next(e for e in entries if e.gt_idx == [0])
    assert first.pred_idx == [0, 1]
    assert first.norm_gt == first.norm_pred.replace(" ", "")


def test_identical_zero_area_boxes_match_and_boxless_predictions_have_no_detection_score() -> None:
    assert iou((0.2, 0.2, 0.2, 0.4), (0.2, 0.2, 0.2, 0.4)) == 1.0
    gold = [ParagraphBlock(id="g", page=1, order=0, text="a", bbox_norm=BBox(x0=0, y0=0, x1=1, y1=1))]
    pred = [ParagraphBlock(id="p", page=1, order=0, text="a")]
    page = evaluate_page(1, gold, pred, config=EvalConfig())
    assert page.detection.f1 is None and page.detection_skipped == 2


_WORDS = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "表格", "x1", "9"]), min_size=1, max_size=8)
_LINES = st.lists(_WORDS.map(" ".join), min_size=0, max_size=7)


@settings(deadline=None, max_examples=60)
@given(gold_lines=_LINES, pred_lines=_LINES)
def test_quick_match_uses_each_gold_line_at_most_once(gold_lines: list[str], pred_lines: list[str]) -> None:
    """A prediction may serve twice (a merged run and a fuzzy attachment), as in the official code; gold lines not."""
    gold = [GoldItem("text_block", line, i + 1) for i, line in enumerate(gold_lines)]
    entries = quick_match(gold, markdown_blocks("\n\n".join(pred_lines)))
    golds = [g for e in entries for g in e.gt_idx or []]
    assert len(golds) == len(set(golds)) and set(golds) <= set(range(len(gold_lines)))


@settings(deadline=None, max_examples=40)
@given(lines=_LINES.filter(bool))
def test_a_page_matched_against_itself_pairs_equal_texts(lines: list[str]) -> None:
    gold = [GoldItem("text_block", line, i + 1) for i, line in enumerate(lines)]
    entries = quick_match(gold, markdown_blocks("\n\n".join(lines)))
    assert all(e.norm_gt == e.norm_pred for e in entries if e.gt_idx is not None)
    assert sorted(g for e in entries for g in e.gt_idx or []) == list(range(len(lines)))
