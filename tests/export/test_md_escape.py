"""Markdown escaping changes only what would change the rendering: checked with a CommonMark
renderer (markdown-it-py, with GFM tables and strikethrough) — what it renders is the text."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from docparse.export.markdown_export import block_md, table_md
from docparse.export.md_escape import md_cell, md_lines
from schemas import ParagraphBlock, TableCell, TableData

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
SPECIALS = "\\`*_[]()<>&#!|~$=+-.:;'\"{} \t"
text_line = st.text(alphabet=st.sampled_from(list(SPECIALS) + list("ab1 9xyé")), min_size=1, max_size=30)


def rendered_text(markdown: str) -> str:
    """The visible text of rendered Markdown: tags removed, entities decoded, whitespace folded."""
    out = MD.render(markdown)
    out = re.sub(r"<br\s*/?>", "\n", out)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", out)).split())


def folded(text: str) -> str:
    return " ".join(text.split())


def rendered_cells(markdown: str) -> list[list[str]]:
    out = MD.render(markdown)
    rows = re.findall(r"<tr>(.*?)</tr>", out, re.S)
    return [
        [" ".join(html.unescape(re.sub(r"<[^>]+>", "", c).replace("<br>", "\n")).split()) for c in cells]
        for cells in (re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows)
    ]


@settings(deadline=None, max_examples=400)
@given(st.lists(text_line, min_size=1, max_size=3).map("\n".join))
def test_a_paragraph_renders_as_its_text(text: str) -> None:
    markdown = "\n".join(md_lines(text))
    if not markdown:
        return
    assert MD.parse(markdown)[0].type == "paragraph_open"
    assert rendered_text(markdown) == folded(text)


@settings(deadline=None, max_examples=300)
@given(st.lists(st.lists(text_line, min_size=2, max_size=2), min_size=2, max_size=3))
def test_table_cells_render_as_their_text(rows: list[list[str]]) -> None:
    cells = [TableCell(row=r, col=c, text=t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    markdown = table_md(TableData(n_rows=len(rows), n_cols=2, cells=cells))
    assert rendered_cells(markdown) == [[folded(t) for t in row] for row in rows]


@pytest.mark.parametrize(
    "text",
    [
        "13.1",
        "1,204.50",
        "(2.5)",
        "Revenue grew by 12.5% (from 1.2 to 1.35) in Q3. Then it fell.",
        "2 * 3 = 6",
        "snake_case_name",
        "a < b and c > d",
        "R&D costs",
        "Section #3 - see p. 4",
        "C++ and C#",
        "version 1.2.3 (beta)",
        "item [1] and [2]",
        "~5% overall",
    ],
)
def test_ordinary_text_stays_as_typed(text: str) -> None:
    assert md_lines(text) == [text]
    assert md_cell(text) == text
    assert rendered_text(text) == folded(text)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("1. not a list", "1\\. not a list"),
        ("2024.", "2024\\."),
        ("# not a heading", "\\# not a heading"),
        ("- not a bullet", "\\- not a bullet"),
        ("---", "\\---"),
        ("> not a quote", "\\> not a quote"),
        ("*not emphasis*", "\\*not emphasis\\*"),
        ("_not emphasis_", "\\_not emphasis\\_"),
        ("[a link](http://x)", "\\[a link](http://x)"),
        ("<b>not html</b>", "\\<b>not html\\</b>"),
        ("&amp; stays", "\\&amp; stays"),
        ("~~not struck~~", "\\~\\~not struck\\~\\~"),
        ("costs $5 or $6", "costs \\$5 or \\$6"),
        ("a | b", "a \\| b"),
        ("back\\", "back\\\\"),
    ],
)
def test_what_would_change_the_rendering_is_escaped(text: str, escaped: str) -> None:
    assert md_lines(text) == [escaped]
    assert rendered_text(escaped) == folded(text)


def test_numbers_in_table_cells_are_not_escaped() -> None:
    cells = [TableCell(row=0, col=0, header=True, text="Revenue ($)"), TableCell(row=1, col=0, text="13.1")]
    assert table_md(TableData(n_rows=2, n_cols=1, cells=cells)) == "| Revenue (\\$) |\n| --- |\n| 13.1 |"
    block = ParagraphBlock(id="p", page=1, order=0, text="Total: 1,234.56 (net)")
    assert block_md(block) == "Total: 1,234.56 (net)"
