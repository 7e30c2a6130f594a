"""Markdown export: structure, the table choice, list indentation, escaping, box comments."""

from __future__ import annotations

import re

from docparse.export import ExportOptions, get_exporter
from docparse.export.markdown_export import block_md, comment, fence
from schemas import Document, Page, ParagraphBlock
from tests.export.conftest import build_document, page_one

LIST_MD = """\
3. Plan
4. Build
   - Frontend
   - Backend
     - API
5. Ship
   1. Stage
   2. Prod"""


def export(document: Document, md_box_comments: bool = False, furniture: bool = False) -> str:
    options = ExportOptions(md_box_comments=md_box_comments, furniture=furniture)
    return "".join(get_exporter("md").stream(document, options))


def blocks_of(document: Document) -> dict[str, str]:
    return {b.id: block_md(b) for p in document.pages for b in p.blocks}


def test_nested_lists_are_indented_to_the_parent_text_and_numbered_from_start(document: Document) -> None:
    md = blocks_of(document)
    assert md["doc-0001:p1:b7"] == LIST_MD
    assert md["doc-0001:p1:b8"] == "- apples\n- pears"
    assert LIST_MD in export(document)


def test_ten_and_more_items_widen_the_indentation() -> None:
    block = page_one().blocks[7]
    assert block.type == "list"
    items = [block.items[1].model_copy(update={"text": f"item {i}"}) for i in range(10)]
    lines = block_md(block.model_copy(update={"items": items, "start": None})).splitlines()
    assert lines[0] == "1. item 0"
    assert "10. item 9" in lines
    assert lines[-1] == "      - API"  # under "10. " the nested list starts at column 4, then 2 more


def test_pipe_table_without_spans_html_table_with_spans(document: Document) -> None:
    md = blocks_of(document)
    assert md["doc-0001:p1:b10"] == "| Name | Value |\n| --- | --- |\n| a\\|b | line1<br>line2 |"
    spanned = md["doc-0001:p1:b9"]
    assert spanned.startswith("<table><caption>Table 1: Sales</caption>")
    assert '<th colspan="2">Region</th>' in spanned
    assert '<td rowspan="2">North</td>' in spanned
    assert "\n" not in spanned  # one HTML block, no blank line can break it
    assert md["doc-0001:p1:b11"].startswith("![Sales by quarter](#page-1-block-11)\n\n| Name | Value |")


def test_block_types(document: Document) -> None:
    md = blocks_of(document)
    assert md["doc-0001:p1:b1"] == "# Annual Report 2024"
    assert md["doc-0001:p1:b3"] == "## 1. Introduction", "no list-marker escaping after a heading marker"
    assert md["doc-0001:p2:b3"] == "###### Tiny heading"
    assert md["doc-0001:p1:b2"] == "*Jane Doe, John Roe*"
    assert md["doc-0001:p1:b12"] == "$$\nE = mc^2 \\quad a<b\n$$"
    assert md["doc-0001:p1:b13"] == "![Figure 1: The plant](#page-1-block-13)\n\n*Figure 1: The plant*"
    assert md["doc-0001:p1:b14"] == "![STOP sign](#page-1-block-14)\n\n> STOP\n> sign"
    assert md["doc-0001:p1:b16"] == "````python\ndef f(x):\n    return x * 2  # ```\n````"
    assert md["doc-0001:p1:b17"] == "Stray marginal note"
    assert md["doc-0001:p2:b0"] == "```abc notation\nX:1\nK:C\nCDEF|\n```"
    assert md["doc-0001:p2:b1"] == "```smiles\nC1=CC=CC=C1\n```"


def test_running_headers_footers_and_page_numbers_are_left_out_unless_asked_for(document: Document) -> None:
    default = export(document)
    assert "Confidential" not in default and "ACME Quarterly Report" not in default
    kept = export(document, furniture=True)
    assert "<!-- page 1 -->\n\nACME Quarterly Report\n\n# Annual Report 2024" in kept
    assert "Stray marginal note\n\nConfidential\n\n1\\.\n\n---" not in kept  # a lone number is not a list item ...
    assert "Stray marginal note\n\nConfidential\n\n1\n\n---" in kept  # ... and needs no escaping


def test_text_cannot_become_structure_or_html() -> None:
    text = "# not a heading\n- not a list\n1. not ordered\n<script>alert(1)</script> *a* [x](javascript:y)"
    block = ParagraphBlock(id="p", page=1, order=0, text=text)
    assert block_md(block).splitlines() == [
        "\\# not a heading",
        "\\- not a list",
        "1\\. not ordered",
        "\\<script>alert(1)\\</script> \\*a\\* \\[x](javascript:y)",
    ]


def test_comments_and_fences_cannot_be_closed_early() -> None:
    assert comment("a --> b\nc") == "<!-- a - -&gt; b c -->"
    assert fence("``````", "py`thon\nx") == "```````py thon x\n``````\n```````"


def test_pages_are_separated_and_not_ok_pages_say_so(document: Document) -> None:
    text = export(document)
    assert text.count("\n---\n") == 3
    for number in (1, 2, 3, 4):
        assert f"<!-- page {number} -->" in text
    assert "> **Page 3: failed**\n> - engine_error: CUDA out of memory" in text
    assert "> **Page 4: pending**" in text
    assert "**Page 1:" not in text


def test_box_comments_only_on_request(document: Document) -> None:
    plain = export(document)
    assert ", bbox " not in plain
    assert ", no bbox" not in plain
    boxed = export(document, md_box_comments=True, furniture=True)
    assert "<!-- page 1, bbox 72 40 540 70 (pt) -->\n# Annual Report 2024" in boxed
    assert "<!-- page 2, bbox 100 520 900.5 600.25 (px) -->\nBenzene is aromatic." in boxed
    assert "<!-- page 2, no bbox -->\n###### Tiny heading" in boxed
    assert len(re.findall(r"<!-- page \d+, (?:bbox|no bbox)", boxed)) == sum(len(p.blocks) for p in document.pages)


def test_empty_paragraphs_leave_no_gap() -> None:
    doc = build_document([Page(number=1, status="ok", blocks=[ParagraphBlock(id="p", page=1, order=0, text="  ")])])
    assert export(doc).endswith("<!-- page 1 -->\n\n")
