"""Author lines, captions tied to their figure or table, and reading order across two columns,
on a generated article page; then the same page through the parser to typed blocks."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from docparse import parse_file
from docparse.engines.pdf_text_layout import Element
from docparse.engines.pdf_text_roles import CAPTION_RE, looks_like_names, tie_captions
from schemas import AuthorBlock, FormulaBlock, ImageBlock, TableBlock
from tests.engines.pdf_text_helpers import bbox, elements, run

LEFT = [
    "Text layers carry every word a page shows, but",
    "not its structure: headings, lists, captions and",
    "the order of columns must be inferred from the",
    "geometry of the lines and from their fonts.",
]
RIGHT = [
    "The second column starts at the top of the page",
    "and is read only after the first one is done,",
    "whatever the vertical position of its lines, as",
    "a reader of a printed journal would expect.",
]


def article(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    tw = pymupdf.TextWriter(page.rect)
    bold = pymupdf.Font("hebo")
    helv = pymupdf.Font("helv")
    tw.append((60, 70), "Columns, Captions and Authors in Text Layers", font=bold, fontsize=18)
    tw.append((60, 95), "Grace Hopper and Ada Lovelace", font=helv, fontsize=11)
    for k, line in enumerate(LEFT):
        tw.append((60, 130 + 13 * k), line, font=helv, fontsize=10)
    for k, line in enumerate(RIGHT):
        tw.append((315, 130 + 13 * k), line, font=helv, fontsize=10)
    # Left column: a bar chart (vector paths with labels), its caption below it.
    for k, h in enumerate((40, 70, 55)):
        page.draw_rect(pymupdf.Rect(80 + 50 * k, 320 - h, 110 + 50 * k, 320), color=None, fill=(0.3, 0.4, 0.8))
    page.draw_line((70, 320), (250, 320))
    for k, label in enumerate(("Jan", "Feb", "Mar")):
        tw.append((84 + 50 * k, 332), label, font=helv, fontsize=8)
    tw.append((60, 360), "Figure 1: Pages read per month.", font=helv, fontsize=9)
    # Right column: the caption above a ruled table.
    tw.append((315, 230), "Table 1: Words found per engine.", font=helv, fontsize=9)
    xs, ys = (315, 420, 530), (240, 260, 280, 300)
    for x in xs:
        page.draw_line((x, ys[0]), (x, ys[-1]))
    for y in ys:
        page.draw_line((xs[0], y), (xs[-1], y))
    for r, (a, b) in enumerate([("Engine", "Recall"), ("pdf-text", "0.995"), ("poppler", "1.000")]):
        tw.append((320, ys[r] + 14), a, font=helv, fontsize=9)
        tw.append((425, ys[r] + 14), b, font=helv, fontsize=9)
    tw.append((380, 420), "e = m × c²  (1)", font=helv, fontsize=10)
    tw.write_text(page)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def article_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return article(tmp_path_factory.mktemp("roles") / "article.pdf")


def test_authors_captions_and_column_order(article_pdf: Path) -> None:
    html, pin = run(article_pdf)
    top = elements(html)
    summary = [(el.tag, el.get("class"), el.text_content()[:24]) for el in top]
    assert summary == [
        ("h1", None, "Columns, Captions and Au"),
        ("address", "author", "Grace Hopper and Ada Lov"),
        ("p", None, "Text layers carry every "),
        ("div", "image", "Jan Feb MarFigure 1: Pag"),
        ("p", None, "The second column starts"),
        ("div", "table", "Table 1: Words found per"),
        ("div", "formula", "e = m × c² (1)"),
    ]
    figure, table = top[3], top[5]
    assert figure.find("figcaption").text_content() == "Figure 1: Pages read per month."
    assert figure.find("p").text_content() == "Jan Feb Mar"  # the chart's labels are its text
    picture, caption = bbox(figure.find("img")), bbox(figure.find("figcaption"))
    assert picture[3] <= caption[1] and bbox(figure)[3] == caption[3]  # the caption below, inside the block box
    assert [el.tag for el in table] == ["p", "table"]  # the caption above the grid
    assert table[0].text_content() == "Table 1: Words found per engine."
    mid = pin.model_width / 2
    assert all(bbox(el)[2] < mid for el in top[2:4]) and all(bbox(el)[0] > mid for el in top[4:])


def test_blocks_carry_the_roles(article_pdf: Path) -> None:
    (page,) = parse_file(article_pdf, engine="pdf-text").document.pages
    kinds = [b.type for b in page.blocks]
    assert kinds == ["heading", "author", "paragraph", "image", "paragraph", "table", "formula"]
    author, image, table, formula = (page.blocks[i] for i in (1, 3, 5, 6))
    assert isinstance(author, AuthorBlock) and author.text == "Grace Hopper and Ada Lovelace"
    assert isinstance(image, ImageBlock)
    assert (image.caption, image.ocr_text) == ("Figure 1: Pages read per month.", "Jan Feb Mar")
    assert image.image_bbox is not None and image.bbox is not None and image.image_bbox.y1 < image.bbox.y1
    assert isinstance(table, TableBlock) and table.caption == "Table 1: Words found per engine."
    assert table.grid()[1] == ["pdf-text", "0.995"]
    assert isinstance(formula, FormulaBlock) and (formula.format, formula.content) == ("text", "e = m × c² (1)")


def test_an_untied_caption_is_a_caption_block() -> None:
    para = Element("p", (60, 500, 300, 512), text="Figure 7: A figure on another page.")
    far = Element("image", (60, 100, 300, 300))
    (caption, image) = tie_captions([para, far], body=10)
    assert (caption.kind, image.caption) == ("caption", None)
    near = Element("image", (60, 380, 300, 490))
    (image,) = tie_captions([near, para], body=10)
    assert image.caption == (para.box, para.text) and image.box == (60, 380, 300, 512)
    assert image.content_box == (60, 380, 300, 490)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Grace Hopper and Ada Lovelace", True),
        ("Jonathan Kew", True),
        ("A. Turing, University of Manchester, a.turing@example.org", True),
        ("17 October 2005", False),
        ("This paper describes how text layers are read.", False),
        ("Abstract", False),
        ("an introduction to the topic at hand", False),
    ],
)
def test_author_lines(text: str, names: bool) -> None:
    assert looks_like_names(text) is names


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("Figure 3: Pages read per month.", True),
        ("FIG. 1. A figure caption.", True),
        ("TABLE IV. A table with many columns.", True),
        ("Tab. 4 — Results", True),
        ("Abbildung 2: Aufbau", True),
        ("Table 2 summarizes the fonts used.", False),  # a sentence about a table
        ("Figure 10 pt 3 pt", False),
        ("Figures are drawn with vector paths.", False),
    ],
)
def test_caption_pattern(text: str, caption: bool) -> None:
    assert bool(CAPTION_RE.match(text)) is caption
