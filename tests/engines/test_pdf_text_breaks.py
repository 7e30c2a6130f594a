"""Words the ``pdf-text`` engine must not split: a word hyphenated at the end of one element and
finished in the element under it, a word hyphenated at the line end of one of two parallel
columns MuPDF read as one block, and a footnote's first word right after its raised mark — on
PDFs made in ``tmp_path``, and the pure rules behind them."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from docparse.engines.pdf_text_breaks import join_broken_words
from docparse.engines.pdf_text_layout import Element, Item
from docparse.engines.pdf_text_rows import Box, Row, attach_fragments, merge_rows, union
from docparse.engines.pdf_text_scripts import raised_marker
from tests.engines.pdf_text_helpers import elements, run


def _p(box: tuple[float, float, float, float], text: str) -> Element:
    return Element("p", box, text=text)


def test_hyphenated_word_across_elements_is_joined() -> None:
    head = _p((57, 410, 292, 422), "[5] A talk at this confer-")
    rest = _p((72, 421, 292, 477), "ence, presented at IPAC.")
    (joined,) = join_broken_words([head, rest], 10.0)
    assert joined.text == "[5] A talk at this conference, presented at IPAC."
    assert joined.box == (57, 410, 292, 477)


def test_list_item_continued_by_a_paragraph() -> None:
    items = Element("ul", (94, 594, 540, 605), items=[Item((94, 594, 540, 605), "pari-dev: suggestions, tech-")])
    rest = _p((72, 608, 540, 631), "nical questions.")
    (joined,) = join_broken_words([items, rest], 10.0)
    assert joined.items[-1][1] == "pari-dev: suggestions, technical questions."


def test_a_word_broken_again_in_the_folded_element_keeps_joining() -> None:
    """Three elements, two line-end breaks: the element folded in ends in a broken word too."""
    first = _p((50, 100, 250, 110), "a talk at the confer-")
    second = _p((50, 111, 250, 121), "ence on tech-")
    third = _p((50, 122, 250, 132), "nical things")
    (joined,) = join_broken_words([first, second, third], 10.0)
    assert joined.text == "a talk at the conference on technical things"
    assert joined.box == (50, 100, 250, 132)


def test_compounds_far_elements_and_other_columns_stay_apart() -> None:
    compound = [_p((50, 100, 250, 110), "a talk by Jean-"), _p((50, 111, 250, 121), "Pierre and others")]
    assert len(join_broken_words(compound, 10.0)) == 2
    far = [_p((50, 100, 250, 110), "a confer-"), _p((50, 140, 250, 150), "ence starts")]
    assert len(join_broken_words(far, 10.0)) == 2
    beside = [_p((50, 100, 250, 110), "a confer-"), _p((300, 111, 500, 121), "ence starts")]
    assert len(join_broken_words(beside, 10.0)) == 2


def test_raised_marker_rule() -> None:
    word = (139.1, 711.3, 280.6, 719.2)
    assert raised_marker((136.4, 709.9, 138.6, 715.8), "1", word, "Normally")
    assert raised_marker((136.4, 709.9, 138.6, 715.8), "†", word, "Also")
    assert not raised_marker((136.4, 714.0, 138.6, 720.5), "2", word, "O")  # a subscript: Cu₂O
    assert not raised_marker((136.4, 709.9, 138.6, 715.8), "x", word, "y")  # not a mark
    assert not raised_marker((136.4, 709.9, 138.6, 715.8), "1", word, "(a)")  # no word after it
    assert not raised_marker((136.4, 711.3, 138.6, 719.2), "1", word, "Also")  # same size and baseline


def test_a_raised_mark_in_its_own_piece_of_a_row_stays_apart_from_the_word() -> None:
    """MuPDF may give the mark and the footnote's text as two rows of one line: merged, they keep
    the space the mark's raised baseline stands for (``_joined``)."""
    mark = Row((136.4, 709.9, 138.6, 715.8), "1", 6.0, False, block=3)
    text = Row((139.1, 711.3, 280.6, 719.2), "Normally the field", 8.0, False, block=3)
    (row,) = merge_rows([mark, text])
    assert row.text == "1 Normally the field"


def test_footnote_mark_is_not_glued_to_the_first_word(tmp_path: Path) -> None:
    path = tmp_path / "note.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=600)
    font = pymupdf.Font("helv")
    tw = pymupdf.TextWriter(page.rect)
    tw.append((40, 100), "Body text of the page with a note.", font=font, fontsize=10)
    _, end = tw.append((40, 500), "1", font=font, fontsize=6)
    tw.append((end.x + 0.3, 503), "Normally pronounced as written.", font=font, fontsize=8)
    tw.write_text(page)
    doc.save(path)
    html, _ = run(path)
    assert [el.text_content() for el in elements(html)][-1] == "1 Normally pronounced as written."


def test_paragraph_split_between_two_text_blocks_joins_its_broken_word(tmp_path: Path) -> None:
    path = tmp_path / "hanging.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=600)
    page.insert_text((40, 100), "[5] A. Alpha, An interesting talk at this confer-", fontsize=10)
    rest = "<p style='font-size:10pt;margin:0'>ence, presented at IPAC.</p>"
    page.insert_htmlbox(pymupdf.Rect(55, 101.5, 400, 140), rest)  # a text block of its own
    doc.save(path)
    html, _ = run(path)
    texts = " ".join(el.text_content() for el in elements(html))
    assert "conference, presented" in texts


HELV = pymupdf.Font("helv")
LEFT = [
    "Lorem ipsum dolor sit amet, consectetur adip-",
    "iscing elit. Sed egestas, dolor sed malesuada",
    "ultrices, nulla orci suscipit massa, a feugiat",
    "neque dolor eu augue.",
]
RIGHT = [
    "Quisque vestibulum tincidunt sem, a egestas",
    "nulla luctus eget. Proin sodales aliquet fe-",
    "lis. Vestibulum ante ipsum primis in faucibus",
]


def _justified(tw: pymupdf.TextWriter, x: float, y: float, text: str, width: float, last: bool) -> None:
    """One line of ``text`` at 9 pt, its words spread over ``width`` (a paragraph's last line: not)."""
    words = text.split()
    lengths = [HELV.text_length(w, fontsize=9) for w in words]
    stretch = not last and len(words) > 1
    gap = (width - sum(lengths)) / (len(words) - 1) if stretch else HELV.text_length(" ", fontsize=9)
    for word, length in zip(words, lengths, strict=True):
        tw.append((x, y), word, font=HELV, fontsize=9)
        x += length + gap


def _parallel_columns(path: Path, left: list[str], right: list[str], across: tuple[str, ...] = ()) -> Path:
    """Two justified columns written a line of each at a time, as a parallel edition is (MuPDF
    reads them as one text block), and the lines of a paragraph ``across`` both under them."""
    doc = pymupdf.open()
    page = doc.new_page(width=460, height=600)
    tw = pymupdf.TextWriter(page.rect)
    y = 60.0
    for k in range(max(len(left), len(right))):
        for x, column in ((40, left), (240, right)):
            if k < len(column):
                _justified(tw, x, y, column[k], 183, k == len(column) - 1)
        y += 11
    for k, line in enumerate(across):
        _justified(tw, 40, y + 2 + 11 * k, line, 383, k == len(across) - 1)
    tw.write_text(page)
    doc.save(path)
    with pymupdf.open(path) as done:  # the precondition: one text block holds every line
        assert len(done[0].get_text("dict")["blocks"]) == 1
    return path


def test_parallel_columns_over_a_paragraph_across_both_keep_their_words(tmp_path: Path) -> None:
    """The last lines of two parallel columns and the paragraph under both in one text block
    (eledpar's pages): the columns are cut from the paragraph and from each other, so each
    word hyphenated at a column's line end is joined to its own rest, not to the other
    column's line (``adip- Quisque``, ``fe-ultrices``)."""
    across = ("A paragraph under both columns runs across the gutter between the two of them, then", "ends.")
    path = _parallel_columns(tmp_path / "parallel.pdf", LEFT, [*RIGHT, "orci luctus et ultrices."], across)
    html, _ = run(path)
    assert [el.text_content() for el in elements(html)] == [
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed egestas, dolor sed malesuada"
        " ultrices, nulla orci suscipit massa, a feugiat neque dolor eu augue.",
        "Quisque vestibulum tincidunt sem, a egestas nulla luctus eget. Proin sodales aliquet felis."
        " Vestibulum ante ipsum primis in faucibus orci luctus et ultrices.",
        "A paragraph under both columns runs across the gutter between the two of them, then ends.",
    ]


def test_a_parallel_column_ending_in_a_one_word_line_keeps_its_words(tmp_path: Path) -> None:
    """A column of two full lines and a paragraph's one-word last line (``lis.``; eledpar's
    ``Curae;``) beside a longer one: still a column of its own."""
    path = _parallel_columns(tmp_path / "short.pdf", LEFT, [*RIGHT[:2], "lis."])
    html, _ = run(path)
    assert [el.text_content() for el in elements(html)] == [
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed egestas, dolor sed malesuada"
        " ultrices, nulla orci suscipit massa, a feugiat neque dolor eu augue.",
        "Quisque vestibulum tincidunt sem, a egestas nulla luctus eget. Proin sodales aliquet felis.",
    ]


def test_index_stacked_under_an_exponent_stays_with_its_row() -> None:
    """``L_p^{(r)}`` in a refcard line: MuPDF puts the index ``p``, set under ``(r)``, in the
    block of the next column; it joins its row's block (pari's refcard-ell)."""
    spans = [((295.2, 432.2, 367.7, 439.3), "p-adic L function L"), ((367.7, 428.4, 377.8, 434.6), "(r)")]
    line = Row((295.2, 428.4, 377.8, 439.3), "p-adic L function L(r)", 8.0, False, block=5, spans=spans)
    index = Row((367.7, 434.5, 371.8, 440.7), "p", 7.0, False, block=6, spans=[((367.7, 434.5, 371.8, 440.7), "p")])
    name = Row((422.7, 431.8, 540.0, 439.5), "ellpadicL(E, p, n)", 8.0, False, block=6)
    attach_fragments([line, index, name])
    assert (index.block, name.block) == (5, 6)
    (row,) = merge_rows([line, index])
    assert row.text == "p-adic L function L(r)p"
    far = Row((300.0, 434.5, 304.1, 440.7), "p", 7.0, False, block=6, spans=[((300.0, 434.5, 304.1, 440.7), "p")])
    attach_fragments([line, far])  # under the start of the row, under no exponent: not an index of it
    assert far.block == 6


def _stacked_formula(path: Path) -> None:
    """``M = ig_Z^2(4E) + l_i^2)`` as TeX sets it: each pair of scripts one above the other at
    one x, the superscript first in the content stream for ``g``, the subscript for ``l``."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=300)
    font = pymupdf.Font("helv")
    tw = pymupdf.TextWriter(page.rect)
    tw.append((40, 60), "Some body text of the page, set in a paragraph.", font=font, fontsize=10)
    _, end = tw.append((100, 120), "M = ig", font=font, fontsize=10)
    _, sup = tw.append((end.x, 116), "2", font=font, fontsize=7)
    _, sub = tw.append((end.x, 123), "Z", font=font, fontsize=7)
    _, end = tw.append((max(sup.x, sub.x) + 1, 120), "(4E) + l", font=font, fontsize=10)
    _, sub = tw.append((end.x, 123), "i", font=font, fontsize=7)
    _, sup = tw.append((end.x, 116), "2", font=font, fontsize=7)
    tw.append((max(sup.x, sub.x) + 0.5, 120), ")", font=font, fontsize=10)
    tw.write_text(page)
    doc.save(path)


def test_a_formula_row_cut_at_stacked_scripts_is_read_in_order(tmp_path: Path) -> None:
    """MuPDF ends a line (and a block) at a script stacked over another and starts the next one
    with the other script: the row is put back together, each script once, the two stacked
    ones apart (aipsamp's ``M = ig_Z^2 (4E_1E_2)^{1/2} (l_i^2)^{-1}``)."""
    path = tmp_path / "stacked.pdf"
    _stacked_formula(path)
    html, _ = run(path)
    texts = [el.text_content() for el in elements(html)]
    assert texts[-1] == "M = ig2 Z(4E) + li 2)"


Span = tuple[Box, str]


def _row(spans: list[Span], *, box: Box | None = None, size: float = 10.0, block: int = 1) -> Row:
    """A line of ``spans`` (its box their union unless given: MuPDF's line box may be wider)."""
    return Row(box or union(b for b, _ in spans), "".join(t for _, t in spans), size, False, block=block, spans=spans)


def _ending_in_a_superscript() -> Row:
    """A formula line of block 1 ending in the superscript of ``g_Z^2``."""
    return _row([((100.0, 109.2, 127.5, 123.0), "M = ig"), ((127.5, 108.5, 131.4, 118.1), "2")])


def test_a_line_starting_under_the_script_ending_a_line_of_another_block_joins_it() -> None:
    """``attach_fragments``: the line that starts with the subscript set under the superscript
    ending a line of another block (the two overlapping by a script's width) joins that block."""
    left = _ending_in_a_superscript()
    right = _row(
        [((127.5, 115.5, 131.8, 125.1), "Z"), ((132.8, 109.2, 165.3, 123.0), "(4E)")],
        box=(127.5, 109.2, 166.9, 125.1),
        block=2,
    )
    attach_fragments([left, right])
    assert right.block == 1
    beside = _row([((128.0, 109.2, 166.9, 123.0), "(4E)")], block=2)
    attach_fragments([left, beside])  # text of the row's size over the 2, not a script under it
    assert beside.block == 2


def test_stacked_scripts_where_two_pieces_meet_are_read_one_after_the_other() -> None:
    """``merge_rows``: a piece that starts under the superscript ending the piece before it (the
    subscript of one base) is read after it, a space between the two; the lower one first
    where it starts further left (``l_i^2`` in an italic font); no symbol twice."""
    first = _ending_in_a_superscript()
    second = _row(
        [
            ((127.5, 115.5, 131.8, 125.1), "Z"),
            ((132.8, 109.2, 165.3, 123.0), "(4E) + l"),
            ((165.3, 115.5, 166.9, 125.1), "i"),
        ]
    )
    third = _row([((165.5, 108.5, 169.2, 118.1), "2"), ((169.7, 109.2, 173.0, 123.0), ")")])
    (row,) = merge_rows([first, second, third])
    assert row.text == "M = ig2 Z(4E) + li 2)"


def test_the_stacked_script_read_second_stays_apart_from_the_next_word() -> None:
    """``merge_rows``: ``a^†_x a_x`` (elstest's Hamiltonian), MuPDF's line ending at the dagger and
    the next one starting with the index under it: that index, read after the dagger, is not
    glued to the row's next word (``a† x ax``, not ``a† xax``)."""
    first = _row(
        [((90.0, 719.2, 99.7, 729.1), "ω "), ((105.6, 719.5, 110.6, 729.5), "a"), ((110.6, 717.3, 114.1, 724.3), "†")],
        box=(90.0, 717.2, 114.1, 730.4),
    )
    second = _row(
        [((110.9, 724.3, 114.0, 731.3), "x"), ((114.6, 719.5, 119.6, 729.5), "a"), ((119.9, 723.3, 123.0, 730.3), "x")],
        box=(110.9, 719.5, 123.0, 731.3),
        size=7.0,
    )
    (row,) = merge_rows([first, second])
    assert row.text == "ω a† x ax"


def test_a_line_under_a_row_joins_it_not_for_a_tall_glyph() -> None:
    """``merge_rows``: a tall delimiter (``/`` of ``γ/2``) stretches the box of the piece of a
    line it starts up into the line above, by more than half that line's height; the piece still
    stands under the line above (its text on other heights), not beside it: it joins the rest of
    its own line (elstest's ``simply`` / ``given by``, read as ``simplygiven`` before)."""
    above = _row([((306.6, 383.3, 557.7, 393.2), "ton. At resonance, the width is simply")])
    tail = _row(
        [((402.0, 387.9, 411.4, 404.7), "/"), ((411.4, 395.2, 557.7, 405.2), "2. Where γ is the QE and")],
        box=(402.0, 387.9, 557.7, 406.7),
    )
    head = _row([((306.6, 395.2, 401.5, 405.2), "given by γ = γ1")], box=(306.6, 394.8, 401.5, 405.9))
    rows = merge_rows([above, tail, head])
    assert [r.text for r in rows] == [
        "ton. At resonance, the width is simply",
        "given by γ = γ1/2. Where γ is the QE and",
    ]
