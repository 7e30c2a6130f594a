"""The document-level pass: what only the whole document shows, added to its pages.

Pure (schemas in, schemas out; no I/O): :func:`analyse` reads the validated pages of a
document and returns a :class:`schemas.DocumentStructure` — running headers, footers and
page numbers labelled (:mod:`.furniture`), paragraphs, lists and tables continued across
column and page breaks linked into logical blocks (:mod:`.continuations`, :mod:`.merge`),
and every table as data. Nothing the model said is changed or lost: pages stay as they are.
:func:`reading_flow` is the view exporters use: the blocks to show page by page, merged
forms in place of their parts, furniture dropped unless asked for.

Runs when a document's last page is persisted (workers), after a reviewer's correction or
accept of one of its pages (:func:`workers.document_pass.run_document_pass`) and at the end of
``docparse parse``.
"""

from docparse.document.analyse import PASS_VERSION, analyse, placed_blocks, structure_of, with_structure
from docparse.document.view import FlowOptions, reading_flow

__all__ = [
    "PASS_VERSION",
    "FlowOptions",
    "analyse",
    "placed_blocks",
    "reading_flow",
    "structure_of",
    "with_structure",
]
