"""Tables without vertical rules (booktabs-style and rule-less) read from text alignment, on
generated pages; and pages that must not become tables (two-column prose, a bulleted list, a
code-like block, a references list)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pymupdf
from lxml.html import HtmlElement

from tests.engines.pdf_text_helpers import elements, run

HELV = pymupdf.Font("helv")
BOLD = pymupdf.Font("hebo")


def _grid(table: HtmlElement) -> list[list[str]]:
    return [[("*" if c.tag == "th" else "") + c.text_content() for c in tr] for tr in table.iter("tr")]


def _tables(html: str) -> list[HtmlElement]:
    return [el for el in elements(html) if (el.get("class") or "").startswith("table")]


def _page(tmp_path: Path, name: str, draw: object) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    tw = pymupdf.TextWriter(page.rect)
    draw(page, tw)  # type: ignore[operator]
    tw.write_text(page)
    path = tmp_path / name
    doc.save(path)
    return path


def _prose(tw: pymupdf.TextWriter, y: float) -> None:
    tw.append((60, y), "The study compares three engines on the same pages and reports", font=HELV, fontsize=10)
    tw.append((60, y + 13), "how many words each of them finds, as the table shows.", font=HELV, fontsize=10)


ROWS = [
    ("Engine", "Words", "Recall"),
    ("pdf-text", "1204", "0.995"),
    ("poppler", "1210", "1.000"),
    ("ocr", "1150", "0.950"),
]


def _captioned_table(
    tmp_path: Path,
    name: str,
    caption: str,
    rows: Sequence[Sequence[str]],
    at: Callable[[int, int], tuple[float, float]],
    rules: Sequence[tuple[float, float]] = (),
) -> str:
    """The HTML of a page of prose, a table caption, ``rules`` (y, width) and the cells of
    ``rows`` (the first one bold) at ``at(row, column)``, then prose again."""

    def draw(page: pymupdf.Page, tw: pymupdf.TextWriter) -> None:
        _prose(tw, 60)
        tw.append((200, 110), caption, font=HELV, fontsize=10)
        for y, w in rules:
            page.draw_line((180, y), (420, y), width=w)
        for r, row in enumerate(rows):
            for k, cell in enumerate(row):
                tw.append(at(r, k), cell, font=BOLD if r == 0 else HELV, fontsize=10)
        _prose(tw, 220)

    html, _ = run(_page(tmp_path, name, draw))
    return html


def test_booktabs_table_with_caption(tmp_path: Path) -> None:
    html = _captioned_table(
        tmp_path,
        "booktabs.pdf",
        "Table 1: Words found per engine.",
        ROWS,
        lambda r, k: (190 + 80 * k, 132 + 14 * r + (4 if r else 0)),
        rules=((120, 1.0), (137, 0.5), (190, 1.0)),  # \toprule, \midrule, \bottomrule
    )
    (table,) = _tables(html)
    assert _grid(table) == [
        ["*Engine", "*Words", "*Recall"],
        ["pdf-text", "1204", "0.995"],
        ["poppler", "1210", "1.000"],
        ["ocr", "1150", "0.950"],
    ]
    assert table.find("p").text_content() == "Table 1: Words found per engine."  # the tied caption
    assert not [el for el in elements(html) if el.get("class") == "caption"]
    outside = " ".join(el.text_content() for el in elements(html) if not el.get("class", "").startswith("table"))
    assert "poppler" not in outside and "how many words" in outside


def test_ruleless_aligned_table_under_its_caption(tmp_path: Path) -> None:
    data = [("Corpus", "Files", "Pages"), ("committed", "6", "47"), ("wider", "19", "143"), ("both", "25", "190")]
    html = _captioned_table(
        tmp_path, "ruleless.pdf", "Table 2: Pages per corpus.", data, lambda r, k: (190 + 90 * k, 130 + 14 * r)
    )
    (table,) = _tables(html)
    assert _grid(table) == [
        ["*Corpus", "*Files", "*Pages"],
        ["committed", "6", "47"],
        ["wider", "19", "143"],
        ["both", "25", "190"],
    ]
    assert table.find("p").text_content() == "Table 2: Pages per corpus."


def _no_table(
    tmp_path: Path, name: str, texts: list[tuple[float, float, str]], caption: str | None, caption_x: float = 60
) -> str:
    def draw(page: pymupdf.Page, tw: pymupdf.TextWriter) -> None:
        if caption:
            tw.append((caption_x, 100), caption, font=HELV, fontsize=10)
        for x, y, t in texts:
            tw.append((x, y), t, font=HELV, fontsize=10)

    html, _ = run(_page(tmp_path, name, draw))
    assert not _tables(html)
    return html


LEFT = [
    "Text layers carry every word a page shows,",
    "but not its structure: headings, lists and",
    "the order of columns must be inferred from",
    "the geometry of the lines and their fonts.",
]
RIGHT = [
    "The second column starts at the top of the",
    "page and is read only after the first one,",
    "whatever the vertical position of its lines,",
    "as a reader of a printed journal expects.",
]


def test_two_column_prose_under_a_caption_is_not_a_table(tmp_path: Path) -> None:
    texts = [(60, 120 + 13 * k, t) for k, t in enumerate(LEFT)] + [(315, 120 + 13 * k, t) for k, t in enumerate(RIGHT)]
    # centred over both columns, so both are candidates and only the prose rule keeps them apart
    _no_table(tmp_path, "prose.pdf", texts, "Table 3: Two columns of prose follow.", caption_x=215)


def test_bulleted_list_is_not_a_table(tmp_path: Path) -> None:
    items = ["first item", "second item", "third item", "fourth item"]
    texts = [(70, 120 + 14 * k, "•") for k in range(4)] + [(90, 120 + 14 * k, t) for k, t in enumerate(items)]
    html = _no_table(tmp_path, "list.pdf", texts, "Table 4: A list, not a table.")
    assert "second item" in html


def test_code_block_is_not_a_table(tmp_path: Path) -> None:
    code = ["def read(path):", "    with open(path) as f:", "        data = f.read()", "    return data"]
    _no_table(tmp_path, "code.pdf", [(60, 120 + 13 * k, t) for k, t in enumerate(code)], "Table 6: Reading a file.")


def test_references_list_is_not_a_table(tmp_path: Path) -> None:
    refs = [
        "A. Author and B. Writer, Journal of Examples 12, 345 (2001).",
        "C. Reader, Proceedings of the Conference on Tables, 67 (2010).",
        "D. Editor, Book of Layouts (Publisher, City, 2015), chap. 3.",
    ]
    texts = [(60, 120 + 13 * k, f"[{k + 1}]") for k in range(3)] + [(85, 120 + 13 * k, t) for k, t in enumerate(refs)]
    _no_table(tmp_path, "refs.pdf", texts, "Table 5: References, not a table.")
