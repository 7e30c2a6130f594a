"""A filled AcroForm keeps its values: every field becomes a ``key_value`` block, end to end
(engine -> QwenVL HTML -> parser -> blocks -> exports)."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pytest

from docparse import parse_file
from docparse.export import ExportOptions, get_exporter
from schemas import Document, KeyValueBlock
from tests.engines.pdf_text_helpers import elements, run


def _widget(page: pymupdf.Page, kind: int, name: str, rect: tuple[float, ...], **fields: object) -> None:
    w = pymupdf.Widget()
    w.field_type = kind
    w.field_name = name
    w.rect = pymupdf.Rect(rect)
    for key, value in fields.items():
        setattr(w, key, value)
    page.add_widget(w)


def filled_form(path: Path) -> Path:
    """A one-page application form: printed labels, then text, check box, combo box and radio fields."""
    doc = pymupdf.open()
    page = doc.new_page(width=500, height=400)
    page.insert_text((40, 50), "Library card application", fontsize=16)
    for k, label in enumerate(["Full name:", "Street:", "Newsletter:", "Branch:", "Card type:"]):
        page.insert_text((40, 92 + 30 * k), label, fontsize=10)
    _widget(page, pymupdf.PDF_WIDGET_TYPE_TEXT, "name", (130, 78, 400, 96), field_value="Jane Q. Doe",
            field_label="Full name")  # fmt: skip
    _widget(page, pymupdf.PDF_WIDGET_TYPE_TEXT, "street", (130, 108, 400, 126), field_value="")
    _widget(page, pymupdf.PDF_WIDGET_TYPE_CHECKBOX, "newsletter", (130, 138, 146, 154), field_value=True)
    _widget(page, pymupdf.PDF_WIDGET_TYPE_COMBOBOX, "branch", (130, 168, 300, 186),
            choice_values=["Central", "Harbour", "Hill"], field_value="Harbour")  # fmt: skip
    _radio_group(doc, page, "card", [("Adult", 130), ("Child", 200)], chosen="Child")
    doc.save(path)
    return path


def _radio_group(
    doc: pymupdf.Document, page: pymupdf.Page, name: str, options: list[tuple[str, float]], chosen: str
) -> None:
    """Radio buttons whose on-states are named after their options (PyMuPDF names them after the
    value it was given, so the states are renamed in the PDF objects), ``chosen`` selected."""
    for _, x in options:
        _widget(page, pymupdf.PDF_WIDGET_TYPE_RADIOBUTTON, name, (x, 198, x + 16, 214), field_value=True)
    kids = [w for w in page.widgets() if w.field_name == name]
    for (option, _), widget in zip(options, kids, strict=True):
        on = doc.xref_get_key(widget.xref, "AP/N/True")[1]
        doc.xref_set_key(widget.xref, f"AP/N/{option}", on)
        doc.xref_set_key(widget.xref, "AP/N/True", "null")
        doc.xref_set_key(widget.xref, "AS", f"/{option}" if option == chosen else "/Off")
        parent = int(doc.xref_get_key(widget.xref, "Parent")[1].split()[0])
        doc.xref_set_key(parent, "V", f"/{chosen}")


@pytest.fixture(scope="module")
def form_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return filled_form(tmp_path_factory.mktemp("form") / "form.pdf")


def test_fields_become_key_value_elements(form_pdf: Path) -> None:
    html, _ = run(form_pdf)
    pairs = [(el.find("dt").text_content(), el.find("dd").text_content()) for el in elements(html) if el.tag == "dl"]
    assert pairs == [
        ("Full name", "Jane Q. Doe"),
        ("street", ""),
        ("newsletter", "Yes"),
        ("branch", "Harbour"),
        ("card", "Child"),  # one element for the radio group, with the chosen option
    ]
    printed = [el.text_content() for el in elements(html) if el.tag == "p"]
    assert "Full name:" in printed  # the printed labels stay text of their own


def test_form_blocks_end_to_end(form_pdf: Path) -> None:
    outcome = parse_file(form_pdf, engine="pdf-text")
    (page,) = outcome.document.pages
    fields = [b for b in page.blocks if isinstance(b, KeyValueBlock)]
    assert [(b.key, b.value, b.text) for b in fields[:2]] == [
        ("Full name", "Jane Q. Doe", "Full name: Jane Q. Doe"),
        ("street", "", "street:"),
    ]
    with pymupdf.open(form_pdf) as doc:  # each block's box is its field's rectangle
        widget = next(w for w in doc[0].widgets() if w.field_name == "name")
        assert fields[0].bbox is not None
        assert fields[0].bbox.as_tuple() == pytest.approx(tuple(widget.rect), abs=1.0)
    radio = fields[-1]
    assert (
        radio.bbox is not None
        and radio.bbox.x0 == pytest.approx(130, abs=1)
        and radio.bbox.x1 == pytest.approx(216, abs=1)
    )
    assert page.issues == []
    _exports_show_the_fields(outcome.document)


def _exports_show_the_fields(document: Document) -> None:
    def export(fmt: str) -> str:
        return "".join(get_exporter(fmt).stream(document, ExportOptions()))

    markdown = export("md")
    assert "**Full name:** Jane Q. Doe" in markdown
    html = export("html")
    assert "<dt>Full name</dt><dd>Jane Q. Doe</dd>" in html
    data = json.loads(export("json"))
    kinds = [b["type"] for b in data["pages"][0]["blocks"]]
    assert kinds.count("key_value") == 5
