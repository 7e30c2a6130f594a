"""TEDS: tree-edit-distance-based similarity of tables (PubTabNet / OmniDocBench style).

Tree
----
A :class:`schemas.TableData` becomes ``table > tr > td``: one ``tr`` node per grid row
(``0 .. n_rows-1``, a row whose slots are all covered by rowspans from above is an empty
``tr``), holding one ``td`` node per cell *anchored* in that row, left to right, each
labelled with its ``colspan``, ``rowspan`` and content (the cell text after
:func:`~docparse.eval.text_metrics.normalize_text`, compared character by character).
Header flags are not part of the tree (OmniDocBench rewrites ``th`` to ``td`` too), and there
are no ``thead``/``tbody`` nodes. ``|T| = 1 + n_rows + number of cells``.

Costs
-----
Insert and delete cost 1. Renaming node ``a`` to ``b`` costs 1 when the tags differ or
(for ``td``) the colspan or rowspan differ; otherwise 0 for ``table``/``tr``, and for
``td`` the normalized edit distance of the two contents (0 when both are empty). For
TEDS-struct every content is empty, so only the structure counts.

Score
-----
``TEDS(T1, T2) = 1 - TED(T1, T2) / max(|T1|, |T2|)``, in ``[0, 1]``, 1 for identical
tables. ``TED`` is computed with APTED (the ``apted`` package, as in PubTabNet's reference
implementation). PubTabNet normalizes by the number of *descendants* of ``<table>`` in the
HTML (so also ``thead``/``tbody`` and inline tags); we count the nodes of the tree above,
root included, which is the same up to those wrapper nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apted import APTED  # type: ignore[import-untyped]

from docparse.eval.text_metrics import ned, normalize_text
from schemas import TableData


@dataclass
class TableNode:
    """A node of the table tree: ``tag`` is ``table``, ``tr`` or ``td``; spans and content only matter for ``td``."""

    tag: str
    colspan: int = 1
    rowspan: int = 1
    content: str = ""
    children: list[TableNode] = field(default_factory=list)

    def size(self) -> int:
        """The number of nodes of the subtree rooted here."""
        return 1 + sum(child.size() for child in self.children)


class _TedsCosts:
    """The APTED cost model above (duck-typed like ``apted.Config``, with float costs)."""

    valuecls = float

    def delete(self, node: TableNode) -> float:
        return 1.0

    def insert(self, node: TableNode) -> float:
        return 1.0

    def rename(self, a: TableNode, b: TableNode) -> float:
        if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
            return 1.0
        if a.tag == "td":
            return ned(a.content, b.content)
        return 0.0

    def children(self, node: TableNode) -> list[TableNode]:
        return node.children


def table_tree(table: TableData, *, structure_only: bool = False) -> TableNode:
    """The ``table > tr > td`` tree of a cell grid (cell text left out when ``structure_only``)."""
    rows = [TableNode("tr") for _ in range(table.n_rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        content = "" if structure_only else normalize_text(cell.text)
        rows[cell.row].children.append(TableNode("td", cell.colspan, cell.rowspan, content))
    return TableNode("table", children=rows)


def tree_edit_distance(a: TableNode, b: TableNode) -> float:
    """APTED tree edit distance between two table trees under the TEDS cost model."""
    return float(APTED(a, b, _TedsCosts()).compute_edit_distance())


def teds_trees(a: TableNode, b: TableNode) -> float:
    """``1 - TED(a, b) / max(|a|, |b|)``."""
    return 1.0 - tree_edit_distance(a, b) / max(a.size(), b.size())


def teds(gold: TableData, pred: TableData) -> float:
    """TEDS of two tables: structure and cell text."""
    return teds_trees(table_tree(gold), table_tree(pred))


def teds_struct(gold: TableData, pred: TableData) -> float:
    """TEDS-struct (TEDS-S) of two tables: spans and layout only, cell text ignored."""
    return teds_trees(table_tree(gold, structure_only=True), table_tree(pred, structure_only=True))
