"""A 4-page document for the document-level goldens: a running header, a footer with page
numbers, a paragraph cut by a column break, a list continued on the next page and a table
continued over two page breaks (header row repeated once, absent once)."""

from __future__ import annotations

from schemas import Document
from tests.document.builders import LEFT, RIGHT, PageBuilder, document

HEAD = ["Item", "Qty", "Price (EUR)"]


def flow_document() -> Document:
    one = (
        PageBuilder(1)
        .header("Quarterly report — ACME Corp")
        .para("Sales rose in every region, and the", x=LEFT, y=(500, 735))
        .para("growth (13.1%) came mostly from 2. quarter orders.", x=RIGHT, y=(80, 200))
        .lst(["first point;", "second point"], ordered=True, y=(600, 740))
        .footer("Page 1 of 3")
    )
    two = (
        PageBuilder(2)
        .header("Quarterly report — ACME Corp")
        .lst(["third point."], ordered=True, start=3, y=(60, 90))
        .para("The table lists the orders.", y=(100, 120))
        .table([HEAD, ["Chairs", "4", "1,204.50"], ["Desks", "2", "919.00"]], header=1, y=(400, 740))
        .footer("Page 2 of 3")
    )
    three = (
        PageBuilder(3)
        .header("Quarterly report — ACME Corp")
        .table([HEAD, ["Lamps", "10", "(84.00)"]], header=1, y=(60, 740))
        .footer("Page 3 of 3")
    )
    four = (
        PageBuilder(4)
        .header("Quarterly report — ACME Corp")
        .table([["Total", "16", "2,039.50"]], y=(60, 90))
        .para("End of report.", y=(100, 120))
        .footer("Page 4 of 4")
    )
    return document(one, two, three, four)
