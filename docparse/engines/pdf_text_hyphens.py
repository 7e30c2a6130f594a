"""Joining the rows of one element: soft line-end hyphens removed, real compound hyphens kept.

The rule, for a row ending in a hyphen (``-``, U+2010) right after a letter, followed by a row
starting with a letter — ``left-`` / ``right``:

1. A soft hyphen (U+00AD) at the end of a row is always a break: the word is joined.
2. The page decides when it can: if the joined word (``leftright``) occurs elsewhere on the
   page the break was soft; if the hyphenated form (``left-right``) does, it is a compound.
3. In text set in capitals, a word of capitals broken before capitals is a broken word
   (``HOLD-/ERS``, ``RESULT-/ING``) unless ``left`` is a prefix that forms compounds.
4. Otherwise the hyphen is kept (a compound) when ``right`` does not start with a lowercase
   letter (``Jean-/Pierre``, ``COVID-/19``), when ``left`` is one letter (``e-/mail``,
   ``x-/axis``: hyphenation never leaves one letter behind), when ``left`` already holds a
   hyphen (``state-of-the-/art``), is not all lowercase after its first letter
   (``ISO-/standard``), or is a prefix that forms compounds (:data:`COMPOUND_PREFIXES`:
   ``self-/contained``, ``well-/known``).
5. Otherwise the break was made by hyphenation and the word is joined without the hyphen
   (``adip-/iscing`` -> ``adipiscing``).

A hyphen after something other than a letter (``1990-/1995``) is kept too. A kept hyphen
joins the rows without a space; a hyphen standing alone (``drama -``) is not a break. A soft
hyphen left at the end of an element (its word continues in the next column or page) is
written as ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HYPHENS = ("-", "\u2010")
SOFT_HYPHEN = "\u00ad"
COMPOUND_PREFIXES = frozenset({"self", "well", "ill", "ex", "half", "all", "cross", "so"})
"""Words that, before a line-end hyphen, start a compound rather than a broken word."""

_WORD = re.compile(r"[^\W\d_][\w\-\u2010]*", re.UNICODE)
_LAST_WORD = re.compile(r"([^\W\d_](?:[\w\u2010-]*[^\W\d_])?)[-\u2010]$")
_FIRST_WORD = re.compile(r"^([^\W\d_]\w*)")


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The lowercase words of ``texts`` (hyphenated compounds kept whole), for :func:`join_rows`."""
    found: set[str] = set()
    for text in texts:
        for token in text.split():
            if token.endswith((*HYPHENS, SOFT_HYPHEN)):
                continue  # a line-end fragment says nothing about the word
            for m in _WORD.finditer(token):
                found.add(m.group().lower())
    return frozenset(found)


def soft_break(left: str, right: str, words: frozenset[str] = frozenset()) -> bool | None:
    """``True`` when the hyphen ending ``left`` is a line-break hyphen to remove, ``False`` for
    a compound hyphen to keep (also between non-words: ``1990-`` / ``1995``), ``None`` when
    ``left`` does not end in a hyphen attached to its last word (the rows join with a space)."""
    if left.endswith(SOFT_HYPHEN):
        return True
    if not left.endswith(HYPHENS) or len(left) < 2 or left[-2].isspace():
        return None
    m, n = _LAST_WORD.search(left), _FIRST_WORD.match(right)
    if m is None or n is None:
        return False  # ``1990-`` / ``1995``, ``x-`` / ``(y)``: kept as typed
    head, tail = m.group(1), n.group(1)
    joined, compound = (head + tail).lower(), f"{head}-{tail}".lower()
    if joined in words and compound not in words:
        return True
    if compound in words:
        return False
    if _capitals(head) and _capitals(tail):
        return head.lower() not in COMPOUND_PREFIXES
    if not tail[0].islower() or len(head) == 1 or any(h in head for h in HYPHENS):
        return False
    return head[1:].islower() and head.lower() not in COMPOUND_PREFIXES


def _capitals(word: str) -> bool:
    """A word of two capitals or more and nothing else (``HOLD``; not ``I``, ``Jean``, ``X-RAY``)."""
    return len(word) >= 2 and word.isalpha() and word.isupper()


def join_rows(texts: Iterable[str], words: frozenset[str] = frozenset()) -> str:
    """Rows of one element joined with spaces; line-end hyphens handled by the rule above."""
    out = ""
    for t in texts:
        if not t:
            continue
        if not out:
            out = t
            continue
        verdict = soft_break(out, t, words)
        if verdict is True:
            out = out[:-1] + t
        elif verdict is False:
            out = out + t
        else:
            out = f"{out} {t}"
    return out[:-1] + "-" if out.endswith(SOFT_HYPHEN) else out
