"""docparse's output contract: pydantic models only, importing nothing else of ours.

The JSON Schema of :class:`Document` is generated into ``schemas/jsonschema/`` by
``python -m schemas.generate`` and checked in; a test fails when it drifts.
"""

from schemas.blocks import (
    AuthorBlock,
    Block,
    BlockType,
    CaptionBlock,
    ChartBlock,
    ChemicalFormulaBlock,
    CodeBlock,
    FooterBlock,
    FormulaBlock,
    HeaderBlock,
    HeadingBlock,
    ImageBlock,
    ListBlock,
    ListItem,
    MusicSheetBlock,
    PageNumberBlock,
    ParagraphBlock,
    TableBlock,
    TableCell,
    TableData,
    UnknownBlock,
    block_id,
)
from schemas.document import TERMINAL_STATUSES, Document, DocumentStatus, derive_document_status, document_key
from schemas.geometry import BBox, CoordinateConvention, PageGeometry, Size, Unit
from schemas.issues import Issue, IssueCode, Severity
from schemas.page import Attempt, Page, PageStatus, StopReason
from schemas.version import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "TERMINAL_STATUSES",
    "Attempt",
    "AuthorBlock",
    "BBox",
    "Block",
    "BlockType",
    "CaptionBlock",
    "ChartBlock",
    "ChemicalFormulaBlock",
    "CodeBlock",
    "CoordinateConvention",
    "Document",
    "DocumentStatus",
    "FooterBlock",
    "FormulaBlock",
    "HeaderBlock",
    "HeadingBlock",
    "ImageBlock",
    "Issue",
    "IssueCode",
    "ListBlock",
    "ListItem",
    "MusicSheetBlock",
    "Page",
    "PageGeometry",
    "PageNumberBlock",
    "PageStatus",
    "ParagraphBlock",
    "Severity",
    "Size",
    "StopReason",
    "TableBlock",
    "TableCell",
    "TableData",
    "Unit",
    "UnknownBlock",
    "block_id",
    "derive_document_status",
    "document_key",
]
