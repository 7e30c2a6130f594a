"""The reading flow that exports show: page by page, merged forms, furniture dropped by default."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Block, Document, DocumentStructure, DocumentTable, LogicalBlock, Page


@dataclass(frozen=True)
class FlowOptions:
    """* ``furniture`` — keep running headers, footers and page numbers in the flow (default: drop).
    * ``merge`` — show a continued paragraph, list or table once, merged, where its first part
      is (default); ``False`` shows every part where it is on its page."""

    furniture: bool = False
    merge: bool = True


def merged_block(block: Block, logical: LogicalBlock, tables: dict[int, DocumentTable]) -> Block:
    """The first part of ``logical`` with the merged content in place of its own (same id,
    page, order and box, so anchors and box comments point at where the block starts)."""
    if block.type == "paragraph":
        return block.model_copy(update={"text": logical.text})
    if block.type == "list" and logical.items is not None:
        return block.model_copy(update={"items": logical.items, "text": logical.text})
    if block.type == "table" and logical.table_index in tables:
        table = tables[logical.table_index]
        data = table.data
        return block.model_copy(
            update={"n_rows": data.n_rows, "n_cols": data.n_cols, "cells": data.cells, "caption": table.caption}
        )
    return block


def reading_flow(
    document: Document, structure: DocumentStructure, options: FlowOptions | None = None
) -> list[tuple[Page, list[Block]]]:
    """Each page (in document order) with the blocks to show on it, in reading order."""
    opts = options or FlowOptions()
    furniture = {label.block_id for label in structure.labels} if not opts.furniture else set()
    tables = {table.index: table for table in structure.tables}
    first_of: dict[str, LogicalBlock] = {}
    later: set[str] = set()
    if opts.merge:
        for logical in structure.logical_blocks:
            first_of[logical.parts[0].block_id] = logical
            later.update(part.block_id for part in logical.parts[1:])
    out: list[tuple[Page, list[Block]]] = []
    for page in document.pages:
        shown: list[Block] = []
        for block in page.blocks:
            if block.id in later or block.id in furniture:
                continue
            merged = first_of.get(block.id)
            shown.append(merged_block(block, merged, tables) if merged is not None else block)
        out.append((page, shown))
    return out
