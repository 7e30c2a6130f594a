"""Writing an export: the only place in :mod:`docparse.export` that touches the filesystem."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TextIO

from docparse.export.base import ExportOptions
from docparse.export.registry import BINARY_FORMATS, get_binary_exporter, get_exporter
from schemas import Document


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"unsafe export file name {name!r}")
    return path


def _write_file(path: Path, chunks: Iterable[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for chunk in chunks:
            handle.write(chunk)
    return path


def write_export(
    document: Document,
    fmt: str,
    out: Path | None,
    options: ExportOptions,
    stdout: TextIO,
) -> list[Path]:
    """Export ``document`` as ``fmt`` and write it; returns the paths written.

    * ``out`` is ``None``: the main stream goes to ``stdout`` (for csv only ``blocks.csv``); returns ``[]``.
    * ``out`` ends in ``.zip``: one zip archive (deflated, UTF-8 members) of every file; returns ``[out]``.
    * ``out`` is an existing directory, or, for a multi-file format (csv), a path without a
      suffix: every file is written under it (parents created; existing files replaced).
    * otherwise ``out`` is a file path and receives the main stream.

    A binary format (xlsx) is one file: to ``stdout``'s binary buffer, into a zip as
    ``document.xlsx``, into a directory as ``document.xlsx``, or to the file ``out``.

    Raises :class:`~docparse.export.registry.UnknownFormatError` (a ``KeyError``) for an unknown format.
    """
    if fmt in BINARY_FORMATS:
        return _write_binary(document, fmt, out, options, stdout)
    exporter = get_exporter(fmt)
    if out is None:
        for chunk in exporter.stream(document, options):
            stdout.write(chunk)
        stdout.flush()
        return []
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, chunks in exporter.files(document, options):
                with archive.open(str(_safe_relative(name)), "w", force_zip64=True) as member:
                    for chunk in chunks:
                        member.write(chunk.encode("utf-8"))
        return [out]
    multi_file = fmt == "csv"
    if out.is_dir() or (multi_file and not out.suffix):
        return [
            _write_file(out.joinpath(*_safe_relative(name).parts), chunks)
            for name, chunks in exporter.files(document, options)
        ]
    return [_write_file(out, exporter.stream(document, options))]


def _write_binary(document: Document, fmt: str, out: Path | None, options: ExportOptions, stdout: TextIO) -> list[Path]:
    exporter = get_binary_exporter(fmt)
    if out is None:
        stdout.flush()
        stdout.buffer.write(exporter.render(document, options))
        stdout.buffer.flush()
        return []
    name = f"document{exporter.extension}"
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, exporter.render(document, options))
        return [out]
    target = out / name if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        exporter.write(document, options, handle)
    return [target]
