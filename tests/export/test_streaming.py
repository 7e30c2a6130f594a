"""Streaming: row exports yield row by row and never hold the whole output."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Generator, Iterator

from docparse.export import ExportOptions, get_exporter
from schemas import BBox, Document, Page, ParagraphBlock, block_id
from tests.export.conftest import PT, build_document

N_BLOCKS = 10_000


def big_document() -> Document:
    text = 'Lorem ipsum, dolor "sit" amet; ' * 4
    blocks = [
        ParagraphBlock(
            id=block_id("doc-0001", 1 + i // 100, i % 100),
            page=1 + i // 100,
            order=i % 100,
            bbox=BBox(x0=10, y0=10, x1=100.5, y1=20.25),
            bbox_norm=BBox(x0=0.01, y0=0.01, x1=0.2, y1=0.3),
            text=f"{i}: {text}",
        )
        for i in range(N_BLOCKS)
    ]
    pages = [Page(number=n + 1, geometry=PT, status="ok", blocks=blocks[n * 100 : (n + 1) * 100]) for n in range(100)]
    return build_document(pages)


def consume(chunks: Iterator[str]) -> tuple[int, int, int]:
    """Drain ``chunks`` keeping nothing: (number of chunks, total length, largest chunk)."""
    count = total = largest = 0
    for chunk in chunks:
        count += 1
        total += len(chunk)
        largest = max(largest, len(chunk))
    return count, total, largest


def test_csv_streams_one_row_per_chunk_without_building_the_output() -> None:
    document = big_document()
    exporter = get_exporter("csv")
    chunks = exporter.stream(document, ExportOptions())
    assert isinstance(chunks, Generator)
    gc.collect()
    tracemalloc.start()
    try:
        count, total, largest = consume(chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == N_BLOCKS + 1  # the header, then one chunk per row
    assert largest < 1_000
    assert total > 2_000_000  # the whole output is several MB ...
    assert peak < total // 10  # ... but it never existed at once


def test_every_format_streams_in_many_chunks() -> None:
    document = big_document()
    for fmt in ("json", "html", "md"):
        count, total, largest = consume(get_exporter(fmt).stream(document, ExportOptions()))
        assert count > 100, fmt
        assert largest < total // 10, fmt
