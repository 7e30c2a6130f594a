"""Which files a folder ingest takes: :func:`discover`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def discover(paths: Iterable[str | Path], *, recursive: bool = False, glob: str | None = None) -> Iterator[Path]:
    """The files to ingest, in a stable order, each once.

    A path naming a file (or naming nothing: intake reports it) is always yielded, hidden or
    not, whatever ``glob`` says. A folder yields its files sorted by name, then (with
    ``recursive``) its subfolders' files in the same way; hidden files and folders (a leading
    dot) are skipped, symlinks are followed but a folder is never entered twice (no symlink
    loops). ``glob`` (e.g. ``"*.pdf"``, matched against the path relative to the folder given,
    from the right as :meth:`pathlib.PurePath.match` does) filters folder contents.
    """
    seen_files: set[Path] = set()
    seen_dirs: set[tuple[int, int]] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in _walk(path, path, recursive, glob, seen_dirs):
                key = found.resolve()
                if key not in seen_files:
                    seen_files.add(key)
                    yield found
        else:
            key = path.resolve()
            if key not in seen_files:
                seen_files.add(key)
                yield path


def _walk(root: Path, folder: Path, recursive: bool, glob: str | None, seen: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        stat = folder.stat()
    except OSError:
        return
    identity = (stat.st_dev, stat.st_ino)
    if identity in seen:
        return
    seen.add(identity)
    try:
        with os.scandir(folder) as scan:
            entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:
        return
    subfolders: list[Path] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()  # follows symlinks
            is_file = entry.is_file()
        except OSError:
            continue
        if is_dir:
            subfolders.append(Path(entry.path))
        elif is_file:
            found = Path(entry.path)
            if glob is None or found.relative_to(root).match(glob):
                yield found
    if recursive:
        for sub in subfolders:
            yield from _walk(root, sub, recursive, glob, seen)
