"""The ``pdf-text`` engine on the committed samples and on small PDFs made in ``tmp_path``.

The HTML is checked with lxml directly (:mod:`tests.engines.pdf_text_helpers`).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from docparse.engines.base import Engine, PageInput
from docparse.engines.pdf_text import NO_TEXT_LAYER, PdfTextEngine
from docparse.engines.pdf_text_layout import Element, Item, Row, attach_markers, merge_lists, segment_block
from docparse.engines.specs import COOKBOOK_MAX_PIXELS, COOKBOOK_MIN_PIXELS
from docparse.qwenvl import parse_qwenvl_html
from schemas.geometry import PageGeometry
from tests.engines.pdf_text_helpers import (
    assert_close,
    bbox,
    elements,
    expected_px,
    find,
    page_input,
    run,
    smart_resize,
)
from tests.paths import SAMPLES_DIR

SAMPLE_FILES = ("article.pdf", "invoice.pdf", "formula-chart.pdf", "scan.png", "multipage.tiff")


def test_info_and_protocol() -> None:
    engine = PdfTextEngine()
    assert isinstance(engine, Engine)
    info = engine.info
    want = ("pdf-text", None, "qwen2.5-absolute", "pdf-text-v5")
    assert (info.name, info.model, info.convention, info.prompt_version) == want
    assert (info.min_pixels, info.max_pixels) == (COOKBOOK_MIN_PIXELS, COOKBOOK_MAX_PIXELS)
    assert PdfTextEngine(min_pixels=100, max_pixels=200).info.max_pixels == 200


def test_samples_exist_and_fit_the_budget() -> None:
    sizes = {name: (SAMPLES_DIR / name).stat().st_size for name in SAMPLE_FILES}
    assert sum(sizes.values()) < 3 * 1024 * 1024, sizes


@pytest.mark.slow
def test_samples_regenerate_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLES_DIR / "generate.py"), str(tmp_path)], check=True, capture_output=True)
    for name in SAMPLE_FILES:
        want = hashlib.sha256((SAMPLES_DIR / name).read_bytes()).hexdigest()
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == want, name


def test_invoice_table() -> None:
    html, _ = run(SAMPLES_DIR / "invoice.pdf")
    tables = [el for el in elements(html) if el.get("class") == "table"]
    assert len(tables) == 1
    rows = [[c.text_content() for c in tr.findall("./td") + tr.findall("./th")] for tr in tables[0].iter("tr")]
    assert rows[0] == ["Description", "Qty", "Unit price", "Amount"]
    assert tables[0].find(".//thead/tr/th") is not None  # the bold first row is a header
    assert [len(r) for r in rows] == [4] * 7
    assert rows[1] == ["Ergonomic office chair, mesh back", "4", "$189.00", "$756.00"]
    assert rows[3][0] == "USB-C docking station <dual HDMI>"
    assert rows[6] == ["On-site installation, per hour", "5", "$65.00", "$325.00"]
    assert all(t in html for t in ("&lt;dual HDMI&gt;", "Standing desk frame &amp; oak top"))
    # Text inside the table is not emitted again outside it.
    outside = " ".join(el.text_content() for el in elements(html) if el.get("class") != "table")
    assert not any(t in outside for t in ("Ergonomic", "Unit price"))
    assert all(t in outside for t in ("Total: $3,298.26", "Northwind & Sons Office Supply"))


def test_article_headings() -> None:
    html, _ = run(SAMPLES_DIR / "article.pdf", 0)
    tags = {el.text_content(): el.tag for el in elements(html)}
    assert tags["Reading Pages Twice: Text Layers and Vision-Language Models for Document Parsing"] == "h1"
    assert [tags[t] for t in ("1 Introduction", "2 Method", "1.1 Motivation", "2.1 Pipeline")] == [
        "h2",
        "h2",
        "h3",
        "h3",
    ]
    assert tags["Ada Lovelace, Alan Turing and Grace Hopper"] == "address"  # the author line
    html2, _ = run(SAMPLES_DIR / "article.pdf", 1)
    tags2 = {el.text_content(): el.tag for el in elements(html2)}
    assert (tags2["3 Results"], tags2["3.1 Error analysis"]) == ("h2", "h3")
    assert tags2["Proceedings of the Workshop on Document Intelligence — page 2 of 2"] == "p"


@pytest.mark.parametrize("index", [0, 1])
def test_article_two_column_reading_order(index: int) -> None:
    html, pin = run(SAMPLES_DIR / "article.pdf", index)
    top = elements(html)
    mid = pin.model_width / 2
    left = [i for i, el in enumerate(top) if bbox(el)[2] < mid]
    right = [i for i, el in enumerate(top) if bbox(el)[0] > mid]
    assert max(left, default=99) < min(right, default=-1), [el.text_content()[:20] for el in top]
    texts = [el.text_content() for el in top]
    assert texts[-1].startswith("Proceedings of the Workshop")  # the footer comes last
    if index == 0:
        assert texts.index("1.2 Contributions") < texts.index("2 Method")
        assert texts.index("Abstract") < texts.index("1 Introduction")


def test_article_lists() -> None:
    html, _ = run(SAMPLES_DIR / "article.pdf", 0)
    top = elements(html)
    (ul,) = [el for el in top if el.tag == "ul"]
    (ol,) = [el for el in top if el.tag == "ol"]
    assert [li.text_content() for li in ul] == [
        "model output is the least trustworthy input and must be validated;",
        "born-digital pages already carry their own ground truth;",
        "a bad page must never fail the whole document.",
    ]
    assert (len(ol), ol.get("start")) == (4, None)
    assert ol[1].text_content() == "infer QwenVL HTML for the page image or read the text layer;"
    for lst in (ul, ol):
        outer = bbox(lst)
        for li in lst:
            x1, y1, x2, y2 = bbox(li)
            assert (outer[0] <= x1, outer[1] <= y1, x2 <= outer[2], y2 <= outer[3]) == (True,) * 4


def test_formula_chart_page() -> None:
    html, _ = run(SAMPLES_DIR / "formula-chart.pdf")
    top = elements(html)
    images = [el for el in top if el.get("class", "").startswith("image")]
    assert len(images) == 2  # the formula image and the vector bar chart
    texts = [el.text_content() for el in top]
    assert (texts[0], top[0].tag) == ("Energy, Growth and a Small Chart", "h1")
    formulas = [el for el in top if el.get("class") == "formula"]  # formulas in the text layer stay text
    assert [(f.get("format"), f.text_content()) for f in formulas] == [
        ("text", "E = mc2 (1)"),
        ("text", "σ² = ∑ (xᵢ − μ)² / N, μ ≤ max xᵢ (2)"),
    ]
    chart = max(images, key=lambda d: (bbox(d)[2] - bbox(d)[0]) * (bbox(d)[3] - bbox(d)[1]))
    # The chart keeps its labels (as the figure's text) and its caption, tied to it.
    assert chart.find("p").text_content() == "100 88 73 75 58 51 50 42 25 0 Jan Feb Mar Apr May"
    caption = chart.find("figcaption")
    assert caption.text_content() == "Figure 1: Documents processed per month, in thousands (vector bar chart)."
    assert not any(t in ("Jan", "May", "100", "88") for t in texts)  # labels are not paragraphs
    assert [t for t in texts if "Figure 1:" in t] == [chart.text_content()]
    outer, picture, cap = bbox(chart), bbox(chart.find("img")), bbox(caption)
    assert outer == (picture[0] if picture[0] < cap[0] else cap[0], picture[1], max(picture[2], cap[2]), cap[3])
    plain = next(d for d in images if d is not chart)
    assert plain.find("img").get("data-bbox") == plain.get("data-bbox")


@pytest.mark.parametrize("name", ["article.pdf", "invoice.pdf", "formula-chart.pdf"])
def test_sample_boxes_match_the_text(name: str) -> None:
    path = SAMPLES_DIR / name
    html, pin = run(path)
    with pymupdf.open(path) as doc:
        page = doc[0]
        for el in elements(html):
            text = el.text_content()
            if el.tag in ("h1", "h2", "h3", "p") and len(page.search_for(text)) == 1:
                assert_close(bbox(el), expected_px(page, text, pin))


def test_output_is_deterministic() -> None:
    pages = [page_input(SAMPLES_DIR / "article.pdf", i) for i in (0, 1)]
    first = [o.text for o in PdfTextEngine().infer(pages)]
    assert first == [o.text for o in PdfTextEngine().infer(pages)]


@pytest.mark.parametrize("name", ["scan.png", "multipage.tiff"])
def test_image_inputs_are_unsupported(name: str) -> None:
    with Image.open(SAMPLES_DIR / name) as img:
        page = PageInput(None, *smart_resize(*img.size))
    (out,) = PdfTextEngine().infer([page])
    assert (out.text, out.stop_reason, out.error) == ("", "unsupported", NO_TEXT_LAYER)
    assert (out.prompt_tokens, out.completion_tokens, out.latency_s >= 0) == (None, None, True)


def test_scanned_pdf_page_is_unsupported(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_image(page.rect, filename=str(SAMPLES_DIR / "scan.png"))
    stamped = doc.new_page(width=612, height=792)  # a scan with a Bates number stamped on it
    stamped.insert_image(stamped.rect, filename=str(SAMPLES_DIR / "scan.png"))
    stamped.insert_text((500, 780), "ACME-000123", fontsize=8)
    doc.new_page(width=612, height=792).insert_text((72, 72), "A text page after the scans.")
    path = tmp_path / "scanned.pdf"
    doc.save(path)
    outs = PdfTextEngine().infer([page_input(path, i) for i in range(3)])
    for out in outs[:2]:
        assert (out.text, out.stop_reason, out.error) == ("", "unsupported", NO_TEXT_LAYER)
    assert "A text page after the scans." in outs[2].text


def test_bad_pages_give_error_outputs(tmp_path: Path) -> None:
    good = page_input(SAMPLES_DIR / "invoice.pdf")
    beyond = PageInput(None, good.model_width, good.model_height, SAMPLES_DIR / "invoice.pdf", 5)
    missing = PageInput(None, 100, 100, tmp_path / "nope.pdf", 0)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7 this is not a pdf")
    broken = PageInput(None, 100, 100, junk, 0)
    outs = PdfTextEngine().infer([beyond, good, missing, broken])
    assert [o.stop_reason for o in outs] == ["error", "stop", "error", "error"]
    assert "out of range" in (outs[0].error or "")
    assert all(o.error and o.text == "" for o in (outs[0], outs[2], outs[3]))


def test_encrypted_pdf(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page(width=300, height=400).insert_text((50, 50), "secret words")
    path = tmp_path / "locked.pdf"
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    w, h = smart_resize(600, 800)
    locked, opened = PdfTextEngine().infer([PageInput(None, w, h, path, 0), PageInput(None, w, h, path, 0, "user")])
    assert (locked.stop_reason, "password" in (locked.error or "")) == ("error", True)
    assert "secret words" in opened.text


LINES = ["Geometry check heading", "A first body line of text", "Second line with more words in it"]


def geometry_pdf(path: Path, rotation: int, crop: pymupdf.Rect | None) -> None:
    """Text that reads upright on the displayed page, whatever its /Rotate and crop box."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    if crop is not None:
        page.set_cropbox(crop)
    page.set_rotation(rotation)
    for k, (text, size) in enumerate(zip(LINES, (18, 11, 11), strict=True)):
        point = pymupdf.Point(60, 80 + 40 * k) * page.derotation_matrix
        page.insert_text(point, text, fontsize=size, rotate=rotation)
    doc.save(path)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("crop", [None, pymupdf.Rect(40, 60, 520, 700)], ids=["nocrop", "crop"])
def test_boxes_on_rotated_and_cropped_pages(tmp_path: Path, rotation: int, crop: pymupdf.Rect | None) -> None:
    path = tmp_path / "geometry.pdf"
    geometry_pdf(path, rotation, crop)
    html, pin = run(path)
    with pymupdf.open(path) as doc:
        page = doc[0]
        assert page.rotation == rotation
        for text in LINES:
            assert_close(bbox(find(html, text)), expected_px(page, text, pin))
        # End to end: the ink of the rendered displayed page lies inside the boxes.
        sx, sy = pin.model_width / page.rect.width, pin.model_height / page.rect.height
        pix = page.get_pixmap(matrix=pymupdf.Matrix(sx, sy), colorspace=pymupdf.csGRAY)
    ink = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w) < 128
    heading, last = bbox(find(html, LINES[0])), bbox(find(html, LINES[2]))
    ys_h, xs_h = np.nonzero(ink[: heading[3] + 2, :])
    assert (abs(pix.w - pin.model_width) <= 1, abs(pix.h - pin.model_height) <= 1) == (True, True)
    assert (heading[0] - 2 <= xs_h.min(), xs_h.max() <= heading[2] + 2, heading[1] - 2 <= ys_h.min()) == (True,) * 3
    assert (np.nonzero(ink)[0].max() <= last[3] + 2, find(html, LINES[0]).tag) == (True, "h1")


def test_special_characters_are_escaped(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    raw = "Tom & Jerry <b>not bold</b> say \"hi\" and 'bye' 5 > 3"
    page.insert_text((30, 60), raw, fontsize=10)
    path = tmp_path / "escape.pdf"
    doc.save(path)
    html, _ = run(path)
    assert all(t in html for t in ("Tom &amp; Jerry &lt;b&gt;not bold&lt;/b&gt; say &quot;hi&quot;", "5 &gt; 3"))
    assert "<b>" not in html
    assert find(html, raw).tag == "p"


def test_merged_cells_become_colspan_and_rowspan(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=500, height=400)
    xs, ys = [50, 150, 250, 350], [50, 75, 100, 125, 150]
    for x in xs:  # vertical rules; the one between columns 2 and 3 skips the header row
        page.draw_line((x, ys[1] if x == 250 else ys[0]), (x, ys[-1]))
    for y in ys:  # horizontal rules; the one under the header row skips column 1 (a 2-row cell)
        page.draw_line((xs[1] if y == ys[1] else xs[0], y), (xs[-1], y))
    rows = [["Region", "Sales 2024", None], [None, "H1", "H2"], ["North", "10", "12"], ["South", "7", "9"]]
    texts = {(r, c): t for r, row in enumerate(rows) for c, t in enumerate(row) if t}
    for (r, c), t in texts.items():
        page.insert_text((xs[c] + 5, ys[r] + 17), t, fontsize=10)
    path = tmp_path / "merged.pdf"
    doc.save(path)
    html, _ = run(path)
    (table,) = [el for el in elements(html) if el.get("class") == "table"]
    cells = [[(c.text_content(), c.get("colspan"), c.get("rowspan")) for c in tr] for tr in table.iter("tr")]
    assert cells[0] == [("Region", None, "2"), ("Sales 2024", "2", None)]
    assert cells[1] == [("H1", None, None), ("H2", None, None)]
    assert cells[2] == [("North", None, None), ("10", None, None), ("12", None, None)]
    assert "North" not in " ".join(el.text_content() for el in elements(html) if el.get("class") != "table")


def test_numbered_list_start_and_bullets(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    font = pymupdf.Font("helv")
    tw = pymupdf.TextWriter(page.rect)
    tw.append((40, 50), "Steps continue from the previous page:", font=font, fontsize=10)
    for k, item in enumerate(["mix the flour", "bake for an hour", "let it cool"]):
        tw.append((44, 70 + 14 * k), f"{k + 3}. {item}", font=font, fontsize=10)
    tw.append((40, 130), "Some ordinary text between the two lists.", font=font, fontsize=10)
    for k, item in enumerate(["apples", "pears"]):  # the marker far from its text: a line of its own
        tw.append((44, 150 + 14 * k), "–", font=font, fontsize=10)
        tw.append((90, 150 + 14 * k), item, font=font, fontsize=10)
    tw.write_text(page)
    path = tmp_path / "lists.pdf"
    doc.save(path)
    html, _ = run(path)
    top = elements(html)
    assert [el.tag for el in top] == ["p", "ol", "p", "ul"]
    assert top[1].get("start") == "3"
    assert [li.text_content() for li in top[1]] == ["mix the flour", "bake for an hour", "let it cool"]
    assert [li.text_content() for li in top[3]] == ["apples", "pears"]
    assert [li.get("data-label") for li in top[1]] == ["3.", "4.", "5."]  # the markers as printed
    assert [li.get("data-label") for li in top[3]] == [None, None]  # bullets carry no label


def test_letter_items_keep_their_labels_and_their_hanging_indent_lines(tmp_path: Path) -> None:
    """GPL-style items: "(a)" markers, wrapped lines indented under the text after the marker
    (MuPDF puts each of those lines in a text block of its own); then a paragraph that is not
    part of the list."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=400)
    font = pymupdf.Font("helv")
    tw = pymupdf.TextWriter(page.rect)
    tw.append((40, 50), "provided that you also meet all of these conditions:", font=font, fontsize=10)
    lines = [
        (40, "(a) You must cause the modified files to carry prominent notices stating"),
        (58, "that you changed the files and the date of any change."),
        (40, "(b) You must cause any work that you distribute or publish, that in whole"),
        (58, "or in part contains or is derived from the Program, to be licensed."),
    ]
    for k, (x, text) in enumerate(lines):
        tw.append((x, 70 + 12 * k), text, font=font, fontsize=10)
    tw.append((40, 140), "These requirements apply to the modified work as a whole.", font=font, fontsize=10)
    tw.write_text(page)
    path = tmp_path / "letters.pdf"
    doc.save(path)
    html, pin = run(path)
    top = elements(html)
    assert [el.tag for el in top] == ["p", "ol", "p"]
    items = [(li.get("data-label"), li.text_content()) for li in top[1]]
    assert items == [
        (
            "(a)",
            "You must cause the modified files to carry prominent notices stating that you changed the files "
            "and the date of any change.",
        ),
        (
            "(b)",
            "You must cause any work that you distribute or publish, that in whole or in part contains or is "
            "derived from the Program, to be licensed.",
        ),
    ]
    geometry = PageGeometry(
        unit="pt",
        width=420,
        height=400,
        pixel_width=pin.model_width,
        pixel_height=pin.model_height,
        model_width=pin.model_width,
        model_height=pin.model_height,
        dpi=72 * pin.model_width / 420,
    )
    parsed = parse_qwenvl_html(html, geometry, "qwen2.5-absolute", page=1, document_id="doc")
    (block,) = [b for b in parsed.blocks if b.type == "list"]
    assert [i.label for i in block.items] == ["(a)", "(b)"]
    assert block.text.splitlines()[1].startswith("(b) You must cause any work")  # the text reads as printed


def test_a_lone_marker_in_its_own_block_joins_its_item() -> None:
    rows = [Row((40, 100, 45, 112), "•", 10, False, 0), Row((60, 100, 200, 112), "first point", 10, False, 1)]
    attach_markers(rows)
    (ul,) = segment_block([r for r in rows if r.block == 1], 10)
    assert (ul.kind, ul.items[0][1], ul.box) == ("ul", "first point", (40, 100, 200, 112))


@pytest.mark.parametrize(
    ("item_text", "para_box", "para_text", "joined"),
    [
        ("carry notices stating", (58, 113, 300, 122), "that you changed the files.", True),
        ("publish the notice.", (58, 113, 300, 122), "that you changed the files.", True),  # lower case: unfinished
        ("publish the notice.", (58, 113, 300, 122), "You may charge a fee.", False),  # a new sentence
        ("carry notices stating", (40, 113, 300, 122), "that you changed the files.", False),  # not indented
        (
            "carry notices stating",
            (120, 113, 300, 122),
            "that you changed the files.",
            False,
        ),  # beyond a hanging indent
        ("carry notices stating", (58, 135, 300, 144), "that you changed the files.", False),  # a line apart
    ],
)
def test_a_paragraph_continues_the_list_item_above_only_when_it_is_its_wrapped_line(
    item_text: str, para_box: tuple[float, float, float, float], para_text: str, joined: bool
) -> None:
    items = [Item((40, 100, 300, 110), item_text, "(a)")]
    lst = Element("ol", (40, 100, 300, 110), items=items)
    out = merge_lists([lst, Element("p", para_box, text=para_text)], body=10)
    if joined:
        assert [(e.kind, [(i.text, i.label) for i in e.items]) for e in out] == [
            ("ol", [(f"{item_text} {para_text}", "(a)")])
        ]
        assert out[0].box == (40, 100, 300, para_box[3])
    else:
        assert [e.kind for e in out] == ["ol", "p"]


def test_frames_and_shaded_boxes_are_not_figures(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    page.draw_rect(pymupdf.Rect(40, 40, 360, 120), color=(0, 0, 0))  # an empty frame
    page.draw_rect(pymupdf.Rect(40, 200, 360, 260), color=None, fill=(0.9, 0.9, 0.7))  # a shaded note
    page.insert_text((50, 225), "Note: a shaded box behind a sentence of prose text.", fontsize=10)
    path = tmp_path / "frames.pdf"
    doc.save(path)
    html, _ = run(path)
    assert [el.tag for el in elements(html)] == ["p"]
