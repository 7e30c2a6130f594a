"""A typed seam over lxml's recovering HTML parser.

lxml ships no type information, so the rest of the package sees elements only through the
:class:`Element` protocol below, which names exactly what the parser uses. Comments and
processing instructions are removed at parse time, so every node has a string ``tag``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, cast

from lxml import etree  # type: ignore[import-untyped]


class Element(Protocol):
    """The subset of ``lxml.etree._Element`` the parser relies on."""

    tag: object
    text: str | None
    tail: str | None

    def get(self, key: str, default: str | None = None) -> str | None: ...

    def __iter__(self) -> Iterator[Element]: ...

    def __len__(self) -> int: ...

    def iter(self, *tags: str) -> Iterator[Element]: ...

    def remove(self, element: Element) -> None: ...


def _make_parser() -> object:
    return etree.HTMLParser(
        recover=True,
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        encoding="utf-8",
        default_doctype=False,
        huge_tree=True,  # no depth limit: deeply nested output must not lose its text
    )


def parse_document(html: str) -> Element | None:
    """Parse an HTML string with recovery; ``None`` when there is nothing to parse.

    The string is handed over as UTF-8 bytes with the encoding fixed, so a ``<meta charset>``
    or an XML declaration in the model output cannot change how it is read.
    """
    data = html.encode("utf-8", errors="replace")
    if not data.strip():
        return None
    try:
        root = etree.fromstring(data, _make_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):  # pragma: no cover - defensive
        return None
    return cast("Element | None", root)


def tag_of(element: Element) -> str:
    """The tag name (the HTML parser lower-cases it); ``""`` for anything that is not a plain element."""
    tag = element.tag
    return tag if isinstance(tag, str) else ""


def serialize(element: Element) -> str:
    """The element's HTML source (without its tail)."""
    return cast(str, etree.tostring(element, encoding="unicode", method="html", with_tail=False))
