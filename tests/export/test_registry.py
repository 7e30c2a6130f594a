"""The registry: formats, lookup, media types, and the exporter shape."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from docparse.export import FORMATS, ExportOptions, UnknownFormatError, get_exporter
from schemas import Document


def test_formats_are_the_four_known_ones() -> None:
    assert FORMATS == ("json", "html", "csv", "md")


@pytest.mark.parametrize(
    ("fmt", "media_type", "extension"),
    [
        ("json", "application/json", ".json"),
        ("html", "text/html", ".html"),
        ("csv", "text/csv", ".csv"),
        ("md", "text/markdown", ".md"),
    ],
)
def test_each_format_has_its_exporter(fmt: str, media_type: str, extension: str) -> None:
    exporter = get_exporter(fmt)
    assert exporter.name == fmt
    assert exporter.media_type == media_type
    assert exporter.extension == extension


def test_unknown_format_is_a_key_error_listing_the_formats() -> None:
    with pytest.raises(KeyError) as info:
        get_exporter("pdf")
    assert isinstance(info.value, UnknownFormatError)
    message = str(info.value)
    assert "'pdf'" in message
    for fmt in FORMATS:
        assert fmt in message


def test_options_are_frozen_with_documented_defaults() -> None:
    options = ExportOptions()
    assert (options.overlay, options.page_images, options.include_raw, options.md_box_comments) == (
        False,
        None,
        True,
        False,
    )
    with pytest.raises(AttributeError):
        options.overlay = True  # type: ignore[misc]


@pytest.mark.parametrize("fmt", FORMATS)
def test_stream_is_a_lazy_generator_of_strings(fmt: str, document: Document) -> None:
    chunks = get_exporter(fmt).stream(document, ExportOptions())
    assert isinstance(chunks, Generator)
    pieces = list(chunks)
    assert len(pieces) > 1
    assert all(isinstance(p, str) for p in pieces)


@pytest.mark.parametrize("fmt", FORMATS)
def test_files_yield_the_main_stream_first(fmt: str, document: Document) -> None:
    exporter = get_exporter(fmt)
    files = list(exporter.files(document, ExportOptions()))
    main = "".join(exporter.stream(document, ExportOptions()))
    name, chunks = files[0]
    assert isinstance(chunks, Generator)
    assert "".join(chunks) == main
    if fmt == "csv":
        assert name == "blocks.csv"
    else:
        assert name == f"document{exporter.extension}"
        assert len(files) == 1
