"""The document-level pass: a pure function of the document's pages."""

from __future__ import annotations

from collections.abc import Iterator

from docparse.document.continuations import Chain, find_chains
from docparse.document.furniture import find_furniture
from docparse.document.geometry import Placed, norm_box
from docparse.document.merge import header_rows, join_items, join_text, merge_tables, table_text
from schemas import Document, DocumentStructure, DocumentTable, LogicalBlock, TableData

PASS_VERSION = "1"
"""The version of the pass's rules; bump it when a rule changes what the pass finds."""


def placed_blocks(document: Document) -> Iterator[Placed]:
    """Every block of the document in reading order (pages by number, blocks by order)."""
    for page in sorted(document.pages, key=lambda p: p.number):
        for block in sorted(page.blocks, key=lambda b: b.order):
            yield Placed(page, block, norm_box(page, block))


def _logical(document_id: str, n: int, chain: Chain, table: DocumentTable | None) -> LogicalBlock:
    blocks = [p.block for p in chain.parts]
    first = blocks[0]
    fields: dict[str, object] = {}
    if first.type == "list":
        fields.update(
            ordered=first.ordered,
            start=first.start,
            items=join_items([b.items for b in blocks if b.type == "list"]),
            text="\n".join(b.text for b in blocks),
        )
    elif table is not None:
        fields["text"] = table_text(table.data)
    elif first.type == "paragraph":
        text = ""
        for block in blocks:
            text = join_text(text, block.text)
        fields["text"] = text
    return LogicalBlock(
        id=f"{document_id}:l{n}",
        type="list" if first.type == "list" else "table" if first.type == "table" else "paragraph",
        parts=[p.ref for p in chain.parts],
        breaks=list(chain.breaks),
        table_index=table.index if table is not None else None,
        **fields,
    )


def _table(index: int, chain: Chain, logical_id: str | None) -> DocumentTable:
    grids: list[TableData] = [p.block for p in chain.parts if p.block.type == "table"]
    data = merge_tables(grids, chain.skips)
    first = chain.parts[0]
    caption = next((p.block.caption for p in chain.parts if p.block.type == "table" and p.block.caption), None)
    return DocumentTable(
        index=index,
        block_id=first.block.id,
        logical_id=logical_id,
        page=first.block.page,
        bbox=first.block.bbox,
        bbox_norm=first.box,
        parts=[p.ref for p in chain.parts],
        caption=caption,
        header_rows=header_rows(data),
        repeated_header_rows=sum(chain.skips),
        # a merged grid is a TableData validated by merge_tables; a one-page table is its block
        # (a TableData subclass with more fields): only that one becomes a plain grid
        data=data.plain(),
    )


def analyse(document: Document) -> DocumentStructure:
    """Running headers, footers and page numbers; paragraphs, lists and tables continued across
    column and page breaks; every table as data. Pages are read, never changed."""
    labels = find_furniture(placed_blocks(document))
    furniture = {label.block_id for label in labels}
    flow = (item for item in placed_blocks(document) if item.block.id not in furniture)
    logical: list[LogicalBlock] = []
    tables: list[DocumentTable] = []
    for chain in find_chains(flow):
        merged = len(chain.parts) > 1
        if not merged and chain.parts[0].block.type != "table":
            continue
        logical_id = f"{document.id}:l{len(logical) + 1}" if merged else None
        table = _table(len(tables) + 1, chain, logical_id) if chain.parts[0].block.type == "table" else None
        if table is not None:
            tables.append(table)
        if merged:
            logical.append(_logical(document.id, len(logical) + 1, chain, table))
    return DocumentStructure(pass_version=PASS_VERSION, labels=labels, logical_blocks=logical, tables=tables)


def with_structure(document: Document) -> Document:
    """The document with the pass's result attached (a copy; ``document`` is not changed)."""
    return document.model_copy(update={"structure": analyse(document)})


def structure_of(document: Document) -> DocumentStructure:
    """The document's stored pass result, or the pass run now when it has none."""
    return document.structure if document.structure is not None else analyse(document)
