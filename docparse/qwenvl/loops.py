"""Repetition loops: the model repeating one element or one phrase until the token limit.

A loop is recognised only at the END of the output — repetition elsewhere is content.

* Elements: a trailing run of at least :data:`MIN_REPEATED_ELEMENTS` top-level elements with
  the same tag, class and text (boxes are ignored when there is text, compared when there
  is none); the last one may be a cut-off copy (same tag and class, text a prefix).
* Rows and items: when the output is truncated, a trailing run of at least
  :data:`MIN_REPEATED_ROWS` identical ``<tr>``/``<li>`` at the end of the last element.
  A complete table keeps all its rows, however alike.
* Text: the last text of the output ending in one unit of 1..:data:`MAX_TEXT_PERIOD`
  characters (holding a letter or digit) repeated at least :data:`MIN_TEXT_REPEATS` times
  over at least :data:`MIN_TEXT_LOOP_CHARS` characters.

Each collapse keeps the first copy and drops the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from docparse.qwenvl.dom import Element, tag_of
from docparse.qwenvl.text import SKIPPED_TAGS, class_string, element_text

MIN_REPEATED_ELEMENTS = 3
MIN_REPEATED_ROWS = 4
MIN_TEXT_REPEATS = 5
MIN_TEXT_LOOP_CHARS = 50
MAX_TEXT_PERIOD = 500
_PROBE = 16


@dataclass(frozen=True)
class LoopKey:
    """What must be equal for two elements to count as copies: their kind and their text."""

    kind: str
    text: str


def element_key(element: Element) -> LoopKey:
    """The loop key of a top-level element; textless elements are compared with their boxes."""
    text = element_text(element)
    kind = f"{tag_of(element)}.{class_string(element)}"
    if not text:
        kind += f"@{element.get('data-bbox')}@{element.get('data-polygon')}"
    return LoopKey(kind, text)


def element_kind_prefix(element: Element) -> str | None:
    """A cheap prefix of :func:`element_key`'s kind: different prefixes mean different kinds.

    ``None`` when it cannot tell (a class holding ``@``, which the box suffix also uses).
    """
    prefix = f"{tag_of(element)}.{class_string(element)}"
    return None if "@" in prefix else prefix


def trailing_run(
    count: int,
    key: Callable[[int], LoopKey],
    *,
    allow_cut_last: bool = True,
    prefix: Callable[[int], str | None] | None = None,
) -> int:
    """How many of ``count`` items at the end are copies of one another; keys are computed lazily.

    With ``allow_cut_last`` the last item may be a cut-off copy: same kind, text a prefix.
    ``prefix`` (optional) gives a cheap part of each key's kind: when two items' prefixes
    differ (neither ``None``) their kinds differ, so their full keys are not computed.
    """
    if count == 0:
        return 0

    def surely_differ(i: int, j: int) -> bool:
        if prefix is None:
            return False
        a, b = prefix(i), prefix(j)
        return a is not None and b is not None and a != b

    reference = count - 1
    if count >= 2 and surely_differ(count - 1, count - 2):
        return 1  # the last two differ in kind: no cut-off copy, no run
    ref_key = key(reference)
    if allow_cut_last and count >= 2:
        before = key(count - 2)
        if ref_key != before and ref_key.kind == before.kind and before.text.startswith(ref_key.text):
            reference, ref_key = count - 2, before
    start = reference
    while start > 0 and not surely_differ(start - 1, reference) and key(start - 1) == ref_key:
        start -= 1
    return count - start


def _suffix_periodic(text: str, period: int, length: int) -> bool:
    n = len(text)
    return text[n - length :] == text[n - length - period : n - period]


def trailing_period(text: str) -> tuple[int, int] | None:
    """``(keep, repeats)`` when ``text`` ends in a loop: ``text[:keep]`` holds one copy of the unit.

    The unit is the shortest period of the longest periodic suffix (found by bisection, so
    the cost stays near-linear); ``repeats`` counts its whole copies.
    """
    n = len(text)
    for period in range(1, min(MAX_TEXT_PERIOD, n // MIN_TEXT_REPEATS) + 1):
        if text[n - 1] != text[n - 1 - period] or not _suffix_periodic(text, period, min(_PROBE, n - period)):
            continue
        low, high = min(_PROBE, n - period), n - period  # the longest periodic suffix, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            if _suffix_periodic(text, period, middle):
                low = middle
            else:
                high = middle - 1
        span = low + period
        repeats = span // period
        unit = text[n - period :]
        if repeats >= MIN_TEXT_REPEATS and span >= MIN_TEXT_LOOP_CHARS and any(ch.isalnum() for ch in unit):
            # Drop whole copies counted back from the end, so the copy kept is never cut
            # mid-word (a copy cut by the token limit stays as a fragment after it).
            return n - (repeats - 1) * period, repeats
    return None


def _text_slots_reversed(root: Element) -> Iterator[tuple[Element, bool]]:
    """Every (element, is_tail) text position under ``root``, last first (lazily, so the end is cheap)."""
    todo: list[tuple[Element, bool]] = [(root, False)]
    while todo:
        element, is_text = todo.pop()
        if is_text:
            yield element, False
            continue
        if element is not root:
            yield element, True
        tag = tag_of(element)
        if tag in SKIPPED_TAGS or tag == "":
            continue
        todo.append((element, True))
        todo.extend((child, False) for child in element)


def collapse_text_loop(root: Element) -> int:
    """Cut a looping phrase at the end of the last text under ``root``; returns the copies dropped."""
    for element, is_tail in _text_slots_reversed(root):
        text = element.tail if is_tail else element.text
        if not text or not text.strip():
            continue
        stripped = text.rstrip()
        found = trailing_period(stripped)
        if found is None:
            return 0
        keep, repeats = found
        if is_tail:
            element.tail = stripped[:keep]
        else:
            element.text = stripped[:keep]
        return repeats - 1
    return 0


def _row_key(element: Element) -> LoopKey:
    if tag_of(element) == "tr":
        return LoopKey("tr", "\x1f".join(element_text(cell) for cell in element))
    return LoopKey(tag_of(element), element_text(element))


def _keys_of(rows: list[Element]) -> Callable[[int], LoopKey]:
    return lambda i: _row_key(rows[i])


def collapse_nested_loops(element: Element) -> int:
    """Drop repeated trailing ``<tr>``/``<li>`` copies along the last-child chain of ``element``."""
    dropped = 0
    current: Element | None = element
    while current is not None:
        children = list(current)
        if tag_of(current) in ("ul", "ol", "table", "tbody", "thead", "tfoot"):
            rows = [c for c in children if tag_of(c) in ("tr", "li")]
            run = trailing_run(len(rows), _keys_of(rows))
            if run >= MIN_REPEATED_ROWS:
                for extra in rows[len(rows) - run + 1 :]:
                    current.remove(extra)
                dropped += run - 1
                children = list(current)
        current = children[-1] if children else None
    return dropped
