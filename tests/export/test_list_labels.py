"""Printed list labels ("(a)", "iv.") survive every export: QwenVL HTML round trip, HTML, Markdown
(checked with a CommonMark renderer: what it renders reads as printed)."""

from __future__ import annotations

import lxml.html
import pytest
from markdown_it import MarkdownIt

from docparse.export.html_export import block_html as semantic_html
from docparse.export.markdown_export import block_md
from docparse.export.qwenvl_html import page_html
from docparse.qwenvl import parse_qwenvl_html
from schemas import BBox, ListBlock, ListItem, PageGeometry, block_id

GEOMETRY = PageGeometry(
    unit="pt", width=612, height=792, pixel_width=1275, pixel_height=1650, model_width=1260, model_height=1624
)
MD = MarkdownIt("commonmark")


def _list(labels: list[str | None], ordered: bool = True, start: int | None = None) -> ListBlock:
    texts = ["You must cause the files to carry notices", "You must license the work & its parts", "Print 1. a note"]
    items = [ListItem(text=t, label=label) for t, label in zip(texts, labels, strict=False)]
    text = "\n".join(" ".join(p for p in (i.label, i.text) if p) for i in items)
    box = BBox(x0=0.1, y0=0.1, x1=0.9, y1=0.3)
    return ListBlock(
        id=block_id("d", 1, 0), page=1, order=0, text=text, bbox_norm=box, ordered=ordered, start=start, items=items
    )


def test_labels_come_back_from_qwenvl_html_and_the_text_reads_as_printed() -> None:
    block = _list(["(b)", "(c)", "(d)"], start=2)
    html = page_html([block], GEOMETRY, "qwen2.5-absolute")
    (parsed,) = parse_qwenvl_html(html, GEOMETRY, "qwen2.5-absolute", document_id="d").blocks
    assert isinstance(parsed, ListBlock)
    assert [(i.label, i.text) for i in parsed.items] == [(i.label, i.text) for i in block.items]
    assert (parsed.text, parsed.start) == (block.text, 2)
    assert parsed.text.splitlines()[0] == "(b) You must cause the files to carry notices"


def test_letter_labels_render_as_labelled_bullets_in_markdown() -> None:
    md = block_md(_list(["(a)", "(b)", "1."]))
    root = lxml.html.fromstring(MD.render(md))
    assert root.tag == "ul"  # no numbers Markdown would invent
    assert [li.text_content() for li in root.findall("li")] == [
        "(a) You must cause the files to carry notices",
        "(b) You must license the work & its parts",
        "1. Print 1. a note",  # a numeric label among letters is text, not a nested list
    ]


@pytest.mark.parametrize("labels", [["1.", "2.", "3."], [None, None, None]])
def test_numbered_labels_stay_a_numbered_list(labels: list[str | None]) -> None:
    md = block_md(_list(labels, start=1))
    assert md.splitlines()[0] == "1. You must cause the files to carry notices"
    root = lxml.html.fromstring(MD.render(md))
    assert root.tag == "ol" and len(root.findall("li")) == 3


def test_html_keeps_labels_as_data_and_shows_the_ones_numbering_cannot() -> None:
    lettered = lxml.html.fromstring(str(semantic_html(_list(["(a)", "(b)", "(c)"]))))
    assert lettered.get("class") == "labelled"
    assert [li.get("data-label") for li in lettered.findall("li")] == ["(a)", "(b)", "(c)"]
    assert lettered.findall("li")[1].text_content() == "(b) You must license the work & its parts"
    numbered = lxml.html.fromstring(str(semantic_html(_list(["1.", "2.", "3."]))))
    assert numbered.get("class") is None  # the browser's numbers say it
    assert numbered.findall("li")[0].text_content() == "You must cause the files to carry notices"
    assert [li.get("data-label") for li in numbered.findall("li")] == ["1.", "2.", "3."]


def test_a_label_never_opens_a_block_of_its_own_in_markdown() -> None:
    """Labels come from reviewers' corrections too: whatever they hold, Markdown shows them as
    text at the start of their item, on one line (a label is one line: the schema refuses others)."""
    labels = ["*", "-", "+", "#", ">", "=", "`", "<b>x</b>", "(a) # Injected", "1."]
    items = [ListItem(text=f"item {n}", label=label) for n, label in enumerate(labels)]
    block = ListBlock(id=block_id("d", 1, 0), page=1, order=0, text="", ordered=True, items=items)
    root = lxml.html.fromstring(f"<div>{MD.render(block_md(block))}</div>")
    assert [child.tag for child in root] == ["ul"]
    shown = [" ".join(label.split()) for label in labels]
    assert [li.text_content() for li in root.findall("ul/li")] == [f"{s} item {n}" for n, s in enumerate(shown)]


def test_a_label_is_one_line_without_control_characters() -> None:
    """Whatever comes in (a model's ``data-label``, a correction, a label stored before the
    rule), a label is cleaned to one line without control characters, never refused."""
    cleaned = {"(a)\n(b)": "(a) (b)", "": None, " \x85 ": None, "x" * 40: "x" * 32, "1.\t2\x01": "1. 2"}
    assert {bad: ListItem(text="t", label=bad).label for bad in cleaned} == cleaned
    stored = ListItem.model_validate_json('{"text": "t", "label": "(c)\\u0080"}')  # as the old parser kept it
    assert stored.label == "(c)"
    html = '<html><body><ol data-bbox="10 10 500 100"><li data-label=" (a)\x80\n2 "> first</li></ol></body></html>'
    (parsed,) = parse_qwenvl_html(html, GEOMETRY, "qwen2.5-absolute", document_id="d").blocks
    assert isinstance(parsed, ListBlock)
    assert [i.label for i in parsed.items] == ["(a) 2"]
    assert parsed.text == "(a) 2 first"
