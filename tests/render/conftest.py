"""Fixtures for render tests: every input is generated in ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest


@pytest.fixture
def text_pdf(tmp_path: Path) -> Path:
    """A 3-page A4 PDF with some text on each page."""
    doc = pymupdf.open()
    for number in range(1, 4):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), f"Page {number}: the quick brown fox", fontsize=24)
        page.draw_rect(pymupdf.Rect(72, 200, 300, 400), color=(0, 0, 0), fill=(0.2, 0.4, 0.8))
    path = tmp_path / "text.pdf"
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def encrypted_pdf(tmp_path: Path) -> Path:
    """An AES-256 PDF with user password ``user`` and owner password ``owner``."""
    doc = pymupdf.open()
    for _ in range(2):
        doc.new_page(width=300, height=400).insert_text((50, 50), "secret")
    path = tmp_path / "locked.pdf"
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    doc.close()
    return path
