"""The exporters, looked up by format name."""

from __future__ import annotations

from docparse.export.base import BinaryExporter, Exporter
from docparse.export.csv_export import CsvExporter
from docparse.export.html_export import HtmlExporter
from docparse.export.json_export import JsonExporter
from docparse.export.markdown_export import MarkdownExporter
from docparse.export.xlsx_export import XlsxExporter

_EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter for exporter in (JsonExporter(), HtmlExporter(), CsvExporter(), MarkdownExporter())
}

FORMATS: tuple[str, ...] = tuple(_EXPORTERS)
"""The text formats: ``("json", "html", "csv", "md")``."""

_BINARY: dict[str, BinaryExporter] = {exporter.name: exporter for exporter in (XlsxExporter(),)}

BINARY_FORMATS: tuple[str, ...] = tuple(_BINARY)
"""The binary formats: ``("xlsx",)``."""

ALL_FORMATS: tuple[str, ...] = FORMATS + BINARY_FORMATS
"""Every export format."""


class UnknownFormatError(KeyError):
    """An export format that is not in :data:`FORMATS`."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self.format = fmt

    def __str__(self) -> str:
        return f"unknown export format {self.format!r}; known formats: {', '.join(ALL_FORMATS)}"


def get_exporter(fmt: str) -> Exporter:
    """The exporter of text format ``fmt``; :class:`UnknownFormatError` (a ``KeyError``) lists
    the known formats otherwise (also for a binary format: see :func:`get_binary_exporter`)."""
    try:
        return _EXPORTERS[fmt]
    except KeyError:
        raise UnknownFormatError(fmt) from None


def get_binary_exporter(fmt: str) -> BinaryExporter:
    """The exporter of binary format ``fmt`` (``"xlsx"``); :class:`UnknownFormatError` otherwise."""
    try:
        return _BINARY[fmt]
    except KeyError:
        raise UnknownFormatError(fmt) from None
