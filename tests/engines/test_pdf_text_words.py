"""The ``pdf-text`` engine loses no word: ligatures, line-end hyphens, implicit word gaps,
accents set as glyphs of their own, scripts and inline math — on PDFs made in ``tmp_path``,
and the pure rules behind them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docparse.engines.pdf_text_chars import expand_ligatures, line_spans, math_font, math_share
from docparse.engines.pdf_text_hyphens import join_rows, soft_break, vocabulary
from docparse.engines.pdf_text_rows import Row, merge_rows
from docparse.engines.pdf_text_scripts import script_space
from tests.engines.pdf_text_helpers import elements, run

HELV = pymupdf.Font("helv")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "pdf-text-corpus"


def write(path: Path, lines: list[tuple[tuple[float, float], str, float]], font: pymupdf.Font = HELV) -> Path:
    """A one-page PDF with each ``(point, text, size)`` written by a TextWriter."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=600)
    tw = pymupdf.TextWriter(page.rect)
    for point, text, size in lines:
        tw.append(point, text, font=font, fontsize=size)
    tw.write_text(page)
    doc.save(path)
    return path


def texts(path: Path) -> list[str]:
    html, _ = run(path)
    return [el.text_content() for el in elements(html)]


def test_ligature_glyphs_become_letters(tmp_path: Path) -> None:
    path = write(tmp_path / "lig.pdf", [((40, 60), "Deﬁnition of the ﬂow: ﬀ, ﬃ and ﬄ, ﬅ, ﬆ.", 11)])
    with pymupdf.open(path) as doc:  # the precondition: the text layer carries ligature code points
        assert "ﬁ" in doc[0].get_text("text", flags=pymupdf.TEXT_PRESERVE_LIGATURES)
    assert texts(path) == ["Definition of the flow: ff, ffi and ffl, st, st."]


def test_expand_ligatures_and_presentation_forms() -> None:
    assert expand_ligatures("ﬁle ﬂat oﬀ oﬃce waﬄe") == "file flat off office waffle"
    assert expand_ligatures("\ufef5") == "\u0644\u0622"  # lam-alef with madda, as its two letters
    assert expand_ligatures("﴾١﴿") == "﴾١﴿"  # ornate parentheses are characters, not shapes


PARAGRAPH = [
    "Lorem ipsum dolor sit amet, con-",
    "sectetur adip-",
    "iscing elit. A well-",
    "known, self-",
    "contained and state-of-the-",
    "art result of Jean-",
    "Pierre from 1990-",
    "1995 on e-",
    "mail, as said in the",
    "well-known story of a non-",
    "linear pro\u00ad",
    "cess with an x-",
    "axis and some drama -",
    "here.",
]


def _paragraph(path: Path, rows: Sequence[str]) -> str:
    """The one text element of a page of ``rows`` set one under the other."""
    (text,) = texts(write(path, [((40, 60 + 13 * k), row, 10) for k, row in enumerate(rows)]))
    return text


def test_line_end_hyphens_joined_compounds_kept(tmp_path: Path) -> None:
    text = _paragraph(tmp_path / "hyphens.pdf", PARAGRAPH)
    assert text == (
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. A well-known, self-contained and "
        "state-of-the-art result of Jean-Pierre from 1990-1995 on e-mail, as said in the well-known story "
        "of a nonlinear process with an x-axis and some drama - here."
    )


CAPITALS = [
    "THE COPYRIGHT HOLDER OR HOLD-",
    "ERS SHALL NOT BE LIABLE FOR ANY IN-",
    "DIRECT DAMAGES OR SELF-",
    "CONTAINED ONES.",
]


def test_words_of_capitals_hyphenated_at_line_ends_are_joined(tmp_path: Path) -> None:
    """A licence set in capitals: ``HOLD-``/``ERS`` is the word ``HOLDERS``; ``SELF-`` stays a compound."""
    text = _paragraph(tmp_path / "capitals.pdf", CAPITALS)
    assert (
        text == "THE COPYRIGHT HOLDER OR HOLDERS SHALL NOT BE LIABLE FOR ANY INDIRECT DAMAGES OR SELF-CONTAINED ONES."
    )


MARGIN_NOTE = [
    "Grouped characters are set in a group",
    "environment. Inside it the char-",
    "acters are defined by a command whose",
    "syntax is the same as for the others.",
]


def test_a_margin_note_beside_a_hyphenated_word_stays_out_of_it(tmp_path: Path) -> None:
    """A note set smaller in the margin, on the row of ``acters`` (``\\GCharacter`` in the
    dramatist manual): MuPDF puts it in the paragraph's block; it is read on its own, and
    ``char-``/``acters`` is the word ``characters``."""
    lines = [((145, 60 + 12 * k), text, 10) for k, text in enumerate(MARGIN_NOTE)]
    path = write(tmp_path / "note.pdf", [*lines, ((82, 84), "\\GCharacter", 9)])
    with pymupdf.open(path) as doc:  # the precondition: one block holds the note and the text
        assert len(doc[0].get_text("dict")["blocks"]) == 1
    assert sorted(texts(path)) == [
        "Grouped characters are set in a group environment. Inside it the characters are defined by a command"
        " whose syntax is the same as for the others.",
        "\\GCharacter",
    ]


@pytest.mark.parametrize(
    ("left", "right", "words", "verdict"),
    [
        ("adip-", "iscing", frozenset(), True),
        ("pro\u00ad", "cess", frozenset(), True),
        ("well-", "known", frozenset(), False),  # a compound prefix
        ("co-", "operate", frozenset({"co-operate"}), False),  # the page writes it hyphenated
        ("co-", "operate", frozenset({"cooperate"}), True),  # the page writes it joined
        ("Jean-", "Pierre", frozenset(), False),
        ("e-", "mail", frozenset(), False),
        ("ISO-", "standard", frozenset(), False),
        ("HOLD-", "ERS INCLUDED", frozenset(), True),  # a word of capitals broken by hyphenation
        ("SPECIAL IN-", "DIRECT", frozenset(), True),
        ("SELF-", "CONTAINED", frozenset(), False),  # still a compound prefix
        ("X-", "RAY", frozenset(), False),  # one letter
        ("COVID-", "19", frozenset(), False),
        ("1990-", "1995", frozenset(), False),
        ("drama -", "here", frozenset(), None),
        ("plain", "text", frozenset(), None),
    ],
)
def test_soft_break_rule(left: str, right: str, words: frozenset[str], verdict: bool | None) -> None:
    assert soft_break(left, right, words) is verdict


def test_vocabulary_ignores_line_end_fragments() -> None:
    assert vocabulary(["a well-known co-", "operative test"]) == {"a", "well-known", "operative", "test"}


@settings(deadline=None, max_examples=200)
@given(st.lists(st.text(alphabet="abcXY -\u00ad1", min_size=1, max_size=12), min_size=1, max_size=6))
def test_join_rows_never_loses_a_letter(rows: list[str]) -> None:
    """Joining only removes hyphens and adds spaces: every letter and digit is kept, in order."""
    joined = join_rows(rows)

    def letters(text: str) -> str:
        return "".join(c for c in text if c.isalnum())

    assert letters(joined) == letters("".join(rows))


def test_implicit_word_gaps_become_spaces(tmp_path: Path) -> None:
    """Words placed apart without a space character (as TeX writes them) keep their gap."""
    font_size, x = 11, 40.0
    lines = []
    for word in ["Words", "placed", "apart", "without", "spaces"]:
        lines.append(((x, 60), word, font_size))
        x += HELV.text_length(word, fontsize=font_size) + 0.3 * font_size
    assert texts(write(tmp_path / "gaps.pdf", lines)) == ["Words placed apart without spaces"]


def _char(c: str, x0: float, x1: float) -> dict[str, object]:
    return {"c": c, "bbox": (x0, 100.0, x1, 110.0)}


def test_right_to_left_run_keeps_logical_order_and_gaps() -> None:
    """MuPDF reports right-to-left text in logical order, glyph boxes running leftwards."""
    hebrew = [_char("ש", 200, 206), _char("ל", 195, 200), _char("ו", 192, 195), _char("ם", 186, 192)]
    hebrew += [_char("ע", 176, 182), _char("ו", 173, 176), _char("ל", 168, 173), _char("ם", 162, 168)]
    line = {"dir": (1.0, 0.0), "spans": [{"size": 10.0, "bbox": (162, 100, 206, 110), "chars": hebrew}]}
    ((_, text, _),) = line_spans(line)
    assert text == "שלום עולם"


def _rtl_line(*spans: list[dict[str, object]]) -> dict[str, object]:
    return {"dir": (1.0, 0.0), "spans": [{"size": 10.0, "bbox": (100, 100, 500, 110), "chars": c} for c in spans]}


def test_a_space_a_font_wrote_for_a_cluster_of_marks_is_not_a_word_break() -> None:
    """XeTeX's Ezra SIL writes the holam-vav of ``תְהוֹם`` as a space as wide as the glyph, then
    the accent, the vav and the holam with no width: one word, not ``תְה ֑וֹם``."""
    word = [_char("ת", 471.5, 477.4), _char("\u05b0", 471.5, 471.5), _char("ה", 465.5, 471.5)]
    cluster = [_char(c, 462.5, 462.5) for c in "\u0591\u05d5\u05b9"] + [_char("ם", 456.6, 462.5)]
    text = "".join(t for _, t, _ in line_spans(_rtl_line(word, [_char(" ", 462.5, 465.5)], cluster)))
    assert text == unicodedata.normalize("NFC", "תְה\u0591וֹם")


@pytest.mark.parametrize(
    ("before", "mark", "after", "expected"),
    [
        ("ח", "\u05b7", "א", "חַ א"),  # a furtive patah ends רוּחַ; the next word starts with alef
        ("ل", "\u0650", "ا", "لِ ا"),  # an Arabic case ending, set after the space by the font
        ("م", "\u0650", "\ufd3f", "مِ \ufd3f"),  # a verse's last vowel, before its number (Amiri's Quran)
        ("ن", "\u064e", "\u060c", "نَ \u060c"),  # the same before an Arabic comma
    ],
)
def test_marks_a_font_set_after_a_word_space_end_the_previous_word(
    before: str, mark: str, after: str, expected: str
) -> None:
    """The letter after the marks has a width: the space is a word space, and the marks it
    precedes belong to the letter before it."""
    chars = [_char(before, 435.6, 441.6), _char(" ", 432.7, 435.6), _char(mark, 432.7, 432.7)]
    chars.append(_char(after, 427.4, 432.7))
    assert "".join(t for _, t, _ in line_spans(_rtl_line(chars))) == unicodedata.normalize("NFC", expected)


@pytest.mark.parametrize("space", ["\u200a", "\u2009", " "])  # as MuPDF reads them, and a flagless extraction
def test_a_space_narrower_than_a_word_gap_after_a_mark_is_not_a_word_break(space: str) -> None:
    """The same font writes a hair space 0.05 em wide after the meteg of ``וַֽיְהִי`` (the
    reledmac manual, page 1): one word, not ``וַֽ יְהִי``."""
    cluster = [_char("ו", 428.79, 431.82), _char("\u05b7", 428.79, 428.79), _char("\u05bd", 428.79, 428.79)]
    rest = [_char(space, 428.36, 428.79), _char("י", 425.33, 428.36), _char("\u05b0", 425.33, 425.33)]
    rest += [_char("ה", 419.29, 425.33), _char("\u05b4", 419.29, 419.29), _char("י", 416.27, 419.29)]
    line = {"dir": (1.0, 0.0), "spans": [{"size": 13.0, "bbox": (416, 100, 432, 110), "chars": cluster + rest}]}
    assert "".join(t for _, t, _ in line_spans(line)) == unicodedata.normalize("NFC", "וַֽיְהִי")


@pytest.mark.parametrize(
    ("chars", "expected"),
    [
        # a space a word gap wide after a mark: two words (a furtive patah ends the first)
        ([("ח", 440, 446), ("\u05b7", 440, 440), (" ", 437, 440), ("א", 431, 437)], "חַ א"),
        # a narrow space after a mark before a letter of another script: left alone
        ([("ח", 440, 446), ("\u05b7", 440, 440), (" ", 439.6, 440), ("a", 433, 439.6)], "חַ a"),
        # a narrow space after a mark before a digit: left alone
        ([("ح", 440, 446), ("\u064e", 440, 440), (" ", 439.6, 440), ("3", 433, 439.6)], "حَ 3"),
        # Arabic: a narrow space after a mark is a word space (the rule is Hebrew's)
        ([("ن", 440, 446), ("\u064e", 440, 440), (" ", 439.6, 440), ("ك", 433, 439.6)], "نَ ك"),
        # a no-break space after a Hebrew mark: a word space as written
        ([("ח", 440, 446), ("\u05b7", 440, 440), ("\u00a0", 439.6, 440), ("א", 433, 439.6)], "חַ א"),
    ],
)
def test_word_spaces_after_marks_stay(chars: list[tuple[str, float, float]], expected: str) -> None:
    line = _rtl_line([_char(c, x0, x1) for c, x0, x1 in chars])
    assert "".join(t for _, t, _ in line_spans(line)) == unicodedata.normalize("NFC", expected)


def test_a_latin_word_space_after_a_combining_accent_stays() -> None:
    """``é`` written as ``e`` + U+0301, then a tight 0.1 em space: two words."""
    chars = [_char("e", 10, 15), _char("\u0301", 15, 15), _char(" ", 15, 16), _char("a", 16, 21)]
    line = {"dir": (1.0, 0.0), "spans": [{"size": 10.0, "bbox": (10, 100, 21, 110), "chars": chars}]}
    assert "".join(t for _, t, _ in line_spans(line)) == "\u00e9 a"


def test_a_vowel_sign_shown_on_its_own_before_a_comma_stays_where_it_is() -> None:
    """A script's documentation listing its vowel signs (``ة َ، ُ،``): marks with a width are
    shown on their own, not a word's displaced ending."""
    chars = [_char("ة", 440, 446), _char(" ", 436, 440), _char("\u064e", 432, 436), _char("\u060c", 429, 432)]
    line = _rtl_line(chars)
    assert "".join(t for _, t, _ in line_spans(line)) == "ة \u064e\u060c"


def test_a_word_space_before_a_verse_number_stays_when_its_parenthesis_has_no_width() -> None:
    """Marks moved before punctuation set with no advance: the space is kept before it (a letter
    with no width would continue the word)."""
    chars = [_char("م", 440, 446), _char(" ", 436, 440), _char("\u0650", 436, 436), _char("\ufd3f", 436, 436)]
    chars.append(_char("\u0663", 430, 436))
    line = _rtl_line(chars)
    assert "".join(t for _, t, _ in line_spans(line)) == unicodedata.normalize("NFC", "مِ \ufd3f\u0663")


@pytest.mark.parametrize(
    "chars",
    [
        # a mark shown on its own before a closing quote, as documentation of a script does
        [("ب", 440, 446), (" ", 436, 440), ("\u064e", 436, 436), ("”", 432, 436)],
        # a grapheme joiner alone after a space
        [("ת", 430, 436), (" ", 427, 430), ("\u034f", 427, 427), ("ב", 421, 427)],
        # letters of two scripts around the space
        [("a", 430, 436), (" ", 427, 430), ("\u05b7", 427, 427), ("א", 421, 427)],
    ],
)
def test_other_marks_after_a_space_stay_where_they_are(chars: list[tuple[str, float, float]]) -> None:
    line = _rtl_line([_char(c, x0, x1) for c, x0, x1 in chars])
    assert "".join(t for _, t, _ in line_spans(line)) == unicodedata.normalize("NFC", "".join(c for c, _, _ in chars))


def test_spacing_accents_fold_into_their_letters() -> None:
    """TeX sets ``\\'e`` as an acute glyph over an ``e``: it reads as ``é``."""
    chars = [_char("E", 10, 17), _char("\u00b4", 18.5, 21.5), _char("e", 17.5, 22.5), _char("n", 22.5, 28)]
    line = {"dir": (1.0, 0.0), "spans": [{"size": 10.0, "bbox": (10, 100, 28, 110), "chars": chars}]}
    ((_, text, _),) = line_spans(line)
    assert text == "Eén"


def test_scripts_rejoin_their_row() -> None:
    """A superscript and a subscript MuPDF reports as lines of their own stay in their row, in order."""
    base = Row((40, 100, 80, 112), "E = mc", 11, False, math=0.2)
    sup = Row((80.5, 96, 86, 104), "2", 7, False)
    rest = Row((90, 100, 200, 112), "and x", 11, False)
    sub = Row((200.5, 106, 205, 114), "i", 7, False, math=1.0)
    (row,) = merge_rows([base, sup, rest, sub])
    assert row.text == "E = mc2 and xi"
    assert row.size == 11


def test_a_script_space_ends_the_script_word(tmp_path: Path) -> None:
    """TeX sets 0.5pt (``\\scriptspace``) after every script of a formula: ``d_1 Z`` is two
    symbols, not the word ``d1Z`` (pari's refcard-ell); a script set with no gap after it
    (``H₂O`` from a word processor) stays attached."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=600)
    tw = pymupdf.TextWriter(page.rect)
    tw.append((40, 60), "Some body text of the page, set in a paragraph.", font=HELV, fontsize=10)
    _, end = tw.append((40, 100), "the group Z/d", font=HELV, fontsize=10)
    _, end = tw.append((end.x, 102), "1", font=HELV, fontsize=7)
    _, end = tw.append((end.x + 0.5, 100), "Z of water, H", font=HELV, fontsize=10)
    _, end = tw.append((end.x, 102), "2", font=HELV, fontsize=7)
    _, end = tw.append((end.x, 100), "O, and Fe", font=HELV, fontsize=10)
    _, end = tw.append((end.x, 102), "2", font=HELV, fontsize=7)
    tw.append((end.x + 0.5, 100), "O3.", font=HELV, fontsize=10)  # upright with a script space: still one word
    tw.write_text(page)
    doc.save(tmp_path / "scripts.pdf")
    assert texts(tmp_path / "scripts.pdf")[-1] == "the group Z/d1 Z of water, H2O, and Fe2O3."


@pytest.mark.parametrize(
    ("fonts", "text"),
    [
        (("CMR10", "CMR7", "CMR10"), "H2O"),  # \mathrm{H_2O}, mhchem: a chemical formula
        (("CMMI10", "CMR7", "CMMI10"), "H2 O"),  # $H_2O$: math symbols, as TeX spaces them
        (("CMR10", "CMMI7", "CMR10"), "H2 O"),
    ],
)
def test_a_formula_of_elements_set_upright_is_one_word(fonts: tuple[str, str, str], text: str) -> None:
    def span(c: str, x0: float, size: float, base: float, font: str) -> dict[str, object]:
        box = (x0, base - 0.75 * size, x0 + 0.6 * size, base + 0.25 * size)
        return {"size": size, "font": font, "origin": (x0, base), "bbox": box, "chars": [{"c": c, "bbox": box}]}

    spans = [span("H", 10, 10, 100, fonts[0]), span("2", 16, 7, 102, fonts[1]), span("O", 20.7, 10, 100, fonts[2])]
    assert "".join(t for _, t, _ in line_spans({"dir": (1.0, 0.0), "spans": spans})) == text


def _stacked(path: Path, before: str, upper: str, lower: str, after: str) -> str:
    """The last line of a page where ``upper`` (first) and ``lower`` are set one over the other
    after ``before``, as TeX writes ``x_lower^upper``, and ``after`` follows them."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=600)
    tw = pymupdf.TextWriter(page.rect)
    tw.append((40, 60), "Some body text of the page, set in a paragraph.", font=HELV, fontsize=10)
    _, end = tw.append((40, 100), before, font=HELV, fontsize=10)
    _, sup = tw.append((end.x, 97), upper, font=HELV, fontsize=7)
    _, sub = tw.append((end.x, 101.5), lower, font=HELV, fontsize=7)
    tw.append((max(sup.x, sub.x) + 0.5, 100), after, font=HELV, fontsize=10)
    tw.write_text(page)
    doc.save(path)
    return texts(path)[-1]


def test_scripts_stacked_in_one_line_read_index_first(tmp_path: Path) -> None:
    """``ψ_n^3`` as TeX writes it, exponent first, the index under it, MuPDF keeping both in the
    line of their base (pari's refcard-ell): the index is read first, the exponent after it,
    apart (``xn 3``, not ``x3n``)."""
    assert _stacked(tmp_path / "stacked.pdf", "so P = (x", "3", "n", ") and y") == "so P = (xn 3) and y"


def test_a_prime_over_an_index_stays_on_its_base(tmp_path: Path) -> None:
    """``f'_n`` (a prime over an index) is not an exponent: it is read where it is written."""
    assert _stacked(tmp_path / "prime.pdf", "so g = f", "\u2032", "n", " here") == "so g = f\u2032n here"


def test_a_limit_under_a_big_operator_is_not_a_stacked_script() -> None:
    """Only two scripts, both smaller than the base before them, are stacked scripts: a lower
    limit set under a big operator in its line stays after it."""

    def span(text: str, x0: float, x1: float, size: float, base: float) -> dict[str, object]:
        box = (x0, base - 0.75 * size, x1, base + 0.25 * size)
        return {"size": size, "origin": (x0, base), "bbox": box, "chars": [{"c": text, "bbox": box}]}

    spans = [span("a =", 10, 25, 10, 100), span("∑", 26, 36, 14, 102), span("i", 29, 32, 7, 110)]
    assert "".join(t for _, t, _ in line_spans({"dir": (1.0, 0.0), "spans": spans})) == "a =∑i"


@pytest.mark.parametrize(
    ("script", "text", "gap", "char", "verdict"),
    [
        ((7.0, 102.0), (8.0, 100.2), 0.5, "Z", True),  # refcard-ell's d_1 Z: sizes 7 and 8
        ((7.0, 96.5), (10.0, 100.0), 0.5, "E", True),  # a superscript: (2iπ/ω_2)^k E_k
        ((7.0, 102.0), (10.0, 100.0), 0.0, "O", False),  # no gap: H₂O
        ((7.0, 102.0), (10.0, 100.0), 0.5, ")", False),  # not a symbol after it: F_q)
        ((10.0, 100.0), (10.0, 100.0), 0.5, "x", False),  # no script: a kerning gap
        ((9.5, 102.0), (10.0, 100.0), 0.5, "x", False),  # not smaller
        ((7.0, 100.5), (10.0, 100.0), 0.5, "x", False),  # the same baseline: a small-caps word
    ],
)
def test_script_space_rule(
    script: tuple[float, float], text: tuple[float, float], gap: float, char: str, verdict: bool
) -> None:
    assert script_space(script, text, gap, char) is verdict


def test_next_line_is_not_a_script() -> None:
    first = Row((40, 100, 300, 112), "a first line of prose", 11, False)
    second = Row((40, 110, 300, 122), "and a second one below", 11, False)
    assert [r.text for r in merge_rows([first, second])] == ["a first line of prose", "and a second one below"]


def test_math_fonts_and_symbols() -> None:
    assert [math_font(n) for n in ("ABCDEF+CMMI10", "CMSY7", "TeXGyreTermesMath-Regular", "rtxmi", "CMR10")] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert math_share([("CMR10", "where "), ("CMMI10", "x"), ("CMR10", " is")]) == pytest.approx(1 / 8)
    assert math_share([("Helvetica", "σ = ∑")]) == 1.0


def test_inline_math_stays_in_its_paragraph_and_display_math_is_a_formula(tmp_path: Path) -> None:
    lines = [
        ((40, 60), "Let x be the mean and y the spread of the", 10),
        ((40, 73), "samples, both in R, as defined before.", 10),
        ((150, 100), "σ² = ∑ (xᵢ − μ)² / N", 10),
        ((40, 127), "The last line of the page.", 10),
    ]
    html, _ = run(write(tmp_path / "math.pdf", lines))
    top = elements(html)
    assert [(el.tag, el.get("class")) for el in top] == [("p", None), ("div", "formula"), ("p", None)]
    assert top[0].text_content() == "Let x be the mean and y the spread of the samples, both in R, as defined before."
    assert (top[1].get("format"), top[1].text_content()) == ("text", "σ² = ∑ (xᵢ − μ)² / N")


def test_numbers_inside_right_to_left_text_read_left_to_right() -> None:
    """MuPDF reports the digits of an Arabic-Indic number inside Arabic text right to left."""
    chars = [_char("س", 200, 206), _char("ن", 195, 200), _char("ة", 190, 195), _char(" ", 186, 190)]
    chars += [_char("٩", 180, 185), _char("١", 175, 180), _char("٠", 170, 175), _char("٢", 165, 170)]
    line = {"dir": (1.0, 0.0), "spans": [{"size": 10.0, "bbox": (165, 100, 206, 110), "chars": chars}]}
    ((_, text, _),) = line_spans(line)
    assert text == "سنة ٢٠١٩"


_BOXES = st.tuples(
    st.floats(0, 400), st.floats(0, 600), st.floats(1, 200), st.floats(4, 20), st.sampled_from([7.0, 10.0, 12.0])
)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(_BOXES, st.text(alphabet="abx2= ", min_size=1, max_size=8)), min_size=1, max_size=12))
def test_merge_rows_never_drops_or_duplicates_a_character(rows: list[tuple[tuple[float, ...], str]]) -> None:
    made = [Row((x, y, x + w, y + h), text, size, False) for (x, y, w, h, size), text in rows]
    merged = merge_rows(made)

    def chars(texts: list[str]) -> list[str]:
        return sorted(c for t in texts for c in t if not c.isspace())

    assert chars([r.text for r in merged]) == chars([r.text for r in made])


def test_output_does_not_depend_on_what_the_program_set_in_mupdf() -> None:
    """``pymupdf4llm`` turns MuPDF's quad corrections off, process-wide, when it is imported:
    other character boxes for fonts whose metrics MuPDF corrects (this one's). The engine reads
    with MuPDF's default and gives the program's setting back."""
    path = CORPUS / "glpk-cnfsat.pdf"
    assert not pymupdf.TOOLS.unset_quad_corrections()  # the suite imports PyMuPDF as docparse does
    default, _ = run(path)
    pymupdf.TOOLS.unset_quad_corrections(True)  # as `import pymupdf4llm` does
    try:
        assert run(path)[0] == default
        assert pymupdf.TOOLS.unset_quad_corrections()  # the program's setting, back
    finally:
        pymupdf.TOOLS.unset_quad_corrections(False)
