"""Properties of the pass on random documents: it never drops or duplicates text, and it is a
pure, repeatable function of the pages."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from docparse.document import FlowOptions, analyse, reading_flow, with_structure
from schemas import Block, Document, TableBlock
from tests.document.builders import FULL, LEFT, RIGHT, PageBuilder, document

WORDS = ["alpha", "beta", "Gamma", "delta.", "eps,", "42", "zeta?", "eta:", "theta-", "Iota"]
text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
cell = st.sampled_from(["a", "b", "1,000.50", "(2.5)", "Item", "Price"])


@st.composite
def page(draw: st.DrawFn, number: int) -> PageBuilder:
    builder = PageBuilder(number)
    if draw(st.booleans()):
        builder.add_text(draw(st.sampled_from(["Running head", f"Report {number}"])), FULL, (30, 42))
    y, column = 80.0, draw(st.sampled_from([FULL, LEFT]))
    for _ in range(draw(st.integers(0, 5))):
        height = draw(st.sampled_from([40.0, 120.0, 250.0]))
        if y + height > 740:
            if column != LEFT:
                break
            y, column = 80.0, RIGHT
        kind = draw(st.sampled_from(["para", "para", "list", "table"]))
        span = (y, y + height)
        if kind == "para":
            builder.add_text(draw(text), column, span)
        elif kind == "list":
            builder.lst(draw(st.lists(text, min_size=1, max_size=3)), ordered=draw(st.booleans()), y=span)
        else:
            cols = draw(st.integers(1, 2))
            rows = draw(st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=4))
            builder.table(rows, header=draw(st.integers(0, 1)), y=span)
        y += height + 10
    if draw(st.booleans()):
        builder.add_text(f"- {number} -", FULL, (760, 772))
    return builder


@st.composite
def documents(draw: st.DrawFn) -> Document:
    count = draw(st.integers(1, 4))
    return document(*[draw(page(n)) for n in range(1, count + 1)])


def chars(block: Block) -> Counter[str]:
    """The non-space characters of a block's content (hyphens left out: a word hyphenated
    across a break loses its hyphen, by design)."""
    if isinstance(block, TableBlock):
        content = "".join(c.text for c in block.cells)
    elif block.type == "list":
        content = "".join(i.text for i in block.items)
    else:
        content = block.text
    return Counter(ch for ch in content if not ch.isspace() and ch != "-")


@settings(deadline=None, max_examples=150)
@given(documents())
def test_every_block_is_labelled_merged_or_shown_exactly_once(doc: Document) -> None:
    structure = analyse(doc)
    ids = [b.id for p in doc.pages for b in p.blocks]
    labelled = [lb.block_id for lb in structure.labels]
    later_parts = [p.block_id for lb in structure.logical_blocks for p in lb.parts[1:]]
    firsts = [lb.parts[0].block_id for lb in structure.logical_blocks]
    assert len(set(labelled + later_parts + firsts)) == len(labelled) + len(later_parts) + len(firsts)
    shown = [b.id for _, blocks in reading_flow(doc, structure) for b in blocks]
    assert sorted(shown + labelled + later_parts) == sorted(ids)


@settings(deadline=None, max_examples=150)
@given(documents())
def test_the_merged_flow_keeps_all_text_outside_tables(doc: Document) -> None:
    structure = analyse(doc)
    flow = reading_flow(doc, structure, FlowOptions(furniture=True))
    source = sum((chars(b) for p in doc.pages for b in p.blocks if b.type != "table"), Counter[str]())
    shown = sum((chars(b) for _, blocks in flow for b in blocks if b.type != "table"), Counter[str]())
    assert shown == source


def _droppings(rest: list[list[str]], grids: list[list[list[str]]], head: list[list[str]]) -> set[int]:
    """The header rows dropped, in all, by each way ``rest`` is ``grids`` in order, each less a
    prefix of its rows equal to ``head``'s first rows."""
    if not grids:
        return {0} if not rest else set()
    grid, found = grids[0], set()
    for skip in range(min(len(grid), len(head)) + 1):
        if grid[:skip] != head[:skip]:
            break
        if rest[: len(grid) - skip] == grid[skip:]:
            found |= {skip + d for d in _droppings(rest[len(grid) - skip :], grids[1:], head)}
    return found


@settings(deadline=None, max_examples=150)
@given(documents())
def test_merged_tables_are_their_parts_rows_minus_only_repeated_headers(doc: Document) -> None:
    structure = analyse(doc)
    blocks = {b.id: b for p in doc.pages for b in p.blocks}
    assert [t.index for t in structure.tables] == list(range(1, len(structure.tables) + 1))
    assert sum(len(t.parts) for t in structure.tables) == sum(isinstance(b, TableBlock) for b in blocks.values())
    for table in structure.tables:
        grids = [blocks[p.block_id].grid() for p in table.parts if isinstance(blocks[p.block_id], TableBlock)]
        merged, head = table.data.grid(), grids[0]
        assert merged[: len(head)] == head
        # every way to read the rest as the later parts, each less a prefix of the head's rows
        # (a data row equal to a header row makes several): one drops the rows the pass says
        assert table.repeated_header_rows in _droppings(merged[len(head) :], grids[1:], head)


@settings(deadline=None, max_examples=60)
@given(documents())
def test_the_pass_is_pure_and_idempotent(doc: Document) -> None:
    once = with_structure(doc)
    assert analyse(once) == once.structure == analyse(doc)
    assert once.pages == doc.pages


@st.composite
def continued_tables(draw: st.DrawFn) -> tuple[Document, list[str], list[list[list[str]]]]:
    """A table over 2..4 pages, each continuation with the header repeated or absent."""
    cols = draw(st.integers(1, 4))
    header = [f"H{c}" for c in range(cols)]
    row = st.lists(cell, min_size=cols, max_size=cols)
    parts = [draw(st.lists(row, min_size=1, max_size=5)) for _ in range(draw(st.integers(2, 4)))]
    pages = []
    for n, rows in enumerate(parts, 1):
        repeat = n == 1 or draw(st.booleans())
        y = (400.0, 740.0) if n == 1 else (50.0, 740.0 if n < len(parts) else 300.0)
        pages.append(PageBuilder(n).table([header, *rows] if repeat else rows, header=int(repeat), y=y))
    return document(*pages), header, parts


@settings(deadline=None, max_examples=100)
@given(continued_tables())
def test_a_table_continued_over_pages_is_one_table_with_every_row_once(
    case: tuple[Document, list[str], list[list[list[str]]]],
) -> None:
    doc, header, parts = case
    structure = analyse(doc)
    (table,) = structure.tables
    assert table.data.grid() == [header, *(r for rows in parts for r in rows)]
    assert [p.page for p in table.parts] == list(range(1, len(parts) + 1))
    assert table.header_rows == 1
