"""The exporters, looked up by format name."""

from __future__ import annotations

from docparse.export.base import Exporter
from docparse.export.csv_export import CsvExporter
from docparse.export.html_export import HtmlExporter
from docparse.export.json_export import JsonExporter
from docparse.export.markdown_export import MarkdownExporter

_EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter for exporter in (JsonExporter(), HtmlExporter(), CsvExporter(), MarkdownExporter())
}

FORMATS: tuple[str, ...] = tuple(_EXPORTERS)
"""The known formats: ``("json", "html", "csv", "md")``."""


class UnknownFormatError(KeyError):
    """An export format that is not in :data:`FORMATS`."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self.format = fmt

    def __str__(self) -> str:
        return f"unknown export format {self.format!r}; known formats: {', '.join(FORMATS)}"


def get_exporter(fmt: str) -> Exporter:
    """The exporter of ``fmt``; :class:`UnknownFormatError` (a ``KeyError``) lists the known formats otherwise."""
    try:
        return _EXPORTERS[fmt]
    except KeyError:
        raise UnknownFormatError(fmt) from None
