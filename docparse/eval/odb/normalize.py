"""OmniDocBench's normalizations of text, formulas and tables, as its end-to-end evaluation defines them.

Each function reproduces one definition of OmniDocBench (``utils/data_preprocess.py`` at
commit ``7bd6c2eb``), including the details that move scores:

* :func:`clean_text` (``clean_string``): drop the two-character sequences ``\\t``, ``\\n``,
  ``/t``, ``/n`` and real tabs/newlines, then keep only word characters (Unicode ``\\w``) and
  CJK ideographs. Case is kept; punctuation and spaces go.
* :func:`inline_math_to_unicode` (``textblock2unicode``): every ``$..$`` / ``\\(..\\)`` on one
  line whose content (after removing the escapes ``\\\\ \\_ \\& \\% \\^``) still holds a
  backslash, ``^`` or ``_`` is replaced by its Unicode rendering (pylatexenc
  ``LatexNodes2Text``); other inline math is left as written.
* :func:`normalize_formula` (``normalized_formula``): strip ``$`` and newlines around, keep the
  body of the first ``\\[..\\]``, remove ``\\tag{..}``, ``\\hspace{..}``, ``\\begin{..}``,
  ``\\end{..}``, ``\\arraycolsep..}``, dots around, then font/spacing macros, spaces,
  ``\\left``/``\\right`` and ``\\displaystyle`` (:data:`FORMULA_FILTERS`), and lower-case.
* :func:`normalize_html_table` (``normalized_html_table``): ``th`` -> ``td``, ``thead`` and
  ``span`` unwrapped, MathML ``math`` -> ``$alttext$``, entities decoded, newlines removed,
  NFKC, the inner HTML of the outer ``table``, presentational attributes and ``tbody``
  removed, whitespace runs -> one space, inline tags (``sup sub span div p``) and
  ``colgroup`` removed, wrapped in ``<html><body><table border="1" >``. No row padding.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from bs4 import BeautifulSoup
from pylatexenc.latex2text import LatexNodes2Text  # type: ignore[import-untyped]

FORMULA_FILTERS = (
    "\\mathbf",
    "\\mathrm",
    "\\mathnormal",
    "\\mathit",
    "\\mathbb",
    "\\mathcal",
    "\\mathscr",
    "\\mathfrak",
    "\\mathsf",
    "\\mathtt",
    "\\textbf",
    "\\text",
    "\\boldmath",
    "\\boldsymbol",
    "\\operatorname",
    "\\bm",
    "\\symbfit",
    "\\mathbfcal",
    "\\symbf",
    "\\scriptscriptstyle",
    "\\notag",
    "\\setlength",
    "\\coloneqq",
    "\\space",
    "\\thickspace",
    "\\thinspace",
    "\\medspace",
    "\\nobreakspace",
    "\\negmedspace",
    "\\quad",
    "\\qquad",
    "\\enspace",
    "\\substackw",
    " ",
    "$$",
    "\\left",
    "\\right",
    "\\displaystyle",
    "\\text",
)
"""Removed from formulas, in this order (plain substring removal, as the official code does)."""

_CLEAN_DROP = ("\\t", "\\n", "\t", "\n", "/t", "/n")
_NOT_WORD_OR_CJK = re.compile(r"[^\w\u4e00-\u9fff]")
INLINE_MATH = re.compile(r"\$(.*?)\$|\\\((.*?)\\\)")
"""Inline math on one line: ``$..$`` or ``\\(..\\)`` (shortest match, no newline inside)."""
_ESCAPES = re.compile(r"\\([\\_&%^])")
_DISPLAY_BODY = re.compile(r"\\\[(.+?)(?<!\\)\\\]")
_FORMULA_PATTERNS = tuple(
    re.compile(p)
    for p in (r"\\tag\{.*?\}", r"\\hspace\{.*?\}", r"\\begin\{.*?\}", r"\\end\{.*?\}", r"\\arraycolsep.*?\}")
)
_TABLE_BODY = re.compile(r"<table\b[^>]*>(.*)</table>", re.DOTALL | re.IGNORECASE)
_TABLE_ATTRS = tuple(re.compile(f'( {name}=".*?")') for name in ("style", "height", "width", "align", "class"))
_INLINE_TAGS = ("<sup>", "</sup>", "<sub>", "</sub>", "<span>", "</span>", "<div>", "</div>", "<p>", "</p>")


def clean_text(text: str) -> str:
    """Keep word characters and CJK ideographs only (OmniDocBench ``clean_string``)."""
    for drop in _CLEAN_DROP:
        text = text.replace(drop, "")
    return _NOT_WORD_OR_CJK.sub("", text)


@lru_cache(maxsize=4096)
def latex_to_unicode(latex: str) -> str:
    """pylatexenc's Unicode rendering of LaTeX (``LatexNodes2Text().latex_to_text``)."""
    return str(LatexNodes2Text().latex_to_text(latex))


def inline_math_to_unicode(text: str) -> str:
    """Inline formulas with macros, sub- or superscripts rendered as Unicode (``textblock2unicode``)."""
    replacements: list[tuple[int, int, str]] = []
    for match in INLINE_MATH.finditer(text):
        content = match.group(1) if match.group(1) is not None else match.group(2)
        clean = _ESCAPES.sub("", content)
        if not any(char in clean for char in "\\^_"):
            continue
        if clean.endswith("\\"):
            clean += " "
        try:
            rendered = latex_to_unicode(clean)
        except Exception:
            continue
        replacements.append((match.start(), match.end(), rendered))
    for start, end, rendered in sorted(replacements, reverse=True):
        text = text[:start] + rendered.strip() + text[end:]
    return text


def normalize_text(text: str) -> str:
    """The form text blocks are compared in: :func:`clean_text` of :func:`inline_math_to_unicode`."""
    return clean_text(inline_math_to_unicode(text))


def normalize_formula(text: str) -> str:
    """OmniDocBench ``normalized_formula`` (see the module docstring)."""
    text = text.strip().strip("$").strip("\n")
    body = _DISPLAY_BODY.search(text)
    if body:
        text = body.group(1).strip()
    for pattern in _FORMULA_PATTERNS:
        text = pattern.sub("", text)
    text = text.strip(".")
    for needle in FORMULA_FILTERS:
        text = text.replace(needle, "")
    return text.lower()


def _simplify_tags(markup: str) -> str:
    soup = BeautifulSoup(markup, "html.parser")
    for th in soup.find_all("th"):
        th.name = "td"
    for thead in soup.find_all("thead"):
        thead.unwrap()
    for math in soup.find_all("math"):
        alttext = math.get("alttext", "")
        math.replace_with(f"${alttext if isinstance(alttext, str) else ' '.join(alttext or [])}$")
    for span in soup.find_all("span"):
        span.unwrap()
    return str(soup)


def normalize_html_table(text: str) -> str:
    """OmniDocBench ``normalized_html_table``: ``""`` when ``text`` holds no ``<table``."""
    if "<table" not in text.replace(" ", "").replace("'", '"'):
        return ""
    table = html.unescape(_simplify_tags(text)).replace("\n", "")
    table = unicodedata.normalize("NFKC", table).strip()
    table = "".join(_TABLE_BODY.findall(table))
    for pattern in _TABLE_ATTRS:
        table = pattern.sub("", table)
    table = re.sub(r"</?tbody>", "", table)
    table = re.sub(r"\s+", " ", table)
    table = '<html><body><table border="1" >' + table + "</table></body></html>"
    for tag in _INLINE_TAGS:
        table = table.replace(tag, "")
    table = table.replace('<spandata-span-identity="">', "")
    return re.sub("<colgroup>.*?</colgroup>", "", table)
