"""Input files for intake and worker tests: the samples, generated PDFs and bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pymupdf

from tests.paths import SAMPLES_DIR

BAD_FILES = {
    "broken.pdf": "broken.pdf",
    "locked.pdf": "password-protected",
    "empty.pdf": "empty (0 bytes)",
    "fake.pdf": "not a supported document",
}
"""Bad files :func:`add_bad_files` writes, with a fragment of the reason each must fail with."""

NOT_DOCUMENTS = {"notes.txt": "not a document (plain text)"}
"""Files that neither are nor claim to be documents: skipped with a reason, no document row."""


def sample_folder(folder: Path) -> Path:
    """``folder`` with the sample PDFs and the scan."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*sorted(SAMPLES_DIR.glob("*.pdf")), SAMPLES_DIR / "scan.png"]:
        shutil.copy(path, folder / path.name)
    return folder


def make_pdf(path: Path, pages: int, *, label: str = "Page") -> Path:
    """A born-digital PDF of ``pages`` letter pages, each with a heading and a line of text."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=612, height=792)
        page.insert_text((72, 100), f"{label} {n + 1} heading", fontsize=20)
        page.insert_text((72, 140), f"Body text of {label.lower()} {n + 1}.", fontsize=11)
    doc.save(path)
    doc.close()
    return path


def add_bad_files(folder: Path) -> dict[str, str]:
    """Write :data:`BAD_FILES` into ``folder``; returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + b"\x00garbage" * 64)
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    doc.save(folder / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user-pw", owner_pw="owner-pw")
    doc.close()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "fake.pdf").write_text("a text file that only claims to be a PDF\n" * 4)
    (folder / "notes.txt").write_text("just some notes, not a document\n" * 4)
    return dict(BAD_FILES)
