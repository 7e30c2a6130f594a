"""PyMuPDF, imported without the add-ons docparse does not use.

Since PyMuPDF 1.27, ``import pymupdf`` also imports ``pymupdf4llm`` and ``pymupdf.layout``
when they are installed (PyMuPDF's wheels depend on them), and ``pymupdf.layout`` builds its
ONNX layout models at import: measured here, 0.6 s of CPU and about 100 MB of memory in every
process that renders a page — each worker process, each ``docparse parse``, each test run.
docparse never calls them (its own layout comes from the model or from the text layer), so the
first import of PyMuPDF goes through :func:`load`, which makes both add-ons look absent for
that one import: PyMuPDF's own ``try: import …`` falls back as on an installation without
them (``Page.get_layout`` does nothing, ``pymupdf.to_markdown`` raises). Every module of ours
imports PyMuPDF as ``from docparse.mupdf import pymupdf``.

The blocking entries are removed again, so a program that imports ``pymupdf.layout`` itself
afterwards gets it (and activates it). One thing does not come back: PyMuPDF binds
``pymupdf4llm`` once, at its own import, so in a process whose first import of PyMuPDF was
docparse's, ``Document.to_markdown``/``to_text``/``to_json`` raise ``NotImplementedError``. A
program that wants them imports ``pymupdf4llm`` (or ``pymupdf``) before docparse: if PyMuPDF
was imported first, docparse uses it as it is. While the import runs, another thread that
imports one of the add-ons gets ``ModuleNotFoundError`` (the entries are process-wide):
docparse's own threads import PyMuPDF only through this module, under its import lock.

``pymupdf4llm`` also changes a process-wide setting of MuPDF's text extraction when it is
imported (``TOOLS.unset_quad_corrections(True)``: other glyph ascenders and descenders, so other
character boxes). The pdf-text engine reads text inside :func:`text_extraction`, which puts
MuPDF's default back for as long as docparse reads and then restores the program's setting, so
its output does not depend on whether the program imported ``pymupdf4llm``. The setting is
process-wide: a thread of the program reading text with PyMuPDF while docparse reads gets
MuPDF's default too. (Other process-wide settings, such as ``TOOLS.set_small_glyph_heights``,
are the program's to leave alone; no library docparse loads changes them.)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["UNUSED_ADDONS", "load", "pymupdf", "text_extraction"]

UNUSED_ADDONS = ("pymupdf.layout", "pymupdf4llm")
"""Modules ``import pymupdf`` would import on its own and docparse does not use."""


def load() -> ModuleType:
    """The ``pymupdf`` module, imported (the first time) without :data:`UNUSED_ADDONS`."""
    loaded = sys.modules.get("pymupdf")
    if loaded is not None:
        return loaded
    blocked = [name for name in UNUSED_ADDONS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ModuleNotFoundError
    try:
        import pymupdf as module
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return module


if TYPE_CHECKING:  # the module itself, for annotations such as ``pymupdf.Page``
    import pymupdf as pymupdf
else:
    pymupdf = load()


def _quad_corrections_unset(on: bool | None = None) -> bool:
    """MuPDF's process-wide "no quad corrections" setting: read it, or set it to ``on``."""
    unset: Any = pymupdf.TOOLS.unset_quad_corrections  # (untyped in PyMuPDF)
    return bool(unset(on))


_settings_lock = threading.Lock()
_readers = 0
_program_setting = False


@contextmanager
def text_extraction() -> Iterator[None]:
    """MuPDF's text extraction with its default quad corrections (what docparse's pdf-text engine
    is measured with), whatever the program set (``pymupdf4llm`` turns them off at import); the
    program's setting comes back when the last of docparse's concurrent readers leaves."""
    global _readers, _program_setting
    with _settings_lock:
        if _readers == 0:
            _program_setting = _quad_corrections_unset()
            if _program_setting:
                _quad_corrections_unset(False)
        _readers += 1
    try:
        yield
    finally:
        with _settings_lock:
            _readers -= 1
            if _readers == 0 and _program_setting:
                _quad_corrections_unset(True)
