"""Running headers, footers and page numbers: by repetition and by the model's own classes."""

from __future__ import annotations

from docparse.document import analyse
from docparse.document.furniture import page_number_value, shape
from tests.document.builders import LEFT, RIGHT, PageBuilder, document


def labels(doc_pages: list[PageBuilder]) -> list[tuple[int, int, str, str]]:
    structure = analyse(document(*doc_pages))
    return [(lb.page, lb.order, lb.label, lb.source) for lb in structure.labels]


def test_repetition_with_varying_numbers() -> None:
    pages = [
        PageBuilder(n)
        .para(f"Quarterly report {2024} — section {n}", y=(30, 42))
        .para("Body text that differs on every page " + "x" * n, y=(100, 300))
        .para(f"- {n + 10} -", y=(760, 772))
        for n in (1, 2, 3)
    ]
    assert labels(pages) == [
        (n, o, lab, "repetition") for n in (1, 2, 3) for o, lab in ((0, "header"), (2, "page_number"))
    ]


def test_model_classes_are_labels_even_on_one_page() -> None:
    page = PageBuilder(1).header("Running head").para("Body.").footer("Foot").page_number("1")
    assert labels([page]) == [(1, 0, "header", "model"), (1, 2, "footer", "model"), (1, 3, "page_number", "model")]


def test_model_class_and_repetition_agree() -> None:
    pages = [PageBuilder(n).para("Body.").footer("ACME Corp confidential") for n in (1, 2)]
    assert labels(pages) == [(1, 1, "footer", "model+repetition"), (2, 1, "footer", "model+repetition")]


def test_mirrored_headers_on_facing_pages() -> None:
    pages = [PageBuilder(n).add_text("A Book Title", LEFT if n % 2 else RIGHT, (30, 42)) for n in (1, 2, 3, 4)]
    assert [lab for _, _, lab, _ in labels(pages)] == ["header"] * 4


def test_no_labels_without_repetition_or_outside_the_bands() -> None:
    once = [PageBuilder(1).para("Only once at the top", y=(30, 42)), PageBuilder(2).para("Something else", y=(30, 42))]
    assert labels(once) == []
    middle = [PageBuilder(n).para("Repeated in the middle of the page", y=(380, 400)) for n in (1, 2, 3)]
    assert labels(middle) == []
    drift = [PageBuilder(1).para("Same text", y=(30, 42)), PageBuilder(2).para("Same text", y=(80, 92))]
    assert labels(drift) == []


def test_a_constant_number_is_a_footer_not_a_page_number() -> None:
    pages = [PageBuilder(n).para("2024", y=(760, 772)) for n in (1, 2)]
    assert [lab for _, _, lab, _ in labels(pages)] == ["footer", "footer"]


def test_tables_and_lists_are_never_furniture() -> None:
    pages = [PageBuilder(n).lst(["same item"], y=(20, 60)) for n in (1, 2)]
    assert labels(pages) == []


def test_shape_and_page_number_value() -> None:
    assert shape("Page  12 of 40") == shape("page 3 of 40") == "page # of #"
    assert shape("Chapter iv") == "chapter #"
    assert [
        page_number_value(t) for t in ("7", "- 7 -", "Page 7 of 9", "7 / 9", "vii", "p. 12", "Seven", "7 apples")
    ] == [
        "7",
        "7",
        "7",
        "7",
        "vii",
        "12",
        None,
        None,
    ]
