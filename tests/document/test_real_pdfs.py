"""The document pass on real PDFs nobody here wrote (``tests/data/pdf-text-corpus``, parsed by
the pdf-text engine): page numbers at the foot of US Letter and A4 pages, Arabic-Indic page
numbers, and a paragraph continued in the right-hand column of a two-column paper."""

from __future__ import annotations

import pytest

from docparse.engines.pdf_text import PdfTextEngine
from docparse.pipeline import parse_document
from schemas import Document
from tests.paths import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "data" / "pdf-text-corpus"


def parse(name: str) -> Document:
    return parse_document(CORPUS / name, PdfTextEngine()).document


def texts(document: Document) -> dict[str, str]:
    return {b.id: b.text for p in document.pages for b in p.blocks}


@pytest.mark.parametrize(
    ("name", "numbers"),
    [
        ("pari-INSTALL.pdf", [str(n) for n in range(1, 12)]),
        ("amiri-Documentation-Arabic.pdf", ["١", "٢", "٣", "٤", "٥", "٦", "٧", "٨"]),
    ],
)
def test_page_numbers_at_the_foot_of_every_page(name: str, numbers: list[str]) -> None:
    document = parse(name)
    assert document.structure is not None
    by_id = texts(document)
    labels = [(lb.page, lb.label, by_id[lb.block_id]) for lb in document.structure.labels]
    assert labels == [(n, "page_number", text) for n, text in enumerate(numbers, 1)]
    for logical in document.structure.logical_blocks:  # no page number is glued to a paragraph
        assert all(by_id[p.block_id] not in numbers for p in logical.parts)


def test_a_paragraph_continued_in_the_right_column_of_a_two_column_paper() -> None:
    document = parse("jacow-LaTeX-A4.pdf")
    assert document.structure is not None
    by_id = texts(document)
    (merged,) = document.structure.logical_blocks
    left, right = (by_id[p.block_id] for p in merged.parts)
    assert merged.breaks == ["column"] and left.endswith("that may have been presented")
    assert right.startswith("at past JACoW conferences")
    assert merged.parts[1].bbox_norm is not None and merged.parts[0].bbox_norm is not None
    assert merged.parts[1].bbox_norm.x0 > merged.parts[0].bbox_norm.x1
