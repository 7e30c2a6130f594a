"""Pages are rendered only when asked for, one at a time, and the document stays open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PIL import Image

from docparse.render import open_document
from docparse.render import pdf as pdf_module
from tests.render.helpers import BUDGET


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = pymupdf.open()
    for number in range(1, 301):
        doc.new_page(width=400, height=500).insert_text((50, 80), f"page {number}", fontsize=30)
    path = tmp_path_factory.mktemp("lazy") / "long.pdf"
    doc.save(path)
    return path


def _spy(
    monkeypatch: pytest.MonkeyPatch, cls: type, name: str, key: Callable[[Any], Any] = lambda obj: obj
) -> list[Any]:
    """Record ``key(receiver)`` at every call to ``cls.name``."""
    calls: list[Any] = []
    original: Callable[..., Any] = getattr(cls, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(key(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return calls


def _spy_rasterize(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Page numbers (0-based) that reach the rasterizer (in process or in the render child)."""
    rendered: list[int] = []
    original = pdf_module.PdfDocument._draw

    def wrapper(self: Any, page: Any, index0: int, *args: Any, **kwargs: Any) -> Image.Image:
        rendered.append(page.number)
        return original(self, page, index0, *args, **kwargs)

    monkeypatch.setattr(pdf_module.PdfDocument, "_draw", wrapper)
    return rendered


def test_one_page_of_300_renders_one_page(long_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pixmaps = _spy_rasterize(monkeypatch)
    loaded = _spy(monkeypatch, pymupdf.Page, "__init__", lambda page: None)
    opens = _spy(monkeypatch, pymupdf.Document, "__init__")
    with open_document(long_pdf) as doc:
        assert doc.page_count == 300
        assert pixmaps == []  # opening renders nothing
        page = doc.render_page(149, **BUDGET)
        page_again = doc.render_page(200, **BUDGET)
    assert pixmaps == [149, 200]
    assert len(loaded) == 2  # no other page object was even created
    assert len(opens) == 1  # the fitz document stays open across pages
    assert (page.number, page.pdf_page_index, page_again.number) == (150, 149, 201)


def test_iteration_is_lazy(long_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pixmaps = _spy_rasterize(monkeypatch)
    with open_document(long_pdf) as doc:
        pages = doc.iter_pages(**BUDGET)
        assert pixmaps == []
        first, second = next(pages), next(pages)
        assert pixmaps == [0, 1]
        assert (first.number, second.number) == (1, 2)
        pages.close()
    assert len(pixmaps) == 2


def test_tiff_iteration_is_lazy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frames = [Image.new("L", (64, 64), i) for i in range(20)]
    path = tmp_path / "many.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    from PIL import ImageFile

    loads = _spy(monkeypatch, ImageFile.ImageFile, "load", lambda image: image.tell())
    with open_document(path) as doc:
        assert doc.page_count == 20
        assert loads == []
        page = doc.render_page(7, **BUDGET)
    assert set(loads) == {7}  # only the requested frame is decoded
    assert page.image.getpixel((0, 0)) == (7, 7, 7)
