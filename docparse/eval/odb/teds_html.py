"""TEDS and TEDS-structure on HTML tables, as OmniDocBench (after PubTabNet) computes them.

Tree: the first ``body/table`` of each HTML document (lxml's HTML parser, comments removed);
every element below it is a node labelled by its tag, ``td`` nodes also by ``colspan``,
``rowspan`` (default 1) and their content: the characters of the cell's text with the tags of
nested elements as ``<tag>``/``</tag>`` tokens (empty for TEDS-structure). Nodes below a
``td`` are not tree nodes.

Costs: insert and delete 1; rename 1 when tag, colspan or rowspan differ, else for ``td``
the normalized Levenshtein distance of the two token lists (0 when both are empty), 0 for
other tags. ``TEDS = 1 - TED / n`` with ``n`` the larger number of elements below ``table``
(all descendants, also those inside cells). 0 when either side is empty or has no table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apted import APTED  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]
from lxml import html as lxml_html
from rapidfuzz.distance import Levenshtein


@dataclass
class HtmlNode:
    """One node of the TEDS tree."""

    tag: str
    colspan: int | None = None
    rowspan: int | None = None
    content: list[str] = field(default_factory=list)
    children: list[HtmlNode] = field(default_factory=list)


class _Costs:
    """OmniDocBench's ``CustomConfig`` for APTED."""

    valuecls = float

    def delete(self, node: HtmlNode) -> float:
        return 1.0

    def insert(self, node: HtmlNode) -> float:
        return 1.0

    def rename(self, a: HtmlNode, b: HtmlNode) -> float:
        if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
            return 1.0
        if a.tag == "td" and (a.content or b.content):
            return Levenshtein.distance(a.content, b.content) / max(len(a.content), len(b.content))
        return 0.0

    def children(self, node: HtmlNode) -> list[HtmlNode]:
        return node.children


def _tag(element: Any) -> str:
    return str(element.tag)


def _tokens(element: Any, out: list[str]) -> None:
    out.append(f"<{_tag(element)}>")
    if element.text is not None:
        out.extend(element.text)
    for child in element:
        _tokens(child, out)
    if _tag(element) != "unk":
        out.append(f"</{_tag(element)}>")
    if _tag(element) != "td" and element.tail is not None:
        out.extend(element.tail)


def _span(element: Any, name: str) -> int:
    return int(element.attrib.get(name, "1"))


def _tree(element: Any, structure_only: bool) -> HtmlNode:
    if _tag(element) == "td":
        tokens: list[str] = []
        if not structure_only:
            _tokens(element, tokens)
            tokens = tokens[1:-1]
        return HtmlNode("td", _span(element, "colspan"), _span(element, "rowspan"), tokens)
    node = HtmlNode(_tag(element))
    node.children = [_tree(child, structure_only) for child in element]
    return node


def _table(markup: str) -> Any | None:
    parser = lxml_html.HTMLParser(remove_comments=True, encoding="utf-8")
    try:
        root = lxml_html.fromstring(markup, parser=parser)
    except (ValueError, etree.ParserError):  # nothing to parse: scored 0, as the official code does
        return None
    tables = root.xpath("body/table")
    return tables[0] if tables else None


def teds_html(pred: str, gold: str, *, structure_only: bool = False) -> float:
    """TEDS (or TEDS-structure) of the predicted HTML table against the gold one."""
    if not pred or not gold:
        return 0.0
    pred_table, gold_table = _table(pred), _table(gold)
    if pred_table is None or gold_table is None:
        return 0.0
    n_nodes = max(len(pred_table.xpath(".//*")), len(gold_table.xpath(".//*")))
    if n_nodes == 0:
        return 0.0
    distance = APTED(_tree(pred_table, structure_only), _tree(gold_table, structure_only), _Costs())
    return 1.0 - float(distance.compute_edit_distance()) / n_nodes
