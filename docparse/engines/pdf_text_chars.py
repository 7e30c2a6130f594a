"""Characters -> words for the ``pdf-text`` engine: ligatures expanded, implicit word gaps made spaces.

PDFs written by TeX and many typesetters carry no space characters: words are placed apart.
MuPDF turns most such gaps into spaces, but not all of them (between spans of different
fonts, or where a right-to-left run meets a left-to-right one), and poppler's ``pdftotext``
does. :func:`line_spans` rebuilds the text of a ``rawdict`` line from its characters and
adds a space wherever two neighbouring glyphs are further apart than
:data:`WORD_GAP_EM` of the font size, measured along the line's direction in either
reading direction (so right-to-left runs, kept in logical order by MuPDF, work too).

Ligature glyphs (``ﬁ``, ``ﬂ``, ``ﬀ``, ``ﬃ``, ``ﬄ``, ``ﬅ``, ``ﬆ``) become their letters,
and Arabic presentation forms (contextual glyph shapes, U+FB50..U+FDFF and U+FE70..U+FEFF)
the letters they show (Unicode NFKC), so that a search for "definition" or an Arabic word
finds them (:func:`expand_ligatures`). MuPDF could expand them itself (without
``TEXT_PRESERVE_LIGATURES``) but that fails on some PDFs, so it is done here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from docparse.engines.pdf_text_rows import STACK_MIN_WIDTH, Box, h_overlap, union
from docparse.engines.pdf_text_scripts import SCRIPT_SIZE, raised_marker, script_space

WORD_GAP_EM = 0.15
"""A gap wider than this share of the font size between two glyphs of a line is a word break."""
NARROW_SPACE_EM = 0.12
"""A space glyph narrower than this (of the font size) right after a mark inside a Hebrew word
is not a word break (:func:`_cluster_spaces`; the widest such space seen is 0.098 em)."""

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",  # long s + t
    "\ufb06": "st",
    "\ufb13": "\u0574\u0576",  # Armenian ligatures (NFKC)
    "\ufb14": "\u0574\u0565",
    "\ufb15": "\u0574\u056b",
    "\ufb16": "\u057e\u0576",
    "\ufb17": "\u0574\u056d",
}
_LIGATURE_TABLE = str.maketrans(LIGATURES)
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]+")
_SOFT_HYPHEN = "\u00ad"


def expand_ligatures(text: str) -> str:
    """``text`` with ligatures and Arabic presentation forms replaced by the letters they show."""
    text = text.translate(_LIGATURE_TABLE)
    if _PRESENTATION_FORMS.search(text):
        text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


def _extent(bbox: Sequence[float], direction: tuple[float, float]) -> tuple[float, float]:
    """The interval a glyph box covers along the line direction."""
    dx, dy = direction
    if dy == 0.0 and dx == 1.0:  # horizontal text, the common case
        return bbox[0], bbox[2]
    xs = (bbox[0], bbox[2])
    ys = (bbox[1], bbox[3])
    proj = [x * dx + y * dy for x in xs for y in ys]
    return min(proj), max(proj)


def _gap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Free space between two glyph intervals, whichever side ``b`` lies on."""
    if (b[0] + b[1]) >= (a[0] + a[1]):
        return b[0] - a[1]
    return a[0] - b[1]


def line_spans(line: dict[str, Any]) -> list[tuple[Sequence[float], str, dict[str, Any]]]:
    """``(bbox, text, span)`` for each span of a ``rawdict`` line, with word gaps as spaces.

    A space that opens a span (a gap to the previous span) is put at the start of its text;
    soft hyphens (U+00AD) are kept, for :func:`docparse.engines.pdf_text_layout.join_rows`.
    Two scripts stacked on one base are read lower one first, a space between them
    (:func:`_read_stacked`).
    """
    direction = tuple(line.get("dir", (1.0, 0.0)))
    chars = _with_accents(line)
    dx, dy = (float(direction[0]), float(direction[1])) if len(direction) == 2 else (1.0, 0.0)
    out: list[tuple[Sequence[float], str, dict[str, Any]]] = []
    prev: tuple[float, float] | None = None
    prev_space = True
    last: tuple[Sequence[float], str] | None = None  # the previous span with text: box, text
    last_metrics: tuple[float, float] | None = None  # and its size and baseline
    sizes = [float(span.get("size", 10.0)) for span in line.get("spans", [])]
    dropped, letters = _cluster_spaces(chars, (dx, dy), sizes)
    for si, (span, span_chars) in enumerate(zip(line.get("spans", []), chars, strict=True)):
        threshold = WORD_GAP_EM * sizes[si]
        parts: list[str] = []
        mark = last is not None and (dx, dy) == (1.0, 0.0)
        here = _size_and_baseline(span)
        for ci, char in enumerate(span_chars):
            c = char.get("c", "")
            if not c or (si, ci) in dropped:
                continue
            if c.isspace():
                if not prev_space:
                    parts.append(" ")
                prev_space = True
                continue
            if _is_mark(c):
                parts.append(c)  # a combining mark sits on its letter, wherever its box is
                continue
            ext = _extent(char["bbox"], (dx, dy))
            cluster = letters.get((si, ci))
            if cluster is not None:  # the letter after the marks of a space that was dropped
                if cluster:
                    parts.append(" ")  # that space belongs here, after the previous word's last marks
            elif prev is not None and not prev_space and _gap(prev, ext) > threshold:
                parts.append(" ")
            elif mark and not prev_space and last is not None and raised_marker(*last, span["bbox"], c):
                parts.append(" ")  # a footnote mark set right before its text's first word
            elif (
                mark
                and not prev_space
                and _after_script(last_metrics, here, prev, ext, c)
                and not _upright_chemistry(out, span, c)
            ):
                parts.append(" ")  # a script and the next symbol of a formula, set apart
            mark = False
            parts.append(expand_ligatures(c))
            prev, prev_space = ext, False
        text = unicodedata.normalize("NFC", "".join(parts))
        if text.strip() and (dx, dy) == (1.0, 0.0):
            _read_stacked(out, (span["bbox"], text, span))
        else:
            out.append((span["bbox"], text, span))
        if text.strip():
            last, last_metrics = (span["bbox"], text), here
    return out


Position = tuple[int, int]
"""A character of a line: (span index, character index)."""


def _cluster_spaces(
    chars: Sequence[Sequence[dict[str, Any]]], direction: tuple[float, float], sizes: Sequence[float]
) -> tuple[set[Position], dict[Position, bool]]:
    """Where a font wrote a space among a word's marks: the spaces to drop, and for the letter
    after each one's marks whether to write the space before it (else it opens no word).

    Some fonts map the glyph that carries a letter and its marks to a space and give the marks
    and the letter no width: the Ezra SIL Hebrew of XeTeX writes the holam-vav of ``תְהוֹם`` as a
    space as wide as that glyph, then the marks and the vav with no width (``תְה ֑וֹם``), so the
    word read as two. The same font writes the mark that ends a word (a postpositive accent, a
    furtive patah: ``רוּחַ אֱלֹהִים``) after the space that follows the word, before the next
    word's first letter, which has a width (``רוּח ַאֱלֹהִים``). So, where combining marks follow
    a space and the letters on both sides are of one script: when the letter after the marks
    has no width, the space is dropped and that letter opens no word by its distance from the
    previous one; when it has a width, the space goes after the marks, before that letter. A
    combining grapheme joiner alone after a space is left where it is, and so is everything
    between letters of different scripts (or no letters). Punctuation of the word's own script
    after marks that have no width counts as a letter with a width: Amiri's Quran writes each
    verse's last vowel after the space before the verse number (``ٱلرَّحِيم ِ﴿٣﴾`` for
    ``ٱلرَّحِيمِ ﴿٣﴾``); a mark with a width before punctuation is one shown on its own (a
    script's documentation listing its vowel signs) and stays where it is.

    Ezra SIL also writes a space glyph a few hundredths of an em wide after the marks of some
    Hebrew clusters, inside a word (a hair space 0.05 em wide after the meteg of ``וַֽיְהִי``, a
    thin space 0.1 em wide in ``וַיַּ֧רְא``): one of :data:`_THIN_SPACES` narrower than
    :data:`NARROW_SPACE_EM` right after a combining mark, between two Hebrew letters, is dropped;
    whether a word starts there is then up to the distance between the two letters, like
    anywhere else. Only Hebrew: that is where such spaces
    were found (the 19-file real corpus has no other space this narrow after a mark)."""
    dropped: set[Position] = set()
    letters: dict[Position, bool] = {}
    if not any(_is_mark(char.get("c", "")) for span_chars in chars for char in span_chars):
        return dropped, letters  # nearly every line
    flat = [(si, ci, char) for si, span_chars in enumerate(chars) for ci, char in enumerate(span_chars)]
    for k, (si, ci, char) in enumerate(flat):
        if not char.get("c", "").isspace():
            continue
        j = k + 1
        while j < len(flat) and _is_mark(flat[j][2].get("c", "")):
            j += 1
        if j == k + 1:  # no marks right after the space
            if _narrow_after_mark(flat, k, sizes[si], direction):
                dropped.add((si, ci))
            continue
        if j == len(flat) or all(flat[m][2].get("c", "") == _CGJ for m in range(k + 1, j)):
            continue  # no marks after the space (or only a grapheme joiner)
        after = flat[j][2]
        letter = after.get("c", "")
        before = _letter_before(flat, k)
        punctuation = letter[:1] in _PUNCTUATION_SCRIPT
        script = _PUNCTUATION_SCRIPT.get(letter[:1]) or _script(letter[:1])
        if punctuation and any(abs(_width(flat[m][2]["bbox"], direction)) > 0.01 for m in range(k + 1, j)):
            continue  # a mark shown on its own, before punctuation
        if not ((letter[:1].isalpha() or punctuation) and before and script and _script(before) == script):
            continue
        dropped.add((si, ci))
        # the space goes before what follows the marks when that has a width (a new word), and
        # always before punctuation; a letter with no width continues the word
        letters[(flat[j][0], flat[j][1])] = punctuation or abs(_width(after["bbox"], direction)) > 0.01
    return dropped, letters


def _narrow_after_mark(
    flat: Sequence[tuple[int, int, dict[str, Any]]], k: int, size: float, direction: tuple[float, float]
) -> bool:
    """Whether the space ``flat[k]`` (no marks after it) is one :func:`_cluster_spaces` drops as
    narrower than a word gap after a mark, inside a word."""
    if (
        k == 0
        or k + 1 == len(flat)
        or flat[k][2].get("c", "") not in _THIN_SPACES
        or not _is_mark(flat[k - 1][2].get("c", ""))
    ):
        return False
    if abs(_width(flat[k][2]["bbox"], direction)) >= NARROW_SPACE_EM * size:
        return False
    letter = flat[k + 1][2].get("c", "")[:1]
    before = _letter_before(flat, k)
    return letter.isalpha() and bool(before) and _script(letter) == _script(before) == "HEBREW"


def _letter_before(flat: Sequence[tuple[int, int, dict[str, Any]]], k: int) -> str:
    """The last character before ``flat[k]`` that is not a combining mark, when it is a letter
    (the letter the marks before ``flat[k]`` sit on); ``""`` otherwise."""
    for m in range(k - 1, -1, -1):
        c = flat[m][2].get("c", "")[:1]
        if c and not _is_mark(c):
            return c if c.isalpha() else ""
    return ""


_CGJ = "\u034f"
_THIN_SPACES = frozenset(" \u2009\u200a")
"""The spaces :func:`_narrow_after_mark` may drop: a plain space, and the thin and hair spaces
Ezra SIL writes inside a word (MuPDF reads them as U+2009 and U+200A; a flagless extraction as
U+0020)."""


def _is_mark(c: str) -> bool:
    return bool(c) and c[0] >= "\u0300" and unicodedata.category(c[0]).startswith("M")


def _width(bbox: Sequence[float], direction: tuple[float, float]) -> float:
    start, end = _extent(bbox, direction)
    return end - start


def _script(c: str) -> str:
    """The script a letter is named after (``HEBREW``, ``ARABIC``, ``LATIN``, ...; ``""`` for a
    character without a name)."""
    return unicodedata.name(c, "").split(" ", 1)[0] if c else ""


_PUNCTUATION_SCRIPT = dict.fromkeys("\ufd3e\ufd3f\u060c\u061b\u061f\u06d4", "ARABIC") | dict.fromkeys(
    "\u05be\u05c0\u05c3\u05c6", "HEBREW"
)
"""Punctuation of one script, by script, which may open what follows a word's displaced marks
like a letter does (:func:`_cluster_spaces`): Arabic's ornate parentheses (``﴿٣﴾``, whose
Unicode names name no script), comma, semicolon, question mark and full stop; Hebrew's maqaf,
paseq, sof pasuq and nun hafukha."""


SpanText = tuple[Sequence[float], str, dict[str, Any]]


def _read_stacked(out: list[SpanText], entry: SpanText) -> None:
    """``entry`` (a span with text) added to the spans ``out`` of its line. Where it is set right
    under or over the script ending ``out`` — the spans on that script's baseline, in its size —
    the two are scripts of one base (:func:`_scripts_of_one_base`; TeX writes ``ψ_n^3``
    exponent first): the lower one, the index, is read first and the other one after
    it, a space between them (``ψn 3``, not ``ψ3n``), as
    :func:`~docparse.engines.pdf_text_rows.merge_rows` reads scripts stacked where two lines meet."""
    last = next((b for b, t, _ in reversed(out) if t.strip()), None)
    if last is None or entry[0][0] >= last[2]:  # starts where the script ends: beside it, not under it
        out.append(entry)
        return
    script = _trailing_script(out)
    if not script or not _scripts_of_one_base(out, script, entry):
        out.append(entry)
        return
    box, text, span = entry
    if _size_and_baseline(span)[1] <= _size_and_baseline(out[script[-1]][2])[1]:  # the upper one: after
        out.append((box, " " + text.lstrip(), span))
        return
    first = script[0]
    above = [(b, " " + t.lstrip(), s) if k == first else (b, t, s) for k, (b, t, s) in enumerate(out) if k >= first]
    del out[first:]
    out.extend([entry, *above])


STACK_SHIFT = 0.5
"""Two scripts of one base stand on baselines this share of their size apart, or more."""
PRIMES = frozenset("'′″‴ʹ")
"""Marks set as a superscript that belong to the base (``f'_n`` reads ``f′n``), not exponents."""


def _scripts_of_one_base(out: list[SpanText], script: list[int], entry: SpanText) -> bool:
    """The spans ``script`` ending ``out`` and ``entry`` are two scripts set one above the other
    right after a base: sharing most of the narrower one's width, on baselines
    :data:`STACK_SHIFT` apart, and both smaller than the span with text before them
    (:data:`~docparse.engines.pdf_text_scripts.SCRIPT_SIZE`) — not a big operator and its limit,
    nor a letter and an accent of its size, nor a prime and an index (:data:`PRIMES`).
    (Baselines, not boxes: MuPDF's glyph boxes depend on its process-wide quad-corrections
    setting; see :func:`docparse.mupdf.text_extraction`.)"""
    if h_overlap(union(_box(out[k][0]) for k in script), _box(entry[0])) < STACK_MIN_WIDTH:
        return False
    if "".join(out[k][1] for k in script).lstrip()[:1] in PRIMES:  # f'_n: the prime stays on its base
        return False
    upper, lower = _size_and_baseline(out[script[-1]][2]), _size_and_baseline(entry[2])
    if abs(upper[1] - lower[1]) < STACK_SHIFT * max(upper[0], lower[0]):
        return False
    base = next((s for _, t, s in reversed(out[: script[0]]) if t.strip()), None)
    return base is not None and max(upper[0], lower[0]) <= SCRIPT_SIZE * _size_and_baseline(base)[0]


def _trailing_script(out: list[SpanText]) -> list[int]:
    """The indices of the spans with text ending ``out`` that share the last one's size and
    baseline (a script, maybe in several fonts), whitespace-only spans between them included."""
    texts = [k for k, (_, t, _) in enumerate(out) if t.strip()]
    if not texts:
        return []
    last = _size_and_baseline(out[texts[-1]][2])
    first = texts[-1]
    for k in reversed(texts[:-1]):
        size, base = _size_and_baseline(out[k][2])
        if abs(size - last[0]) > 0.01 * last[0] or abs(base - last[1]) > 0.1 * last[0]:
            break
        first = k
    return list(range(first, len(out)))


def _box(b: Sequence[float]) -> Box:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def _after_script(
    last: tuple[float, float] | None,
    here: tuple[float, float],
    prev: tuple[float, float] | None,
    ext: tuple[float, float],
    c: str,
) -> bool:
    """The glyph ``c`` (at ``ext``, in a span of size and baseline ``here``) follows the span
    before (``last``, ending at ``prev``) across a script space
    (:func:`~docparse.engines.pdf_text_scripts.script_space`)."""
    return last is not None and prev is not None and script_space(last, here, _gap(prev, ext), c)


_ELEMENTS_END = re.compile(r"(?:^|[^A-Za-z])(?:[A-Z][a-z]?)+$")


def _upright_chemistry(out: list[SpanText], span: dict[str, Any], c: str) -> bool:
    """A count of atoms in a chemical formula set upright (``\\mathrm{H_2O}``, mhchem's
    ``\\ce{H2O}``): digits as the script, element symbols before it and a capital after it,
    none of them in a math font. TeX puts its script space there too, but the formula is one
    word (``H2O``, ``Fe2O3``); math, set in math italic (``S_{12}S_{23}``), is not."""
    texts = [(t, s) for _, t, s in out if t.strip()]
    if len(texts) < 2 or not c.isupper():
        return False
    (base, base_span), (script, script_span) = texts[-2], texts[-1]
    fonts = (str(base_span.get("font", "")), str(script_span.get("font", "")), str(span.get("font", "")))
    return script.strip().isdigit() and bool(_ELEMENTS_END.search(base)) and not any(map(math_font, fonts))


def _size_and_baseline(span: dict[str, Any]) -> tuple[float, float]:
    """A span's font size and the y of its baseline (its origin's)."""
    origin = span.get("origin") or (0.0, span["bbox"][3])
    return float(span.get("size", 10.0)), float(origin[1])


ACCENTS = {
    "\u00b4": "\u0301",  # acute
    "\u02dd": "\u030b",  # double acute
    "\u00a8": "\u0308",  # diaeresis
    "\u02c6": "\u0302",  # circumflex
    "\u02dc": "\u0303",  # tilde
    "\u00af": "\u0304",  # macron
    "\u02c9": "\u0304",
    "\u02d8": "\u0306",  # breve
    "\u02d9": "\u0307",  # dot above
    "\u02da": "\u030a",  # ring above
    "\u00b8": "\u0327",  # cedilla
    "\u02c7": "\u030c",  # caron
    "\u02db": "\u0328",  # ogonek
    "\u02cb": "\u0300",  # grave (modifier letter)
}
"""Spacing accents that TeX (and others) set as glyphs of their own over a letter, and the
combining marks they stand for."""


def _over(accent: dict[str, Any], char: dict[str, Any]) -> bool:
    """The accent glyph sits over (or under) the letter: their boxes overlap horizontally."""
    a, b = accent["bbox"], char["bbox"]
    inter = min(a[2], b[2]) - max(a[0], b[0])
    return bool(inter > 0.4 * max(min(a[2] - a[0], b[2] - b[0]), 1e-6))


def _with_accents(line: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The characters of each span, a spacing accent set over a neighbouring letter folded into
    that letter as a combining mark (``E´e`` -> ``Eé``, after NFC)."""
    spans = [list(span.get("chars", [])) for span in line.get("spans", [])]
    flat = [(i, k) for i, chars in enumerate(spans) for k in range(len(chars))]
    drop: set[tuple[int, int]] = set()
    for n, (i, k) in enumerate(flat):
        char = spans[i][k]
        mark = ACCENTS.get(char.get("c", ""))
        if mark is None:
            continue
        for m in (n + 1, n - 1):
            if 0 <= m < len(flat):
                j, q = flat[m]
                letter = spans[j][q]
                if letter.get("c", "").isalpha() and (j, q) not in drop and _over(char, letter):
                    spans[j][q] = {**letter, "c": letter["c"] + mark}
                    drop.add((i, k))
                    break
    return [
        _numbers_left_to_right([c for k, c in enumerate(chars) if (i, k) not in drop]) for i, chars in enumerate(spans)
    ]


def _digit(char: dict[str, Any]) -> bool:
    c = char.get("c", "")
    return len(c) == 1 and unicodedata.bidirectional(c) in ("EN", "AN")


def _numbers_left_to_right(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Numbers read backwards put back in order: inside right-to-left text a number is still
    written left to right (Unicode bidi), but MuPDF reports the digits of an Arabic-Indic
    number right to left. A run of digits whose boxes run leftwards is reversed."""
    out = list(chars)
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and _digit(out[j]) and _digit(out[j + 1]) and out[j + 1]["bbox"][0] < out[j]["bbox"][0]:
            j += 1
        if j > i:
            out[i : j + 1] = out[i : j + 1][::-1]
        i = j + 1
    return out


MATH_FONT = re.compile(
    r"(?i)math|^(?:cmmi|cmsy|cmex|cmbsy|cmmib|msam|msbm|eufm|eufb|eurm|eusm|rsfs|stmary|wasy|lasy|"
    r"r?txmi|txsy|txex|r?pxmi|pxsy|pxex|mtmi|mtsy|mtex|esint|bbold|dsrom|symbol|euex|zeus)"
)
"""Font names (after the subset prefix ``ABCDEF+``) of math fonts: TeX's math italic, symbol and
extension fonts and the AMS, txfonts/pxfonts and MathTime ones, and any font named *Math*."""


def math_font(name: str) -> bool:
    """Whether a font (PDF base name, subset prefix allowed) is a math font."""
    return bool(MATH_FONT.search(name.split("+", 1)[-1]))


def math_char(c: str) -> bool:
    """A character that is math wherever it is set: operators and relations (Unicode ``Sm``),
    Greek letters, mathematical alphanumerics."""
    o = ord(c[0])
    return unicodedata.category(c[0]) == "Sm" or 0x0391 <= o <= 0x03FF or 0x1D400 <= o <= 0x1D7FF


def math_share(spans: Sequence[tuple[str, str]]) -> float:
    """The share of the non-space characters of ``(font, text)`` spans that are math: set in a
    math font, or :func:`math_char` in any font."""
    total = math = 0
    for font, text in spans:
        in_math_font = math_font(font)
        for c in text:
            if c.isspace():
                continue
            total += 1
            math += in_math_font or math_char(c)
    return math / total if total else 0.0
