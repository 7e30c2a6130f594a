"""Reading order across columns, on hand-made rows and elements (the real-PDF check is in
``test_pdf_text_corpus.py``)."""

from __future__ import annotations

import pytest

from docparse.engines.pdf_text_layout import Element, Row, attach_markers
from docparse.engines.pdf_text_order import gutter, reading_order
from docparse.engines.pdf_text_rows import split_columns


def _para(x0: float, y0: float, text: str, width: float = 240, height: float = 40) -> Element:
    return Element("p", (x0, y0, x0 + width, y0 + height), text=text)


def test_columns_are_read_one_after_the_other_despite_an_intruder() -> None:
    """A right-column paragraph whose box reaches into the gutter (a hanging marker) does not
    make the page one column read line by line."""
    left = [_para(54, 100 + 50 * k, f"left {k}") for k in range(5)]
    right = [_para(317, 100 + 50 * k, f"right {k}") for k in range(5)]
    right[2] = Element("p", (286, 200, 557, 240), text="right 2")  # starts 31 pt left of its column
    order = [e.text for e in reading_order([*right, *left])]
    assert order == [f"left {k}" for k in range(5)] + [f"right {k}" for k in range(5)]
    assert 294 <= (gutter([*left, *right]) or 0) <= 317


def test_a_full_width_title_cuts_the_page_into_bands() -> None:
    title = Element("h1", (54, 40, 557, 70), text="title")
    left = [_para(54, 100 + 50 * k, f"left {k}") for k in range(3)]
    right = [_para(317, 100 + 50 * k, f"right {k}") for k in range(3)]
    footer = Element("p", (54, 700, 557, 712), text="footer")
    order = [e.text for e in reading_order([footer, *right, title, *left])]
    assert order == ["title", "left 0", "left 1", "left 2", "right 0", "right 1", "right 2", "footer"]


def test_one_column_has_no_gutter() -> None:
    assert gutter([_para(54, 100 + 50 * k, "prose", width=500) for k in range(6)]) is None


def _row(x0: float, y0: float, text: str, block: int, width: float = 240) -> Row:
    return Row((x0, y0, x0 + width, y0 + 10), text, 10.0, False, block)


def test_a_block_read_across_parallel_columns_is_split() -> None:
    rows = [_row(54, 100 + 12 * k, f"left column line {k}", 0) for k in range(4)]
    rows += [_row(317, 100 + 12 * k, f"right column line {k}", 0) for k in range(4)]
    columns = split_columns(rows)
    assert [[r.text for r in c] for c in columns] == [
        [f"left column line {k}" for k in range(4)],
        [f"right column line {k}" for k in range(4)],
    ]


def test_a_formula_and_its_number_stay_one_block() -> None:
    rows = [_row(100, 100 + 12 * k, f"x + y = {k}", 0, width=80) for k in range(6)]
    rows += [_row(500, 100 + 12 * k, f"({k})", 0, width=12) for k in range(6)]
    assert len(split_columns(rows)) == 1


def test_an_equation_number_is_not_a_list_marker_of_the_next_column() -> None:
    number = Row((286, 561, 299, 571), "(2)", 10.0, False, 16)
    dot = Row((270, 561, 274, 571), ".", 10.0, False, 16)
    prose = Row((317, 560, 562, 570), "amsmath package. Place the tag command", 10.0, False, 71)
    attach_markers([dot, number, prose])
    assert number.block == 16
    bullet = Row((300, 560, 305, 570), "•", 10.0, False, 3)
    attach_markers([bullet, prose])
    assert bullet.block == 71  # a bullet beside its text still joins it


def test_a_margin_note_is_split_off_but_not_a_number_or_a_same_size_label() -> None:
    text = [_row(145, 100 + 12 * k, f"prose line number {k}", 0, width=350) for k in range(2)]
    note = Row((82, 112, 131, 121), "\\GCharacter", 9.0, False, 0)
    assert [[r.text for r in c] for c in split_columns([*text, note])] == [
        [r.text for r in text],
        ["\\GCharacter"],
    ]
    line_number = Row((120, 112, 130, 121), "10", 9.0, False, 0)  # no letter
    assert len(split_columns([*text, line_number])) == 1
    label = Row((82, 112, 131, 122), "Note", 10.0, False, 0)  # the text's size
    assert len(split_columns([*text, label])) == 1


def _justified_rows(x0: float, lines: list[str], block: int, last_width: float = 120) -> list[Row]:
    """Rows of a column of justified text 240 wide, its last line ``last_width`` wide."""
    widths = [240.0] * (len(lines) - 1) + [last_width]
    return [
        Row((x0, 200 + 12 * k, x0 + w, 210 + 12 * k), t, 10.0, False, block)
        for k, (t, w) in enumerate(zip(lines, widths, strict=True))
    ]


def test_justified_columns_under_a_row_across_them_are_cut_apart() -> None:
    """A row running across the gutter over two justified columns, one of them ending in a
    one-word line, all in one block: the row, then each column."""
    across = Row(
        (54, 186, 557, 196), "A line across both columns over them, as a heading set in the block", 10.0, False, 0
    )
    left = _justified_rows(54, ["left column line one of prose", "left column line two of prose", "ends here."], 0)
    right = _justified_rows(317, ["right column line one of prose", "right column line two of prose", "ends."], 0, 30)
    columns = split_columns([across, *left, *right])
    assert [[r.text for r in c] for c in columns] == [[across.text], [r.text for r in left], [r.text for r in right]]


def test_a_reference_card_under_its_heading_is_not_cut_in_columns() -> None:
    """Commands and their descriptions, ragged on the right, under a heading across both
    (debian-refcard's shell commands): read row by row, not as two columns; nor a table of
    numbers, right-aligned, under its header."""
    heading = Row((54, 186, 400, 196), "Important Shell Commands of the system", 10.0, False, 0)
    commands = ["cat files", "cd directory", "cp files dest", "echo string"]
    described = [
        "Print files to screen.",
        "Change to directory.",
        "Copy files and directories.",
        "Echo string to screen.",
    ]
    rows = [heading]
    for k, (c, d) in enumerate(zip(commands, described, strict=True)):
        rows.append(Row((54, 200 + 12 * k, 54 + 9 * len(c), 210 + 12 * k), c, 10.0, False, 0))
        rows.append(Row((200, 200 + 12 * k, 200 + 6 * len(d), 210 + 12 * k), d, 10.0, False, 0))
    assert len(split_columns(rows)) == 1
    header = Row((54, 186, 400, 196), "Sample size and the measured mean in each group", 10.0, False, 0)
    numbers = [header]
    for k in range(5):
        numbers.append(Row((100, 200 + 12 * k, 140, 210 + 12 * k), f"{k}0.5", 10.0, False, 0))
        numbers.append(Row((300, 200 + 12 * k, 340, 210 + 12 * k), f"{k}.25", 10.0, False, 0))
    assert len(split_columns(numbers)) == 1


def test_a_block_of_thousands_of_rows_is_searched_for_bands_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A block of 1,000 lines, ragged prose beside a column of numbers (no columns of prose, no
    justified ones): the search for rows across columns tries at most ``2 x BAND_MAX_ROWS`` cuts,
    each a pass over the rows — not one per row (a dense page's block cost seconds that way)."""
    from docparse.engines import pdf_text_rows

    calls = [0]
    real = pdf_text_rows._x_groups

    def counted(rows: list[Row]) -> list[list[Row]]:
        calls[0] += 1
        return real(rows)

    monkeypatch.setattr(pdf_text_rows, "_x_groups", counted)
    rows = []
    for k in range(1000):
        words = "a few words" if k % 2 else "two words here and more"
        rows.append(Row((54, 12 * k, 54 + 7 * len(words), 12 * k + 10), words, 10.0, False, 0))
        rows.append(Row((400, 12 * k, 430, 12 * k + 10), f"{k}", 10.0, False, 0))
    assert len(split_columns(rows)) == 1
    assert 2 < calls[0] <= 2 * pdf_text_rows.BAND_MAX_ROWS + 1  # (and the first split)
    calls[0] = 0  # a column of prose, no row beside another: no search at all
    prose = [Row((54, 12 * k, 400, 12 * k + 10), "two words here and more", 10.0, False, 0) for k in range(100)]
    assert len(split_columns(prose)) == 1
    assert calls[0] == 1
