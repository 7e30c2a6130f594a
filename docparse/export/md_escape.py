"""Markdown escaping that changes only what would change the rendering.

Markdown is read by people and by LLM pipelines, so text is kept as typed wherever CommonMark
(and GitHub's extensions: pipe tables, strikethrough, ``$`` math) would render it as typed:
numbers, periods, parentheses, ``#`` and ``-`` mid-line, ``2 * 3``, ``snake_case``, ``a < b``
and ``R&D`` stay as they are. A backslash goes only before

* ``` ` ```, ``$`` and ``|`` (code spans, math, table cells), and ``~`` when the text has two;
* ``*`` unless it stands between spaces, ``_`` unless it stands between letters or digits;
* ``[`` when it could open a link (``](`` or ``][`` follows) or starts a line;
* ``<`` before a letter, ``/``, ``!`` or ``?`` (raw HTML, autolinks), ``&`` that starts an
  entity (``&amp;``), ``\\`` before punctuation or at the end of a line;
* markers at the start of a line (block context only): ``#`` headings, ``>`` quotes, ``-``
  ``+`` ``*`` bullets, ``1.`` / ``1)`` items, thematic breaks and setext underlines, ``~~~``
  fences. Indentation is removed.

Tests render the output with markdown-it-py (CommonMark + tables) and compare with the text.
"""

from __future__ import annotations

import re
import string

_PUNCT = frozenset(string.punctuation)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_LINK_AHEAD = re.compile(r"\](?:\(|\[)")
_HEADING = re.compile(r"#{1,6}(?:\s|$)")
_BULLET = re.compile(r"[-+*](?:\s|$)")
_ORDERED = re.compile(r"(\d{1,9})[.)](?:\s|$)")
_RULE = re.compile(r"[-=_*][-=_*\s]*$")


def _inline_escapes(text: str, tildes: bool) -> set[int]:
    out: set[int] = set()
    n = len(text)
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if ch in "`$|" or (ch == "~" and tildes):
            out.add(i)
        elif ch == "*":
            if not (prev.isspace() and nxt.isspace()):
                out.add(i)
        elif ch == "_":
            if not (prev.isalnum() and nxt.isalnum()):
                out.add(i)
        elif ch == "[":
            if _LINK_AHEAD.search(text, i + 1):
                out.add(i)
        elif ch == "<":
            if nxt.isalpha() or nxt in "/!?":
                out.add(i)
        elif ch == "&":
            if _ENTITY.match(text, i):
                out.add(i)
        elif ch == "\\" and (nxt in _PUNCT or i + 1 == n):
            out.add(i)
    return out


def _block_start(line: str) -> int | None:
    """The index of the character to escape so that ``line`` does not open a block, if any."""
    if _HEADING.match(line) or line.startswith((">", "[", "~~~")):
        return 0
    if _BULLET.match(line) or _RULE.match(line):
        return 0
    ordered = _ORDERED.match(line)
    if ordered:
        return len(ordered.group(1))
    return None


def escape(text: str, *, block: bool, tildes: bool | None = None) -> str:
    """One line of text escaped; ``block``: it starts a line in block context (a paragraph or
    list item line), where line-start markers matter. ``tildes`` (default: whether ``text``
    has two or more ``~``) escapes every ``~``."""
    marks = _inline_escapes(text, text.count("~") >= 2 if tildes is None else tildes)
    if block:
        start = _block_start(text)
        if start is not None:
            marks.add(start)
    return "".join(f"\\{ch}" if i in marks else ch for i, ch in enumerate(text))


def md_lines(text: str) -> list[str]:
    """Text escaped for Markdown block context, line by line: lines stripped, blank lines dropped."""
    tildes = text.count("~") >= 2
    return [escape(line, block=True, tildes=tildes) for raw in text.split("\n") if (line := raw.strip())]


def md_inline(text: str) -> str:
    """One line of text escaped where no line-start marker can apply (after a heading marker,
    inside emphasis, a link text or a table cell)."""
    return escape(text, block=False)


def md_one_line(text: str) -> str:
    """Text on one line (line breaks become spaces) escaped for inline context."""
    return md_inline(" ".join(line.strip() for line in text.split("\n") if line.strip()))


def md_cell(text: str) -> str:
    """A pipe-table cell: inline escaping, ``|`` escaped, line breaks as ``<br>``."""
    tildes = text.count("~") >= 2
    return "<br>".join(escape(line, block=False, tildes=tildes) for raw in text.split("\n") if (line := raw.strip()))
