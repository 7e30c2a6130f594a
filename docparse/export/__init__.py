"""Exports: a document -> JSON, HTML, CSV, Markdown or XLSX.

Each format is a serializer module (``json_export``, ``html_export`` + ``html_overlay``,
``csv_export``, ``markdown_export``, ``xlsx_export``) registered by name in
:mod:`docparse.export.registry`. Text exporters only produce text chunks (generators); the
XLSX exporter writes a workbook to a binary handle. :func:`write_export` is the one function
that writes exports to stdout, a file, a directory or a zip. This package imports only
:mod:`schemas`, the document pass (:mod:`docparse.document`), the standard library, Pillow
and openpyxl.

>>> exporter = get_exporter("csv")
>>> exporter.media_type
'text/csv'
"""

from docparse.export.base import BinaryExporter, Exporter, ExportOptions
from docparse.export.registry import (
    ALL_FORMATS,
    BINARY_FORMATS,
    FORMATS,
    UnknownFormatError,
    get_binary_exporter,
    get_exporter,
)
from docparse.export.writer import write_export

__all__ = [
    "ALL_FORMATS",
    "BINARY_FORMATS",
    "FORMATS",
    "BinaryExporter",
    "ExportOptions",
    "Exporter",
    "UnknownFormatError",
    "get_binary_exporter",
    "get_exporter",
    "write_export",
]
