"""Which files a folder ingest takes."""

from __future__ import annotations

import os
from pathlib import Path

from docparse.intake import discover


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def _rel(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_folder_sorted_hidden_skipped_not_recursive_by_default(tmp_path: Path) -> None:
    _touch(tmp_path, "b.pdf", "a.png", ".hidden.pdf", "sub/c.pdf", ".git/d.pdf")
    assert _rel(tmp_path, list(discover([tmp_path]))) == ["a.png", "b.pdf"]


def test_recursive_walks_subfolders_in_order_and_skips_hidden_ones(tmp_path: Path) -> None:
    _touch(tmp_path, "b.pdf", "sub/z.pdf", "sub/deeper/y.pdf", "a-sub/x.pdf", ".cache/w.pdf")
    found = _rel(tmp_path, list(discover([tmp_path], recursive=True)))
    assert found == ["b.pdf", "a-sub/x.pdf", "sub/z.pdf", "sub/deeper/y.pdf"]


def test_glob_filters_folder_contents_but_never_files_given_directly(tmp_path: Path) -> None:
    _touch(tmp_path, "a.pdf", "b.png", "sub/c.pdf", "notes.txt", ".direct.txt")
    assert _rel(tmp_path, list(discover([tmp_path], recursive=True, glob="*.pdf"))) == ["a.pdf", "sub/c.pdf"]
    direct = list(discover([tmp_path / "notes.txt", tmp_path / ".direct.txt"], glob="*.pdf"))
    assert _rel(tmp_path, direct) == ["notes.txt", ".direct.txt"]


def test_missing_paths_are_yielded_for_intake_to_report(tmp_path: Path) -> None:
    assert list(discover([tmp_path / "nope.pdf"])) == [tmp_path / "nope.pdf"]


def test_symlink_loops_are_safe_and_files_come_once(tmp_path: Path) -> None:
    _touch(tmp_path, "a.pdf", "sub/b.pdf")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    os.symlink(tmp_path / "a.pdf", tmp_path / "sub" / "link-to-a.pdf")
    found = list(discover([tmp_path, tmp_path / "a.pdf"], recursive=True))
    assert _rel(tmp_path, found) == ["a.pdf", "sub/b.pdf"]
