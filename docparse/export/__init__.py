"""Exports: a document -> JSON, HTML, CSV or Markdown.

Each format is a serializer module (``json_export``, ``html_export`` + ``html_overlay``,
``csv_export``, ``markdown_export``) registered by name in :mod:`docparse.export.registry`.
Exporters only produce text chunks (generators); :func:`write_export` is the one function
that writes them to stdout, a file, a directory or a zip. This package imports only
:mod:`schemas`, the standard library and Pillow.

>>> exporter = get_exporter("csv")
>>> exporter.media_type
'text/csv'
"""

from docparse.export.base import Exporter, ExportOptions
from docparse.export.registry import FORMATS, UnknownFormatError, get_exporter
from docparse.export.writer import write_export

__all__ = ["FORMATS", "ExportOptions", "Exporter", "UnknownFormatError", "get_exporter", "write_export"]
