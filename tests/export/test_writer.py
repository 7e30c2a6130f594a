"""write_export: stdout, directory, zip and single file targets."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from docparse.document import with_structure
from docparse.export import ExportOptions, get_exporter, write_export
from schemas import Document

OPTIONS = ExportOptions()


def expected_files(document: Document, fmt: str) -> dict[str, str]:
    return {name: "".join(chunks) for name, chunks in get_exporter(fmt).files(document, OPTIONS)}


def main_text(document: Document, fmt: str) -> str:
    return "".join(get_exporter(fmt).stream(document, OPTIONS))


@pytest.mark.parametrize("fmt", ["json", "html", "csv", "md"])
def test_no_out_writes_the_main_stream_to_stdout(document: Document, fmt: str) -> None:
    stdout = io.StringIO()
    assert write_export(document, fmt, None, OPTIONS, stdout) == []
    assert stdout.getvalue() == main_text(document, fmt)


def test_csv_to_stdout_is_blocks_csv_only(document: Document) -> None:
    stdout = io.StringIO()
    write_export(document, "csv", None, OPTIONS, stdout)
    assert stdout.getvalue() == expected_files(document, "csv")["blocks.csv"]
    assert "Region" not in stdout.getvalue()  # no table grid


def test_csv_to_a_new_suffixless_path_writes_every_file(document: Document, tmp_path: Path) -> None:
    out = tmp_path / "export"
    written = write_export(document, "csv", out, OPTIONS, io.StringIO())
    expected = expected_files(document, "csv")
    assert written == [out / name for name in expected]
    for name, text in expected.items():
        assert (out / name).read_bytes() == text.encode("utf-8")  # \r\n kept, no newline translation
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv")) == sorted(expected)


@pytest.mark.parametrize(("fmt", "name"), [("json", "document.json"), ("html", "document.html"), ("md", "document.md")])
def test_single_file_formats_into_an_existing_directory(
    document: Document, tmp_path: Path, fmt: str, name: str
) -> None:
    written = write_export(document, fmt, tmp_path, OPTIONS, io.StringIO())
    assert written == [tmp_path / name]
    assert (tmp_path / name).read_text(encoding="utf-8") == main_text(document, fmt)


def test_zip_holds_every_file(document: Document, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "export.zip"
    assert write_export(document, "csv", out, OPTIONS, io.StringIO()) == [out]
    expected = expected_files(document, "csv")
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == list(expected)
        assert archive.testzip() is None
        for name, text in expected.items():
            assert archive.read(name).decode("utf-8") == text


def test_zip_of_a_single_file_format(document: Document, tmp_path: Path) -> None:
    out = tmp_path / "doc.ZIP"
    write_export(document, "json", out, OPTIONS, io.StringIO())
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["document.json"]
        assert Document.model_validate_json(archive.read("document.json")) == with_structure(document)


@pytest.mark.parametrize(("fmt", "name"), [("html", "out/page.html"), ("csv", "blocks.csv"), ("json", "plain")])
def test_a_file_path_gets_the_main_stream(document: Document, tmp_path: Path, fmt: str, name: str) -> None:
    out = tmp_path / name
    assert write_export(document, fmt, out, OPTIONS, io.StringIO()) == [out]
    assert out.is_file()
    assert out.read_bytes() == main_text(document, fmt).encode("utf-8")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [out.name]


def test_unknown_format_writes_nothing(document: Document, tmp_path: Path) -> None:
    stdout = io.StringIO()
    with pytest.raises(KeyError, match="known formats: json, html, csv, md"):
        write_export(document, "xml", tmp_path / "x.zip", OPTIONS, stdout)
    assert not list(tmp_path.iterdir())
    assert stdout.getvalue() == ""


def test_options_reach_the_exporter(document: Document, tmp_path: Path) -> None:
    out = tmp_path / "doc.json"
    write_export(document, "json", out, ExportOptions(include_raw=False), io.StringIO())
    assert "<html>raw</html>" not in out.read_text(encoding="utf-8")
