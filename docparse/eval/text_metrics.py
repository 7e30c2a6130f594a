"""Edit distances and the text normalization applied before comparing.

Definitions
-----------
* ``edit_distance(a, b)`` — Levenshtein distance: the fewest single-element insertions,
  deletions and substitutions (each cost 1; a transposition costs 2) turning ``a`` into
  ``b``. Works on strings (elements are characters) and on integer sequences.
* ``ned(a, b)`` — normalized edit distance ``edit_distance(a, b) / max(len(a), len(b))``,
  in ``[0, 1]``: 0 for identical inputs, and 0 when both are empty.

Normalization (:func:`normalize_text`), applied to every block text before comparing:

1. Unicode NFC composition (so ``e`` + combining accent equals ``é``);
2. with ``strip_markup=True`` only: markdown and LaTeX *delimiters* are removed — heading
   marks (``#`` .. ``######`` at line start), emphasis/code marks (``**``, ``__``, ``*``,
   ``_``, backticks) in pairs around text and not inside a word, paired math delimiters
   ``$$..$$`` and ``$..$`` (no space just inside a single ``$``, so prices such as
   ``$3 and $4`` stay), and every ``\\(``, ``\\)``, ``\\[``, ``\\]``; the text between
   the marks is kept;
3. every run of whitespace (spaces, tabs, newlines) becomes one space; leading and trailing
   whitespace is removed.

Nothing else is changed: case, punctuation and digits are compared as they are.

LaTeX (:func:`normalize_latex`, for formulas): surrounding math delimiters are removed
(``$$..$$``, ``$..$``, ``\\[..\\]``, ``\\(..\\)``, ``\\begin{equation}..\\end{equation}``
and the starred and ``displaymath`` variants) and then *all* whitespace is removed (LaTeX
math ignores it).

Page text (:func:`page_text`): the blocks sorted by ``order``, minus excluded types, each
normalized, empty ones skipped, joined with ``"\\n"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import Protocol

from rapidfuzz.distance import Levenshtein

_WS = re.compile(r"\s+")
_MD_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+")
_MD_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|\*|_|`+)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_MATH_PAIRED = re.compile(r"(?<!\\)\$\$([^$]+?)\$\$|(?<![\\$])\$(?=[^\s$])([^$]+?)(?<=\S)\$(?!\$)")
_MATH_DELIMS = re.compile(r"\\\(|\\\)|\\\[|\\\]")
_LATEX_ENV = re.compile(
    r"^\\begin\{(equation\*?|displaymath|align\*?|gather\*?)\}(?P<body>.*)\\end\{\1\}$",
    re.DOTALL,
)
_LATEX_WRAPPERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))


class TextBlock(Protocol):
    """What :func:`page_text` needs of a block."""

    @property
    def type(self) -> str: ...

    @property
    def order(self) -> int: ...

    @property
    def text(self) -> str: ...


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance (unit insert/delete/substitute costs) between two sequences."""
    return int(Levenshtein.distance(a, b))


def ned(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Normalized edit distance ``edit_distance(a, b) / max(len(a), len(b))``; 0 when both are empty."""
    longest = max(len(a), len(b))
    if longest == 0:
        return 0.0
    return edit_distance(a, b) / longest


def strip_markup(text: str) -> str:
    """Remove markdown heading/emphasis marks and LaTeX math delimiters, keeping the text inside."""
    text = _MD_HEADING.sub("", text)
    previous = None
    while previous != text:  # nested emphasis (**_x_**) takes more than one pass
        previous = text
        text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MATH_PAIRED.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    return _MATH_DELIMS.sub("", text)


def normalize_text(text: str, *, strip_markup_marks: bool = False) -> str:
    """NFC, optionally :func:`strip_markup`, then whitespace runs collapsed to one space and the ends trimmed."""
    text = unicodedata.normalize("NFC", text)
    if strip_markup_marks:
        text = strip_markup(text)
    return _WS.sub(" ", text).strip()


def normalize_latex(latex: str) -> str:
    """Strip surrounding math delimiters/environments, then remove all whitespace."""
    body = unicodedata.normalize("NFC", latex).strip()
    changed = True
    while changed and body:
        changed = False
        env = _LATEX_ENV.match(body)
        if env is not None:
            body, changed = env.group("body").strip(), True
            continue
        for start, end in _LATEX_WRAPPERS:
            if len(body) >= len(start) + len(end) and body.startswith(start) and body.endswith(end):
                body, changed = body[len(start) : len(body) - len(end)].strip(), True
                break
    return _WS.sub("", body)


def page_text(
    blocks: Iterable[TextBlock],
    *,
    exclude: Collection[str] = (),
    only: str | None = None,
    strip_markup_marks: bool = False,
) -> str:
    """The page's text in reading order: blocks sorted by ``order``, excluded types (or all but ``only``) left out,
    each :func:`normalize_text`-ed, empty ones skipped, joined with newlines."""
    parts = []
    for block in sorted(blocks, key=lambda b: b.order):
        if block.type in exclude or (only is not None and block.type != only):
            continue
        text = normalize_text(block.text, strip_markup_marks=strip_markup_marks)
        if text:
            parts.append(text)
    return "\n".join(parts)
