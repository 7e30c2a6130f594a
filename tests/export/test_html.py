"""HTML export: semantic reconstruction from typed blocks, and sanitization by construction."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from docparse.export import ExportOptions, get_exporter
from docparse.export.html_export import CSP
from schemas import (
    CodeBlock,
    Document,
    HeadingBlock,
    ImageBlock,
    Issue,
    ListBlock,
    ListItem,
    MusicSheetBlock,
    Page,
    ParagraphBlock,
    TableBlock,
    TableCell,
    UnknownBlock,
)
from tests.export.conftest import PT, build_document

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example/frame"></iframe>',
    '<img src="http://evil.example/pixel.png">',
    "<style>@import url(http://evil.example/x.css);</style>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
]
EVIL = " ".join(ATTACKS)
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "data", "background", "cite"}


def export(document: Document, options: ExportOptions | None = None) -> str:
    return "".join(get_exporter("html").stream(document, options or ExportOptions()))


def parse(text: str) -> HtmlElement:
    return lxml.html.document_fromstring(text)


def attack_document() -> Document:
    meta = {"text": EVIL, "html": EVIL}
    blocks = [
        HeadingBlock(id="h", page=1, order=0, level=2, **meta),
        ParagraphBlock(id="p", page=1, order=1, **meta),
        ListBlock(id="l", page=1, order=2, items=[ListItem(text=EVIL, children=[ListItem(text=EVIL)])], **meta),
        TableBlock(
            id="t",
            page=1,
            order=3,
            n_rows=1,
            n_cols=2,
            caption=EVIL,
            cells=[TableCell(row=0, col=0, header=True, text=EVIL), TableCell(row=0, col=1, text=EVIL)],
            **meta,
        ),
        ImageBlock(id="i", page=1, order=4, caption=EVIL, ocr_text=EVIL, **meta),
        CodeBlock(id="c", page=1, order=5, language='python" onmouseover="alert(1)', **meta),
        MusicSheetBlock(id="m", page=1, order=6, format='abc" onclick="x', content=EVIL, **meta),
        UnknownBlock(id="u", page=1, order=7, tag="script", classes="x onload", **meta),
    ]
    page = Page(number=1, geometry=PT, status="failed", blocks=blocks, issues=[Issue(code="truncated", message=EVIL)])
    doc = build_document([page])
    return doc.model_copy(update={"filename": EVIL + ".pdf", "error": EVIL})


def assert_sanitized(root: HtmlElement) -> None:
    forbidden = {"script", "iframe", "object", "embed", "link", "base", "svg", "form", "frame", "applet"}
    tags = {el.tag for el in root.iter() if isinstance(el.tag, str)}
    assert not tags & forbidden
    assert len(root.findall(".//style")) == 1
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            if name.lower() in URL_ATTRIBUTES:
                assert value.startswith(("#", "data:image/")), (el.tag, name, value)
                assert "javascript:" not in value.lower()
            if name == "style":
                assert "url(" not in value
                assert "@import" not in value
    style = root.find(".//style")
    assert style is not None
    assert style.text is not None
    assert "@import" not in style.text
    assert "url(" not in style.text
    for img in root.iter("img"):
        assert img.get("src", "").startswith("data:image/")


def test_attacks_never_become_markup_but_stay_visible_as_text() -> None:
    for options in (ExportOptions(), ExportOptions(overlay=True)):
        root = parse(export(attack_document(), options))
        assert_sanitized(root)
        body = root.find("body")
        assert body is not None
        assert EVIL in body.text_content()
        assert not root.findall(".//img")  # no page image was given


def test_model_html_is_never_used() -> None:
    block = ParagraphBlock(id="p", page=1, order=0, text="typed text", html='<p class="model">MODEL HTML</p>')
    text = export(build_document([Page(number=1, status="ok", blocks=[block])]))
    assert "MODEL HTML" not in text
    assert "typed text" in text


def test_strict_content_security_policy(document: Document) -> None:
    root = parse(export(document))
    metas = root.xpath('//head/meta[@http-equiv="Content-Security-Policy"]')
    assert len(metas) == 1
    assert metas[0].get("content") == CSP == "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert root.xpath("//head/meta[@charset]")[0].get("charset") == "utf-8"


def test_headings_and_paragraphs(document: Document) -> None:
    root = parse(export(document))
    assert root.get_element_by_id("page-1-block-1").tag == "h1"
    assert root.get_element_by_id("page-1-block-3").tag == "h2"
    assert root.get_element_by_id("page-1-block-6").tag == "h3"
    assert root.get_element_by_id("page-2-block-3").tag == "h6"
    assert root.get_element_by_id("page-2-block-3").text_content() == "Tiny heading"
    para = root.get_element_by_id("page-1-block-5")
    assert para.tag == "p"
    assert len(para.findall("br")) == 1  # the line break is kept


def test_nested_lists(document: Document) -> None:
    root = parse(export(document))
    ol = root.get_element_by_id("page-1-block-7")
    assert ol.tag == "ol"
    assert ol.get("start") == "3"
    items = ol.findall("li")
    assert [li.text for li in items] == ["Plan", "Build", "Ship"]
    build = items[1].find("ul")
    assert build is not None
    assert [li.text for li in build.findall("li")] == ["Frontend", "Backend"]
    assert build.xpath("li[2]/ul/li/text()") == ["API"]
    assert items[2].xpath("ol/li/text()") == ["Stage", "Prod"]
    assert root.get_element_by_id("page-1-block-8").tag == "ul"


def test_table_from_the_cell_grid(document: Document) -> None:
    root = parse(export(document))
    table = root.get_element_by_id("page-1-block-9")
    assert table.tag == "table"
    assert table.findtext("caption") == "Table 1: Sales"
    header = table.xpath("thead/tr/th")
    assert [(th.text, th.get("colspan")) for th in header] == [("Region", "2"), ("Total", None)]
    rows = table.xpath("tbody/tr")
    assert [[td.text for td in tr.findall("td")] for tr in rows] == [["North", "Q1", "10"], ["Q2", "12, with comma"]]
    assert rows[0].find("td").get("rowspan") == "2"


def test_figures_formulas_code_and_the_rest(document: Document) -> None:
    root = parse(export(document))
    image = root.get_element_by_id("page-1-block-13")
    assert image.tag == "figure"
    assert image.findtext("figcaption") == "Figure 1: The plant"
    assert root.get_element_by_id("page-1-block-14").findtext("pre") == "STOP\nsign"
    chart = root.get_element_by_id("page-1-block-11")
    assert chart.tag == "figure"
    assert chart.xpath("table//th/text()") == ["Name", "Value"]
    formula = root.get_element_by_id("page-1-block-12")
    assert (formula.tag, formula.get("class")) == ("div", "formula")
    assert formula.text == r"$$E = mc^2 \quad a<b$$"
    code = root.get_element_by_id("page-1-block-16")
    assert code.tag == "pre"
    assert code.find("code").get("class") == "language-python"
    assert code.findtext("code") == "def f(x):\n    return x * 2  # ```"
    assert root.get_element_by_id("page-1-block-2").tag == "address"
    assert root.get_element_by_id("page-1-block-15").get("class") == "caption"
    assert root.get_element_by_id("page-1-block-17").get("class") == "unknown"
    music = root.get_element_by_id("page-2-block-0")
    assert (music.tag, music.get("data-format"), music.findtext("code")) == ("pre", "abc notation", "X:1\nK:C\nCDEF|")
    chem = root.get_element_by_id("page-2-block-1")
    assert (chem.get("data-format"), chem.findtext("code")) == ("smiles", "C1=CC=CC=C1")


def test_running_furniture_is_left_out_unless_asked_for(document: Document) -> None:
    furniture = ("page-1-block-0", "page-1-block-18", "page-1-block-19")
    default = parse(export(document))
    assert [default.xpath(f"//*[@id='{ident}']") for ident in furniture] == [[], [], []]
    kept = parse(export(document, ExportOptions(furniture=True)))
    assert [kept.get_element_by_id(ident).tag for ident in furniture] == ["header", "footer", "div"]
    assert kept.get_element_by_id("page-1-block-19").get("class") == "page-number"


def test_pages_and_their_status(document: Document) -> None:
    root = parse(export(document))
    sections = root.xpath("//section[@class='page']")
    assert [s.get("data-status") for s in sections] == ["ok", "partial", "failed", "pending"]
    failed = root.get_element_by_id("page-3")
    assert "CUDA out of memory" in failed.text_content()
    assert not root.get_element_by_id("page-1").xpath(".//div[@class='page-status']")


def test_control_characters_are_dropped() -> None:
    block = ParagraphBlock(id="p", page=1, order=0, text="a\x00b\x0bc\td")
    root = parse(export(build_document([Page(number=1, status="ok", blocks=[block])])))
    assert root.get_element_by_id("page-1-block-0").text == "abc\td"
