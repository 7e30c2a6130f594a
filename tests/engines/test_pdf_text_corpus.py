"""Word recall of the ``pdf-text`` engine on real-world PDFs nobody here wrote.

The corpus (``tests/data/pdf-text-corpus``, under 1 MB, licences and sources in its
``SOURCES.md``) is committed, so the test needs nothing but poppler's ``pdftotext``, which
the Makefile's system-deps installs. Recall and reading-order agreement are defined in
:mod:`bench.text_recall`; ``make text-recall`` prints the same figures for this corpus and a
larger one fetched from Debian.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from bench.text_recall import Score, docparse_pages, file_score
from tests.paths import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "data" / "pdf-text-corpus"
PDFS = sorted(CORPUS.glob("*.pdf"))
POOLED_TARGET = 0.99
FILE_TARGET = 0.98
ORDER_TARGET = 0.95  # share of consecutive block pairs read in poppler's order, two-column papers
TWO_COLUMNS = ("jacow-LaTeX-A4.pdf", "revtex-apssamp.pdf")


def test_corpus_is_small_and_every_file_is_sourced() -> None:
    assert len(PDFS) >= 6
    assert sum(p.stat().st_size for p in PDFS) < 1024 * 1024
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for pdf in PDFS:
        digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
        assert f"{digest}  {pdf.name}" in sources, f"{pdf.name} is not listed with its hash"
        row = next(line for line in sources.splitlines() if line.startswith(f"| `{pdf.name}`"))
        assert re.search(r"\| (OFL|GPL|LPPL)[-\w.+]* \|", row), f"{pdf.name} has no licence"


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return {pdf.name: file_score(pdf) for pdf in PDFS}


@pytest.mark.slow
def test_word_recall_targets(scores: dict[str, Score]) -> None:
    pooled = Score()
    for score in scores.values():
        pooled.add(score)
    per_file = {name: round(s.recall, 4) for name, s in scores.items()}
    assert all(s.recall >= FILE_TARGET for s in scores.values()), per_file
    assert pooled.recall >= POOLED_TARGET, (pooled.recall, per_file)
    assert pooled.ligatures == 0  # no ligature glyph or presentation form is left in the text


@pytest.mark.slow
def test_reading_order_across_two_columns(scores: dict[str, Score]) -> None:
    for name in TWO_COLUMNS:
        score = scores[name]
        assert score.pairs >= 50, (name, score.pairs)  # enough blocks anchored to compare
        assert score.order >= ORDER_TARGET, (name, score.ordered, score.pairs)


@pytest.mark.slow
def test_right_to_left_text_stays_in_logical_order() -> None:
    """Arabic words, and the Arabic-Indic numbers inside them (written left to right), read
    in the order they are typed."""
    pages = docparse_pages(CORPUS / "amiri-Documentation-Arabic.pdf", [1, 2])
    assert "٢٩ سبتمبر ٢٠١٩" in pages[1]  # 29 September 2019
    assert "الخط الأميري خط نسخي موجه لطباعة الـكتب و النصوص الطويلة" in pages[2]


@pytest.mark.slow
def test_a_right_to_left_table_has_its_columns_in_logical_order() -> None:
    """The Amiri manual's table of Arabic number signs: its first column is the rightmost on
    the page (the sign's name), as an Arabic reader reads it."""
    from docparse import parse_file

    document = parse_file(CORPUS / "amiri-Documentation-Arabic.pdf", engine="pdf-text", pages=[5]).document
    table = next(b for b in document.pages[0].blocks if b.type == "table")
    assert table.type == "table"
    row = {c.col: c.text for c in table.cells if c.row == 1}
    assert (row[0], row[1], row[2]) == ("علامة الرقم", "U+0600", "٤")
    assert 'dir="rtl"' in (table.html or "")
